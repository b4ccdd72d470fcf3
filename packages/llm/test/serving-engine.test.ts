/**
 * ServingEngine on the story model (shared/models/story, built-in ChatML template): what it answers
 * equals a plain `generate` run, whatever was cached before and whatever ran beside it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ChatTemplate, type ChatMessage } from "../src/chat/template.js";
import { ContinuationDecoder, generateAll, PromptTooLongError } from "../src/generate.js";
import { loadModelDir } from "../src/loaders/index.js";
import type { CausalLM } from "../src/models/causal-lm.js";
import { OptionError } from "../src/sampling/options.js";
import { chatStopIds, encodeChat } from "../src/serving/chat-prompt.js";
import { commonPrefixLength } from "../src/serving/common-prefix.js";
import { QueueFullError, ServingEngine, type ServingEngineOptions } from "../src/serving/engine.js";
import { BatchedLlama } from "../src/models/llama/index.js";
import type { BatchedCausalLM } from "../src/models/causal-lm.js";
import { loadTokenizer } from "../src/tokenizers/index.js";
import type { Tokenizer } from "../src/tokenizers/tokenizer.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

const STORY = `${SHARED}/models/story`;
const GREEDY = { temperature: 0 };
let model: CausalLM;
let tokenizer: Tokenizer;
let eosIds: readonly number[];
let template: ChatTemplate;

beforeAll(async () => {
  const loaded = await loadModelDir(STORY);
  model = loaded.model;
  eosIds = loaded.eosTokenIds;
  tokenizer = await loadTokenizer(STORY);
  template = ChatTemplate.forTokenizer(tokenizer);
});

const engine = (o: Partial<ServingEngineOptions> = {}) => new ServingEngine({ model, tokenizer, eosIds, ...o });

/** The answer of a fresh, solitary greedy run on the rendered conversation. */
function freshChatAnswer(messages: ChatMessage[], maxNewTokens: number): string {
  const ids = encodeChat(template, tokenizer, messages, true);
  const r = generateAll(model, ids, { maxNewTokens, stopIds: chatStopIds(tokenizer, template, eosIds) });
  return tokenizer.decode(r.ids, { skipSpecialTokens: true });
}

const user = (content: string): ChatMessage => ({ role: "user", content });
const assistant = (content: string): ChatMessage => ({ role: "assistant", content });

