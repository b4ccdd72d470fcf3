/**
 * A chat's deferred sync (the conversation re-fed for its next turn, BatchScheduler.startSync)
 * stays out of the way of the next request: it waits for a quiet moment, and a request of another
 * conversation that shares only the system prompt does not wait for it; and it never writes into
 * a block others share (the prefix tree's).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { ChatTemplate, type ChatMessage } from "../src/chat/template.js";
import { generateAll } from "../src/generate.js";
import { loadModelDir } from "../src/loaders/index.js";
import type { LlamaModel } from "../src/models/llama/index.js";
import { chatStopIds, encodeChat } from "../src/serving/chat-prompt.js";
import { commonPrefixLength } from "../src/serving/common-prefix.js";
import { ServingEngine } from "../src/serving/engine.js";
import { loadTokenizer } from "../src/tokenizers/index.js";
import type { Tokenizer } from "../src/tokenizers/tokenizer.js";
import { STORY_DIR } from "./llama-helpers.js";
import { recordingBatchedLlama } from "./recorded-passes.js";

const GREEDY = { temperature: 0 };
const BLOCK = 32;
let story: LlamaModel;
let tokenizer: Tokenizer;
let eosIds: readonly number[];
let template: ChatTemplate;

beforeAll(async () => {
  const loaded = await loadModelDir(STORY_DIR);
  story = loaded.model;
  eosIds = loaded.eosTokenIds;
  tokenizer = await loadTokenizer(STORY_DIR);
  template = ChatTemplate.forTokenizer(tokenizer);
});

/** An engine whose forward passes are recorded: the entries (position, rows) of each. */
function recordingEngine(idleSyncDelayMs: number) {
  const { model, passes } = recordingBatchedLlama(story);
  return { passes, engine: new ServingEngine({ model, tokenizer, eosIds, blockSize: BLOCK, idleSyncDelayMs }) };
}

function freshChat(messages: ChatMessage[], maxNewTokens: number): string {
  const ids = encodeChat(template, tokenizer, messages, true);
  return tokenizer.decode(generateAll(story, ids, { maxNewTokens, stopIds: chatStopIds(tokenizer, template, eosIds) }).ids, { skipSpecialTokens: true });
}

