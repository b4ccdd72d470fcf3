import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHATML_TEMPLATE, ChatOverflowError, ChatSession, ChatTemplate, ChatTemplateError, type TurnResult } from "../src/chat/index.js";
import { generateAll } from "../src/generate.js";
import { loadModelDir } from "../src/loaders/index.js";
import type { CausalLM } from "../src/models/causal-lm.js";
import { synthesizeModelDir } from "../src/synth.js";
import { LlamaModel } from "../src/models/llama/index.js";
import { loadTokenizerSync, tokenizerFromJson } from "../src/tokenizers/index.js";
import { TokenHistoryCache } from "../src/training/index.js";
import type { Tokenizer } from "../src/tokenizers/tokenizer.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

const STORY = `${SHARED}/models/story`;
const CHAT_TOKENIZER = `${SHARED}/models/chat-tokenizer`;

describe("ChatTemplate", () => {
  const conversation = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Hi" },
    { role: "assistant", content: "Hello!" },
    { role: "user", content: "Bye" },
  ];

  it("renders ChatML exactly", () => {
    const t = new ChatTemplate(CHATML_TEMPLATE);
    expect(t.render(conversation)).toBe(
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n" +
        "<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n",
    );
    expect(t.render(conversation.slice(0, 2), { addGenerationPrompt: false })).toBe(
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n",
    );
  });

  it("uses the tokenizer's template, else the built-in ChatML, and passes bos/eos tokens", () => {
    const story = loadTokenizerSync(STORY);
    expect(story.chatTemplate).toBeUndefined();
    expect(ChatTemplate.forTokenizer(story).isBuiltInChatML).toBe(true);
    const chat = loadTokenizerSync(CHAT_TOKENIZER);
    const fromFile = ChatTemplate.forTokenizer(chat);
    expect(fromFile.where).toBe("tokenizer_config.json chat_template");
    expect(fromFile.render(conversation)).toBe(new ChatTemplate(CHATML_TEMPLATE).render(conversation));
    const withSpecials = new ChatTemplate("{{ bos_token }}{% for m in messages %}[{{ m.role }}] {{ m.content }}{{ eos_token }}{% endfor %}", {
      bosToken: "<s>",
      eosToken: "</s>",
    });
    expect(withSpecials.render([{ role: "user", content: "x" }])).toBe("<s>[user] x</s>");
  });

  it("reports templates that do not parse or that raise", () => {
    expect(() => new ChatTemplate("{% for %}", {}, "my template")).toThrow(ChatTemplateError);
    expect(() => new ChatTemplate("{% for %}", {}, "my template")).toThrow(/^my template: does not parse/);
    const strict = new ChatTemplate("{% if messages[0].role != 'user' %}{{ raise_exception('first must be user') }}{% endif %}");
    expect(() => strict.render([{ role: "system", content: "s" }])).toThrow("rendering failed: first must be user");
  });
});

/** A model that records each forward call's tokens and (copied) logits. */
function spy(model: CausalLM): CausalLM & { calls: { tokens: number[]; logits: Float32Array }[] } {
  const calls: { tokens: number[]; logits: Float32Array }[] = [];
  return {
    calls,
    config: model.config,
    newCache: (maxLen?: number) => model.newCache(maxLen),
    forward(tokens, cache, opts) {
      const logits = model.forward(tokens, cache, opts);
      calls.push({ tokens: Array.from(tokens), logits: logits.slice() });
      return logits;
    },
  };
}