describe("ServingEngine (story model)", () => {
  it("a greedy completion streams the same text as generate + ContinuationDecoder", async () => {
    const prompt = "Once upon a time, there was a little dog";
    const ids = tokenizer.encode(prompt);
    const ref = generateAll(model, ids, { maxNewTokens: 30, stopIds: eosIds });
    const dec = new ContinuationDecoder(tokenizer, ids);
    const expected = ref.ids.map((id) => dec.push(id)).join("") + dec.flush();
    const pieces: string[] = [];
    const r = await engine().submit({ prompt: { text: prompt }, sampling: GREEDY, maxTokens: 30, onText: (p) => pieces.push(p) }).result;
    expect(r.text).toBe(expected);
    expect(pieces.join("")).toBe(expected);
    expect(r).toMatchObject({ finishReason: ref.finishReason, promptTokens: ids.length, cachedTokens: 0, completionTokens: ref.ids.length });
  });

  it("a finished chat's sync is deferred while others generate, and runs once the engine is otherwise idle", async () => {
    // Records the rows of each forward pass: one per sequence in it.
    const batches: number[][] = [];
    const recording = new BatchedLlama(model as never);
    const forward = recording.forwardBatch.bind(recording);
    recording.forwardBatch = (entries, kv) => {
      batches.push(entries.map((e) => e.tokens.length));
      return forward(entries, kv);
    };
    const e = new ServingEngine({ model: recording, tokenizer, eosIds });
    const long = e.submit({ prompt: { text: "Once upon a time, there was a little dog" }, sampling: GREEDY, maxTokens: 40 });
    const chat = await e.submit({ prompt: { messages: [user("Tell me a story.")] }, sampling: GREEDY, maxTokens: 3 }).result;
    const atAnswer = batches.length;
    const rest = await long.result;
    expect(rest.completionTokens).toBeGreaterThan(chat.completionTokens + 5); // still generating after the chat was answered
    const whileBusy = batches.slice(atAnswer);
    expect(whileBusy.length).toBeGreaterThan(0);
    expect(whileBusy.every((rows) => rows.length === 1 && rows[0] === 1)).toBe(true); // the completion's decode steps only
    await e.idle();
    const idleSteps = batches.slice(atAnswer + whileBusy.length);
    expect(idleSteps.length).toBeGreaterThan(0); // then the sync ran
    expect(idleSteps.every((rows) => rows.reduce((a, b) => a + b, 0) <= 16)).toBe(true); // in small steps
    expect(e.stats().requests.completed).toBe(2);
  });

  it("feeds a long prompt in chunks (other requests step in between) with the same result", async () => {
    const prompt = "Tim and Sue went to the park. They saw a big tree and a red ball. ".repeat(3);
    const a = await engine({ prefillChunk: 7 }).submit({ prompt: { text: prompt }, sampling: GREEDY, maxTokens: 20 }).result;
    const b = await engine({ prefillChunk: 128 }).submit({ prompt: { text: prompt }, sampling: GREEDY, maxTokens: 20 }).result;
    expect(a.promptTokens).toBeGreaterThan(7 * 3);
    expect(a.text).toBe(b.text);
  });

  it("turn 2 finds turn 1 (prompt, answer, end of turn) in the cache, and answers as a fresh run", async () => {
    const e = engine({ maxSessions: 2 });
    const turn1 = [user("Tell me a story about a cat.")];
    const r1 = await e.submit({ prompt: { messages: turn1 }, sampling: GREEDY, maxTokens: 25 }).result;
    expect(e.stats().active).toBe(1); // answered before its sync is done; turn 2 below waits for it
    const turn2 = [...turn1, assistant(r1.text), user("What did the cat do next?")];
    const r2 = await e.submit({ prompt: { messages: turn2 }, sampling: GREEDY, maxTokens: 25 }).result;
    // What can be reused: the rendered turn 1 with its answer, as far as it tokenizes the same.
    const reusable = commonPrefixLength(encodeChat(template, tokenizer, [...turn1, assistant(r1.text)], false), encodeChat(template, tokenizer, turn2, true));
    expect(r2.cachedTokens).toBe(reusable);
    expect(r2.cachedTokens).toBeGreaterThan(r1.promptTokens);
    expect(r2.text).toBe(freshChatAnswer(turn2, 25));
    await e.idle(); // stats count retired requests; turn 2 retires once its sync is done
    expect(e.stats().pool).toMatchObject({ hits: 1, misses: 1 });
  });

  it("regenerating a turn reuses all of its prompt but the last token; the answer is unchanged (greedy)", async () => {
    const e = engine({ maxSessions: 2 });
    const conv = [user("Tell me a story about a frog."), assistant("The frog jumped."), user("Why did it jump?")];
    const first = await e.submit({ prompt: { messages: conv }, sampling: GREEDY, maxTokens: 20 }).result;
    const again = await e.submit({ prompt: { messages: conv }, sampling: GREEDY, maxTokens: 20 }).result;
    expect(again.cachedTokens).toBe(first.promptTokens - 1);
    expect(again.text).toBe(first.text);
    // Edit the first message: what it still shares (BOS, the template's header) is reused.
    const editedConv = [user("A story about a bird, please."), ...conv.slice(1)];
    const edited = await e.submit({ prompt: { messages: editedConv }, sampling: GREEDY, maxTokens: 20 }).result;
    expect(edited.cachedTokens).toBe(commonPrefixLength(encodeChat(template, tokenizer, editedConv, true), encodeChat(template, tokenizer, conv, true)));
    expect(edited.cachedTokens).toBeGreaterThan(0);
    expect(edited.text).toBe(freshChatAnswer(editedConv, 20));
  });

  it("two conversations interleaved token by token answer as each alone", async () => {
    const a = [user("Tell me about a big red ball.")];
    const b = [user("Tell me about a small blue fish."), assistant("The fish swam."), user("Where did it go?")];
    const e = engine({ maxSessions: 2 });
    const order: string[] = [];
    const ja = e.submit({ prompt: { messages: a }, sampling: GREEDY, maxTokens: 30, onText: () => order.push("a") });
    const jb = e.submit({ prompt: { messages: b }, sampling: GREEDY, maxTokens: 30, onText: () => order.push("b") });
    const [ra, rb] = await Promise.all([ja.result, jb.result]);
    expect(ra.text).toBe(freshChatAnswer(a, 30));
    expect(rb.text).toBe(freshChatAnswer(b, 30));
    // Interleaved, not one after the other.
    const firstB = order.indexOf("b");
    expect(firstB).toBeGreaterThan(-1);
    expect(order.lastIndexOf("a")).toBeGreaterThan(firstB);
  });

  it("queues beyond maxSessions, refuses beyond maxQueue, and a cancelled request frees its blocks", async () => {
    const e = engine({ maxSessions: 1, maxQueue: 1 });
    const long = { prompt: { text: "Once upon a time" }, sampling: GREEDY, maxTokens: 400 };
    const running = e.submit(long);
    const waiting = e.submit(long);
    await new Promise((res) => setImmediate(res)); // the first step admits one
    expect(e.stats()).toMatchObject({ active: 1, queued: 1 });
    expect(() => e.submit(long)).toThrow(QueueFullError);
    running.cancel();
    const r = await running.result;
    expect(r.finishReason).toBe("cancelled");
    expect(r.completionTokens).toBeLessThan(400);
    // The waiting request got the cache.
    await new Promise((res) => setImmediate(res));
    expect(e.stats()).toMatchObject({ active: 1, queued: 0 });
    waiting.cancel();
    await e.idle();
    expect(e.stats()).toMatchObject({ active: 0, queued: 0, requests: { accepted: 2, rejected: 1, cancelled: 2 } });
    expect(e.stats().kv.used).toBe(0);
  });

  it("cancelling a queued request drops it from the queue", async () => {
    const e = engine({ maxSessions: 1, maxQueue: 4 });
    const first = e.submit({ prompt: { text: "Once upon a time" }, sampling: GREEDY, maxTokens: 10 });
    const queued = e.submit({ prompt: { text: "Once upon a time" }, sampling: GREEDY, maxTokens: 10 });
    queued.cancel();
    expect((await queued.result).completionTokens).toBe(0);
    expect((await first.result).finishReason).not.toBe("cancelled");
  });

  it("a chat answer ends where the model spells out its end marker in pieces (<|end_story|> as ordinary tokens)", async () => {
    const messages = [{ role: "user", content: "Tell me a story about a kind dragon." }];
    const fresh = freshChatAnswer(messages, 300);
    const cut = fresh.indexOf("<|end_story|>");
    expect(cut).toBeGreaterThan(0); // the case is exercised: the model writes the marker as text
    const pieces: string[] = [];
    const r = await engine().submit({ prompt: { messages }, sampling: GREEDY, maxTokens: 300, onText: (p) => pieces.push(p) }).result;
    expect(r.text).toBe(fresh.slice(0, cut));
    expect(pieces.join("")).toBe(r.text);
    expect(r.finishReason).toBe("stop");
    // A completion is raw text: the marker stays, as `generate` prints it.
    const c = await engine().submit({ prompt: { text: "Once upon a time" }, sampling: GREEDY, maxTokens: 300 }).result;
    const ids = tokenizer.encode("Once upon a time");
    const dec = new ContinuationDecoder(tokenizer, ids);
    const g = generateAll(model, ids, { maxNewTokens: 300, stopIds: eosIds });
    expect(c.text).toBe(g.ids.map((id) => dec.push(id)).join("") + dec.flush());
  });

  it("stop strings cut the text (finish reason stop) and the same seed gives the same sample", async () => {
    const e = engine();
    const base = { prompt: { text: "Once upon a time" }, sampling: { temperature: 0.9, seed: 42 }, maxTokens: 40 };
    const r1 = await e.submit(base).result;
    const r2 = await e.submit(base).result;
    expect(r2.text).toBe(r1.text);
    const stop = r1.text.slice(10, 13);
    const cut = await e.submit({ ...base, stop: [stop] }).result;
    expect(cut.finishReason).toBe("stop");
    expect(cut.text).toBe(r1.text.slice(0, r1.text.indexOf(stop)));
  });

  it("a model failure rejects that request only; its blocks are dropped and given back", async () => {
    let calls = 0;
    const batched = new BatchedLlama(model as never);
    const flaky: BatchedCausalLM = {
      config: model.config,
      kvBytesPerPosition: batched.kvBytesPerPosition,
      maxBatchTokens: batched.maxBatchTokens,
      newCache: (n) => model.newCache(n),
      forward: (tokens, cache, o) => model.forward(tokens, cache, o),
      newPagedKV: (n, bs) => batched.newPagedKV(n, bs),
      forwardBatch: (entries, kv) => {
        if (++calls === 4) throw new Error("forward exploded");
        return batched.forwardBatch(entries, kv);
      },
    };
    const e = engine({ model: flaky, maxSessions: 1 });
    const failing = e.submit({ prompt: { text: "Once upon a time" }, sampling: GREEDY, maxTokens: 10 });
    const next = e.submit({ prompt: { text: "Once upon a time" }, sampling: GREEDY, maxTokens: 10 }); // queued behind it
    await expect(failing.result).rejects.toThrow("forward exploded");
    const r = await next.result;
    expect(r.cachedTokens).toBe(0); // the failed request's blocks were dropped, not shared
    expect(r.text).toBe((await engine().submit({ prompt: { text: "Once upon a time" }, sampling: GREEDY, maxTokens: 10 }).result).text);
    expect(e.stats()).toMatchObject({ active: 0, requests: { failed: 1, completed: 1 }, kv: { used: 0 } });
  });

  it("validates at submit: options name themselves, a prompt past the context names both lengths", () => {
    const e = engine({ contextLength: 32 });
    const text = { text: "Once upon a time" };
    expect(() => e.submit({ prompt: text, sampling: { topP: 2 } })).toThrow(OptionError);
    expect(() => e.submit({ prompt: text, sampling: { topP: 2 } })).toThrow(/topP/);
    expect(() => e.submit({ prompt: text, maxTokens: 0 })).toThrow(/maxNewTokens/);
    expect(() => e.submit({ prompt: text, stop: [""] })).toThrow(/stop/);
    expect(() => e.submit({ prompt: { ids: [1, 99999] } })).toThrow(/token ids must be integers in \[0, 2048\)/);
    const long = { text: "word ".repeat(40) };
    expect(() => e.submit({ prompt: long })).toThrow(PromptTooLongError);
    expect(() => e.submit({ prompt: long })).toThrow(/prompt is \d+ tokens; context length is 32/);
    expect(e.stats().requests).toMatchObject({ accepted: 0, rejected: 7 });
  });
});