const system: ChatMessage = { role: "system", content: "You are a storyteller for small children. You tell short, kind stories about animals. Keep it short and happy." };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("deferred sync", () => {
  it("waits for a quiet moment: a request sent right after an answer runs before it", async () => {
    const { passes, engine } = recordingEngine(400);
    await engine.submit({ prompt: { messages: [system, { role: "user", content: "Tell me about a cat." }] }, sampling: GREEDY, maxTokens: 8 }).result;
    const atAnswer = passes.length;
    await sleep(10); // a client's turnaround
    expect(passes.length).toBe(atAnswer); // nothing was fed meanwhile
    expect(engine.stats().active).toBe(1); // the sync is pending
    // …but the answer is counted as the client got it, not when the sync ends (/metrics reads these).
    expect(engine.stats().requests.completed).toBe(1);
    expect(engine.stats().generatedTokens).toBe(8);
    const next = [system, { role: "user", content: "Tell me about a big dog." }];
    const r = await engine.submit({ prompt: { messages: next }, sampling: GREEDY, maxTokens: 8 }).result;
    const ids = encodeChat(template, tokenizer, next, true);
    // Its prompt's first pass holds only its own rows.
    expect(passes[atAnswer]).toEqual([{ position: r.cachedTokens, rows: ids.length - r.cachedTokens }]);
    expect(r.text).toBe(freshChat(next, 8));
    const beforeSyncs = passes.length;
    await engine.idle();
    expect(passes.length).toBeGreaterThan(beforeSyncs); // then the syncs ran
    expect(engine.stats().requests.completed).toBe(2);
    engine.dispose();
  });

  it("another conversation sharing the system prompt does not wait for the sync; the next turn does", async () => {
    const { passes, engine } = recordingEngine(0);
    const a = [system, { role: "user", content: "Tell me about a big cat." }];
    const b = [system, { role: "user", content: "Tell me about a big dog." }];
    const idsA = encodeChat(template, tokenizer, a, true);
    const idsB = encodeChat(template, tokenizer, b, true);
    const common = commonPrefixLength(idsA, idsB);
    // They part inside A's last, partial prompt block: only A's sync would put its head in the cache.
    expect(common).toBeGreaterThan(Math.floor(idsA.length / BLOCK) * BLOCK);
    const ra = await engine.submit({ prompt: { messages: a }, sampling: GREEDY, maxTokens: 8 }).result;
    // Submitted in the tick of A's answer: A's sync is pending, not started.
    const atAnswer = passes.length;
    const rb = await engine.submit({ prompt: { messages: b }, sampling: GREEDY, maxTokens: 8 }).result;
    expect(rb.cachedTokens).toBe(Math.floor(common / BLOCK) * BLOCK); // A's full prompt blocks
    expect(passes[atAnswer]).toEqual([{ position: rb.cachedTokens, rows: idsB.length - rb.cachedTokens }]);
    expect(rb.text).toBe(freshChat(b, 8));
    // A's next turn holds all of A's prompt: it waits for A's sync, then finds its answer cached.
    const turn2 = [...a, { role: "assistant", content: ra.text }, { role: "user", content: "And then?" }];
    const r2 = await engine.submit({ prompt: { messages: turn2 }, sampling: GREEDY, maxTokens: 8 }).result;
    const rendered = encodeChat(template, tokenizer, [...a, { role: "assistant", content: ra.text }], false);
    expect(r2.cachedTokens).toBe(commonPrefixLength(rendered, encodeChat(template, tokenizer, turn2, true)));
    expect(r2.cachedTokens).toBeGreaterThan(idsA.length);
    expect(r2.text).toBe(freshChat(turn2, 8));
    await engine.idle();
    engine.dispose();
  });

  it("a sync that parts from the prompt inside a cached block leaves that block as it was (the same prompt again answers as fresh)", async () => {
    // Renders the conversation differently once it holds an answer: the sync parts from the prompt
    // within its first (cached) block.
    const source =
      "{% if messages[-1]['role'] == 'assistant' %}The big red dog ran to the old barn by the hill.{% else %}Once upon a time there was a little cat who lived in a house.{% endif %}" +
      "{% for m in messages %} {{ m['content'] }}{% endfor %}{% if add_generation_prompt %} Then{% endif %}";
    const custom = new ChatTemplate(source);
    const engine = new ServingEngine({ model: story, tokenizer, eosIds, blockSize: 16, idleSyncDelayMs: 0, template: custom });
    const chat = [{ role: "user", content: "She liked to play with a red ball in the sun every day. Her friend the dog liked to run and jump in the park with her." }];
    const ids = encodeChat(custom, tokenizer, chat, true);
    const withAnswer = encodeChat(custom, tokenizer, [...chat, { role: "assistant", content: "x" }], false);
    expect(ids.length).toBeGreaterThan(32);
    expect(commonPrefixLength(ids, withAnswer)).toBeLessThan(16);
    const first = await engine.submit({ prompt: { messages: chat }, sampling: GREEDY, maxTokens: 12 }).result;
    await engine.idle(); // the sync ran
    const again = await engine.submit({ prompt: { messages: chat }, sampling: GREEDY, maxTokens: 12 }).result;
    expect(again.cachedTokens).toBeGreaterThanOrEqual(32); // the prompt's blocks were found
    const fresh = tokenizer.decode(generateAll(story, ids, { maxNewTokens: 12, stopIds: chatStopIds(tokenizer, custom, eosIds) }).ids, { skipSpecialTokens: true });
    expect(first.text).toBe(fresh);
    expect(again.text).toBe(fresh);
    engine.dispose();
  });
});
