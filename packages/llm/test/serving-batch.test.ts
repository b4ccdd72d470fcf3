/**
 * The batch engine on real models: continuous batching equals solitary generation (requests
 * joining and leaving mid-stream), prefix sharing across conversations, copy-on-write where two
 * branches diverge inside a block, eviction and waiting under a small KV cache.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatTemplate, type ChatMessage } from "../src/chat/template.js";
import { ContinuationDecoder, generateAll } from "../src/generate.js";
import { loadModelDir } from "../src/loaders/index.js";
import type { LlamaModel } from "../src/models/llama/index.js";
import { OptionError } from "../src/sampling/options.js";
import { chatStopIds, encodeChat } from "../src/serving/chat-prompt.js";
import { ServingEngine, type ServingEngineOptions } from "../src/serving/engine.js";
import { synthesizeModelDir } from "../src/synth.js";
import { loadTokenizer } from "../src/tokenizers/index.js";
import type { Tokenizer } from "../src/tokenizers/tokenizer.js";
import { makeTempDir, removeDir, STORY_DIR } from "./llama-helpers.js";

const GREEDY = { temperature: 0 };
let tmp: string;
let story: LlamaModel;
let windowed: LlamaModel;
let tokenizer: Tokenizer;
let eosIds: readonly number[];
let template: ChatTemplate;

beforeAll(async () => {
  tmp = makeTempDir("serving-batch");
  const loaded = await loadModelDir(STORY_DIR);
  story = loaded.model;
  eosIds = loaded.eosTokenIds;
  tokenizer = await loadTokenizer(STORY_DIR);
  template = ChatTemplate.forTokenizer(tokenizer);
  const config = {
    architectures: ["MistralForCausalLM"], model_type: "mistral", hidden_size: 64, intermediate_size: 96, num_hidden_layers: 2,
    num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 2048, max_position_embeddings: 256, sliding_window: 12,
    rms_norm_eps: 1e-5, rope_theta: 10000, hidden_act: "silu", tie_word_embeddings: false,
  };
  windowed = (await loadModelDir(synthesizeModelDir({ config, outDir: join(tmp, "mistral"), seed: 7, std: 0.3 }))).model;
  expect(windowed.config.slidingWindow).toBe(12);
});
afterAll(() => {
  windowed.dispose();
  removeDir(tmp);
});

const engine = (model: LlamaModel, o: Partial<ServingEngineOptions> = {}) => new ServingEngine({ model, tokenizer, eosIds, ...o });

function freshText(model: LlamaModel, ids: number[], maxNewTokens: number): string {
  const r = generateAll(model, ids, { maxNewTokens, stopIds: eosIds });
  const dec = new ContinuationDecoder(tokenizer, ids);
  return r.ids.map((id) => dec.push(id)).join("") + dec.flush();
}

function freshChat(messages: ChatMessage[], maxNewTokens: number): string {
  const ids = encodeChat(template, tokenizer, messages, true);
  return tokenizer.decode(generateAll(story, ids, { maxNewTokens, stopIds: chatStopIds(tokenizer, template, eosIds) }).ids, { skipSpecialTokens: true });
}

const tick = () => new Promise((r) => setImmediate(r));
const prompt = (n: number, seed: number) => [1, ...Array.from({ length: n - 1 }, (_, i) => 3 + ((i * 131 + seed * 977) % 2000))];

describe("continuous batching", () => {
  for (const which of ["story (GQA 8/4)", "synthesized Mistral (GQA 4/2, sliding window 12)"]) {
    it(`${which}: greedy output equals a solitary run, with requests joining and leaving mid-stream`, async () => {
      const model = which.startsWith("story") ? story : windowed;
      const e = engine(model, { blockSize: 8, prefillChunk: 24 });
      let widest = 0;
      const watch = () => (widest = Math.max(widest, e.stats().lastBatchSize));
      const submit = (ids: number[], max: number) => e.submit({ prompt: { ids }, sampling: GREEDY, maxTokens: max, onText: watch }).result;
      const specs: [number[], number][] = [
        [prompt(30, 1), 40],
        [prompt(9, 2), 6], // leaves early
        [prompt(75, 3), 30], // joins later, long prompt prefilled in chunks beside the decoding ones
        [prompt(3, 4), 25],
      ];
      const results = [submit(...specs[0]!), submit(...specs[1]!)];
      for (let i = 0; i < 8; i++) await tick();
      results.push(submit(...specs[2]!));
      for (let i = 0; i < 5; i++) await tick();
      results.push(submit(...specs[3]!));
      const done = await Promise.all(results);
      done.forEach((r, i) => expect(r.text, `request ${i}`).toBe(freshText(model, specs[i]![0], specs[i]![1])));
      expect(widest).toBeGreaterThan(1); // they really ran in one pass
      expect(e.stats()).toMatchObject({ active: 0, queued: 0, kv: { used: 0 } });
      e.dispose();
    });
  }
});

describe("prefix sharing (radix tree over blocks)", () => {
  it("a second conversation with the same system prompt reuses it, and answers as a fresh run", async () => {
    const e = engine(story, { blockSize: 16 });
    const system = { role: "system", content: "You are a storyteller for small children. You tell short, kind stories about animals, with a happy ending." };
    const a = [system, { role: "user", content: "Tell me about a cat." }];
    const b = [system, { role: "user", content: "Tell me about a big dog." }];
    await e.submit({ prompt: { messages: a }, sampling: GREEDY, maxTokens: 20 }).result;
    const rb = await e.submit({ prompt: { messages: b }, sampling: GREEDY, maxTokens: 20 }).result;
    const systemTokens = encodeChat(template, tokenizer, [system], false).length;
    const idsA = encodeChat(template, tokenizer, a, true);
    const idsB = encodeChat(template, tokenizer, b, true);
    let common = 0;
    while (idsA[common] === idsB[common]) common++;
    expect(systemTokens).toBeGreaterThan(20);
    expect(rb.cachedTokens).toBe(common); // every shared token, inside a block too
    expect(rb.cachedTokens).toBeGreaterThanOrEqual(systemTokens);
    expect(rb.text).toBe(freshChat(b, 20));
    e.dispose();
  });

  it("copy-on-write: two branches diverging inside a block each answer as fresh runs, the first unharmed", async () => {
    const e = engine(story, { blockSize: 16 });
    const trunk = prompt(20, 5); // block 0 full, block 1 holds 4 positions of the trunk
    const x = [...trunk, 400, 401, 402];
    const y = [...trunk, 500, 501];
    const rx = await e.submit({ prompt: { ids: x }, sampling: GREEDY, maxTokens: 12 }).result;
    const ry = await e.submit({ prompt: { ids: y }, sampling: GREEDY, maxTokens: 12 }).result;
    expect(ry.cachedTokens).toBe(20); // one shared block + 4 positions copied out of x's second block
    expect(ry.text).toBe(freshText(story, y, 12));
    const again = await e.submit({ prompt: { ids: x }, sampling: GREEDY, maxTokens: 12 }).result;
    expect(again.cachedTokens).toBe(x.length - 1);
    expect(again.text).toBe(rx.text);
    expect(rx.text).toBe(freshText(story, x, 12));
    e.dispose();
  });
});

describe("a small KV cache", () => {
  it("evicts least recently used blocks, and every answer stays right", async () => {
    // 1 MiB = 64 blocks of 16 positions for the story model (1 KiB per position).
    const e = engine(story, { kvCacheMb: 1, blockSize: 16, contextLength: 256, maxSessions: 2 });
    expect(e.stats().kv.blocks).toBe(64);
    const texts: string[] = [];
    for (let i = 0; i < 14; i++) texts.push((await e.submit({ prompt: { ids: prompt(70, 10 + i) }, sampling: GREEDY, maxTokens: 10 }).result).text);
    expect(e.stats().pool.evictions).toBeGreaterThan(0);
    // The most recent conversation is still cached; most of the first was evicted (its first block
    // stays: every later prompt copied its BOS out of it, which kept it recently used).
    expect((await e.submit({ prompt: { ids: prompt(70, 23) }, sampling: GREEDY, maxTokens: 10 }).result).cachedTokens).toBe(69);
    const first = await e.submit({ prompt: { ids: prompt(70, 10) }, sampling: GREEDY, maxTokens: 10 }).result;
    expect(first.cachedTokens).toBeLessThan(69);
    expect(first.text).toBe(texts[0]);
    for (const i of [0, 7, 13]) expect(texts[i]).toBe(freshText(story, prompt(70, 10 + i), 10));
    e.dispose();
  });

  it("requests that do not fit wait for room (and may be preempted), none fails", async () => {
    const e = engine(story, { kvCacheMb: 1, blockSize: 16, maxSessions: 6 });
    const specs = Array.from({ length: 6 }, (_, i) => prompt(150 + 20 * i, 30 + i));
    const results = await Promise.all(specs.map((ids) => e.submit({ prompt: { ids }, sampling: GREEDY, maxTokens: 40 }).result));
    results.forEach((r, i) => expect(r.text, `request ${i}`).toBe(freshText(story, specs[i]!, 40)));
    expect(e.stats().requests).toMatchObject({ completed: 6, failed: 0 });
    e.dispose();
  });

  it("refuses a cache smaller than one full context, naming the option", () => {
    expect(() => engine(story, { kvCacheMb: 0.25 })).toThrow(OptionError);
    expect(() => engine(story, { kvCacheMb: 0.25 })).toThrow(/kvCacheMb.*at least one full context of 512 positions/);
  });
});
