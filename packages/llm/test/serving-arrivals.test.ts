/**
 * Requests that arrive one event-loop turn apart (as a Node server accepts new connections: one
 * per turn) are admitted by one step, not one step each; a saturated engine does not wait for
 * arrivals.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadModelDir } from "../src/loaders/index.js";
import type { LlamaModel } from "../src/models/llama/index.js";
import { ServingEngine } from "../src/serving/engine.js";
import type { ServeJob } from "../src/serving/engine.js";
import { loadTokenizer } from "../src/tokenizers/index.js";
import type { Tokenizer } from "../src/tokenizers/tokenizer.js";
import { STORY_DIR } from "./llama-helpers.js";
import { recordingBatchedLlama } from "./recorded-passes.js";

const GREEDY = { temperature: 0 };
let story: LlamaModel;
let tokenizer: Tokenizer;
let eosIds: readonly number[];

beforeAll(async () => {
  const loaded = await loadModelDir(STORY_DIR);
  story = loaded.model;
  eosIds = loaded.eosTokenIds;
  tokenizer = await loadTokenizer(STORY_DIR);
});

/** An engine whose forward passes are recorded: each pass's entries as (position, rows). */
function recordingEngine(maxSessions: number) {
  const { model, passes } = recordingBatchedLlama(story);
  return { passes, engine: new ServingEngine({ model, tokenizer, eosIds, maxSessions }) };
}

const ask = (engine: ServingEngine, k: number): ServeJob =>
  engine.submit({ prompt: { text: `Once upon a time, boat number ${k}` }, sampling: GREEDY, maxTokens: 4 });

/** Submits `count` requests, each one event-loop turn after the one before; `onSubmit` sees each. */
function oneATurn(engine: ServingEngine, count: number, onSubmit = () => {}): Promise<ServeJob[]> {
  return new Promise((resolve) => {
    const jobs: ServeJob[] = [];
    const next = () => {
      onSubmit();
      jobs.push(ask(engine, jobs.length));
      if (jobs.length < count) setImmediate(next);
      else resolve(jobs);
    };
    next();
  });
}

describe("requests arriving one turn apart", () => {
  it("are admitted together: the first pass holds every prompt", async () => {
    const { passes, engine } = recordingEngine(8);
    const jobs = await oneATurn(engine, 5);
    const results = await Promise.all(jobs.map((j) => j.result));
    expect(passes[0]!.length).toBe(5);
    expect(passes[0]!.map((e) => e.position)).toEqual([0, 0, 0, 0, 0]);
    // and each answers as it would alone
    for (const [k, r] of results.entries()) {
      const alone = recordingEngine(1).engine;
      expect(r.text).toBe((await ask(alone, k).result).text);
      alone.dispose();
    }
    engine.dispose();
  });

  it("beyond the free batch slots, the engine steps without waiting for more", async () => {
    const { passes, engine } = recordingEngine(2);
    const passesBefore: number[] = [];
    const jobs = await oneATurn(engine, 5, () => passesBefore.push(passes.length));
    await Promise.all(jobs.map((j) => j.result));
    expect(passes[0]!.length).toBe(2);
    // two arrivals fill the slots: the third finds a step already run
    expect(passesBefore.slice(0, 2)).toEqual([0, 0]);
    expect(passesBefore[2]).toBeGreaterThan(0);
    engine.dispose();
  });
});