function drain(gen: Generator<string, TurnResult, undefined>): { text: string; result: TurnResult } {
  let text = "";
  let step = gen.next();
  for (; !step.done; step = gen.next()) text += step.value;
  return { text, result: step.value };
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Two turns: the second feeds exactly the tokens the cache lacks (the new user turn and the
 * assistant header), and its logits equal a fresh run over the whole conversation.
 */
function checkSecondTurn(model: CausalLM, tokenizer: Tokenizer, opts: { stopIds: readonly number[]; system?: string }) {
  const lm = spy(model);
  const session = new ChatSession(lm, tokenizer, { ...opts, maxNewTokens: 12 });
  const first = drain(session.send("Tell me a story about a cat."));
  expect(first.text).toBe(first.result.text);
  expect(session.messages.at(-1)).toEqual({ role: "assistant", content: first.text });
  // After the turn the cache holds the rendered conversation, end-of-turn tokens included.
  const afterFirst = [...session.cachedIds];
  expect(afterFirst).toEqual(session.encode(session.messages, false));

  lm.calls.length = 0;
  const second = drain(session.send("What happened next?"));
  const full = session.encode(session.messages.slice(0, -1), true);
  expect(second.result.promptTokens).toBe(full.length);
  expect(second.result.reusedTokens).toBe(afterFirst.length);
  expect(full.slice(0, afterFirst.length)).toEqual(afterFirst);
  const fed = lm.calls[0]!.tokens;
  expect(fed).toEqual(full.slice(afterFirst.length));
  expect(second.result.generation.prefillTokens).toBe(fed.length);

  const fresh = model.forward(full, model.newCache()).slice();
  expect(maxAbsDiff(lm.calls[0]!.logits, fresh)).toBeLessThan(1e-5);
  return { session, fed, second };
}

describe("ChatSession on the story model (built-in ChatML)", () => {
  let model: CausalLM;
  let tokenizer: Tokenizer;
  let eos: readonly number[];
  beforeAll(async () => {
    const loaded = await loadModelDir(STORY);
    model = loaded.model;
    eos = loaded.eosTokenIds;
    tokenizer = loadTokenizerSync(STORY);
  });

  it("second turn feeds only the new tokens; logits equal a fresh full-context run", () => {
    const { session, fed, second } = checkSecondTurn(model, tokenizer, { stopIds: eos, system: "You tell stories." });
    expect(tokenizer.decode(fed)).toContain("What happened next?");
    expect(session.messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant"]);
    // Greedy: the answer is what a fresh generation over the whole prompt gives.
    const full = session.encode(session.messages.slice(0, -1), true);
    const fresh = generateAll(model, full, { maxNewTokens: 12, stopIds: eos });
    expect(second.result.generation.ids).toEqual(fresh.ids);
  });

  it("regenerate, undo, reset and an interrupted answer keep cache and conversation consistent", () => {
    const lm = spy(model);
    const session = new ChatSession(lm, tokenizer, { stopIds: eos, maxNewTokens: 10, system: "sys" });
    const first = drain(session.send("Once upon a time"));
    lm.calls.length = 0;
    const again = drain(session.regenerate());
    expect(again.text).toBe(first.text); // greedy
    expect(lm.calls[0]!.tokens.length).toBe(1); // everything up to the assistant header was cached
    expect(session.messages.length).toBe(3);

    expect(session.undo()).toBe(true);
    expect(session.messages).toEqual([{ role: "system", content: "sys" }]);
    const other = drain(session.send("A dog"));
    expect(session.messages.length).toBe(3);
    expect(other.result.reusedTokens).toBeGreaterThan(0); // the system part stayed cached

    // Interrupt: the partial answer stays in the conversation.
    const gen = session.send("And then?");
    const piece = gen.next();
    expect(piece.done).toBe(false);
    gen.return(undefined as never);
    expect(session.messages.at(-1)!.role).toBe("assistant");
    expect(session.messages.length).toBe(5);
    // The next turn still matches a fresh run.
    lm.calls.length = 0;
    drain(session.send("Go on."));
    const full = session.encode(session.messages.slice(0, -1), true);
    const fresh = model.forward(full, model.newCache()).slice();
    expect(maxAbsDiff(lm.calls[0]!.logits, fresh)).toBeLessThan(1e-5);

    session.reset();
    expect(session.messages).toEqual([{ role: "system", content: "sys" }]);
    expect(session.cachedIds).toEqual([]);
  });

  it("overflow: drops the oldest turns (keeping the system message), refuses a message that cannot fit", () => {
    const lm = spy(model);
    const contextLength = 120;
    const session = new ChatSession(lm, tokenizer, { stopIds: eos, maxNewTokens: 20, system: "Short stories.", contextLength });
    const drops: number[] = [];
    for (const msg of ["The cat sat.", "The dog ran.", "The bird sang.", "The fish swam.", "The end?"]) {
      lm.calls.length = 0;
      const { result } = drain(session.send(msg));
      drops.push(result.droppedMessages);
      expect(session.messages[0]).toEqual({ role: "system", content: "Short stories." });
      expect(session.messages.at(-2)).toEqual({ role: "user", content: msg });
      // The prompt left room for min(maxNewTokens, context / 4) = 20 tokens.
      expect(result.promptTokens + 20).toBeLessThanOrEqual(contextLength);
      // Re-prefilled after a drop, and still equal to a fresh run.
      const full = session.encode(session.messages.slice(0, -1), true);
      const fresh = model.forward(full, model.newCache()).slice();
      expect(maxAbsDiff(lm.calls[0]!.logits, fresh)).toBeLessThan(1e-5);
    }
    expect(drops.some((d) => d > 0)).toBe(true);
    expect(drops[0]).toBe(0);

    const before = [...session.messages];
    const long = "the cat and the dog went to the park ".repeat(20);
    expect(() => session.send(long)).toThrow(ChatOverflowError);
    expect(() => session.send(long)).toThrow(/^message too long: the system message and this message alone are \d+ tokens; context length is 120/);
    expect(session.messages).toEqual(before);
  });
});

describe("ChatSession on a synthesized Mistral-shaped model with the chat tokenizer", () => {
  let dir: string;
  let model: CausalLM;
  let tokenizer: Tokenizer;
  let eos: readonly number[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mini-chat-"));
    const config = JSON.parse(readFileSync(join(CHAT_TOKENIZER, "config.json"), "utf8")) as Record<string, unknown>;
    // Small for speed; the vocabulary (32002) and the architecture are kept.
    Object.assign(config, { num_hidden_layers: 2, hidden_size: 64, intermediate_size: 128, num_attention_heads: 4, num_key_value_heads: 2 });
    synthesizeModelDir({ config, tokenizerDir: CHAT_TOKENIZER, outDir: dir, seed: 7 });
    const loaded = await loadModelDir(dir);
    model = loaded.model;
    eos = loaded.eosTokenIds;
    tokenizer = loadTokenizerSync(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("second turn feeds exactly the ChatML tokens of the new turn; logits equal a fresh run", () => {
    expect(eos).toEqual([32000]);
    const { fed } = checkSecondTurn(model, tokenizer, { stopIds: eos, system: "You are helpful." });
    const newTurn = "<|im_start|>user\nWhat happened next?<|im_end|>\n<|im_start|>assistant\n";
    expect(fed).toEqual(tokenizer.encode(newTurn, { addSpecialTokens: false }));
    expect(fed[0]).toBe(32001); // <|im_start|>
  });
});

describe("ChatSession with a sliding window shorter than the conversation (synthesized Mistral, GQA 4/2)", () => {
  const WINDOW = 8;
  let dir: string;
  let model: LlamaModel;
  let tokenizer: Tokenizer;
  let eos: readonly number[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "mini-chat-window-"));
    const config = JSON.parse(readFileSync(join(CHAT_TOKENIZER, "config.json"), "utf8")) as Record<string, unknown>;
    Object.assign(config, {
      num_hidden_layers: 2,
      hidden_size: 64,
      intermediate_size: 128,
      num_attention_heads: 4,
      num_key_value_heads: 2,
      sliding_window: WINDOW,
    });
    synthesizeModelDir({ config, tokenizerDir: CHAT_TOKENIZER, outDir: dir, seed: 11, std: 0.2 });
    const loaded = await loadModelDir(dir);
    expect(loaded.config.slidingWindow).toBe(WINDOW);
    model = loaded.model;
    eos = loaded.eosTokenIds;
    tokenizer = loadTokenizerSync(dir);
  });
  afterAll(() => {
    model.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("second turn's logits equal a fresh full-context run, and the window really cut the context", () => {
    const { session, fed } = checkSecondTurn(model, tokenizer, { stopIds: eos, system: "You are helpful." });
    const full = session.encode(session.messages.slice(0, -1), true);
    expect(full.length).toBeGreaterThan(4 * WINDOW);
    expect(fed.length).toBeGreaterThan(WINDOW); // the new turn alone spans more than one window
    // Without the window the same weights give other logits: the check above was not vacuous.
    const windowed = model.forward(full, model.newCache()).slice();
    const unwindowed = new LlamaModel({ ...model.config, slidingWindow: null }, model.weights);
    expect(maxAbsDiff(unwindowed.forward(full, unwindowed.newCache()), windowed)).toBeGreaterThan(1e-3);
  });
});

describe("ChatSession stop ids", () => {
  it("stops at <|im_end|> whenever the template writes it, even when the tokenizer's eos is another token", () => {
    const json = JSON.parse(readFileSync(join(CHAT_TOKENIZER, "tokenizer.json"), "utf8")) as unknown;
    const config = JSON.parse(readFileSync(join(CHAT_TOKENIZER, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
    const tokenizer = tokenizerFromJson(json, { ...config, eos_token: "</s>" });
    const imEnd = tokenizer.tokenToId("<|im_end|>")!;
    expect(tokenizer.eosId).not.toBe(imEnd);
    // A model that always predicts <|im_end|>.
    const V = tokenizer.vocabSize;
    const model: CausalLM = {
      config: { vocabSize: V, maxSeqLen: 256 },
      newCache: (n = 256) => new TokenHistoryCache(n),
      forward: (tokens, cache) => {
        (cache as TokenHistoryCache).append(tokens);
        const logits = new Float32Array(V);
        logits[imEnd] = 10;
        return logits;
      },
    };
    // A ChatML variant (not the built-in text): the rule looks at what the template writes.
    const template = new ChatTemplate(`${CHATML_TEMPLATE}{# a ChatML variant #}`);
    expect(template.isBuiltInChatML).toBe(false);
    const session = new ChatSession(model, tokenizer, { template, maxNewTokens: 5 });
    const { text, result } = drain(session.send("Hi"));
    expect(text).toBe("");
    expect(result.finishReason).toBe("stop");
    expect(result.generation.stopId).toBe(imEnd);
  });
});
