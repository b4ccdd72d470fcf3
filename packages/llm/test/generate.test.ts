import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PromptTooLongError, generate, generateAll, generateAsync } from "../src/generate.js";
import type { CausalLM, KVCache } from "../src/models/causal-lm.js";
import { OptionError } from "../src/sampling/options.js";
import { Sampler } from "../src/sampling/sampler.js";
// ../shared beside the checkout (vitest.shared.ts sets MINI_SHARED from the repo root).
const SHARED = process.env["MINI_SHARED"]!;

/**
 * A fake model whose next token is fully determined: after token t it puts its largest logit on
 * `next(t)`. It records every forward call, and checks positions like a real cache would.
 */
class FakeLM implements CausalLM {
  readonly calls: number[][] = [];
  constructor(
    readonly config: { vocabSize: number; maxSeqLen: number },
    private readonly next: (last: number, position: number) => number,
  ) {}
  newCache(maxLen = this.config.maxSeqLen): KVCache {
    let position = 0;
    return {
      maxLen,
      get position() {
        return position;
      },
      truncate(pos: number) {
        if (pos < 0 || pos > position) throw new Error(`truncate(${pos}) with position ${position}`);
        position = pos;
      },
      clear() {
        position = 0;
      },
      // Test hook: advance like a real forward.
      ...{ advance: (n: number) => {
        if (position + n > maxLen) throw new Error(`forward: ${position} + ${n} tokens do not fit in ${maxLen}`);
        position += n;
      } },
    } as KVCache;
  }
  forward(tokens: ArrayLike<number>, cache: KVCache): Float32Array {
    this.calls.push(Array.from(tokens));
    (cache as unknown as { advance(n: number): void }).advance(tokens.length);
    const logits = new Float32Array(this.config.vocabSize);
    logits[this.next(tokens[tokens.length - 1]!, cache.position)] = 10;
    return logits;
  }
}

const counting = () => new FakeLM({ vocabSize: 50, maxSeqLen: 64 }, (t) => (t + 1) % 50);

describe("generate", () => {
  it("yields ids as produced and stops at an end-of-sequence id (not yielded)", () => {
    const lm = counting();
    const gen = generate(lm, [1, 2, 3], { stopIds: [7, 9] });
    const ids: number[] = [];
    let step = gen.next();
    for (; !step.done; step = gen.next()) ids.push(step.value);
    expect(ids).toEqual([4, 5, 6]);
    expect(step.value.finishReason).toBe("stop");
    expect(step.value.stopId).toBe(7);
    expect(step.value.ids).toEqual([4, 5, 6]);
    // Prefill once, then one token per step; the stop id is never fed.
    expect(lm.calls).toEqual([[1, 2, 3], [4], [5], [6]]);
    expect(step.value.cache.position).toBe(6);
    expect(step.value.decodeSteps).toBe(3);
  });

  it("stops at maxNewTokens with finish reason length, without feeding the last id", () => {
    const lm = counting();
    const r = generateAll(lm, [10], { maxNewTokens: 4 });
    expect(r.ids).toEqual([11, 12, 13, 14]);
    expect(r.finishReason).toBe("length");
    expect(r.cache.position).toBe(4); // 10, 11, 12, 13
    expect(lm.calls.length).toBe(4);
  });

  it("stops when the sequence fills the context", () => {
    const lm = counting();
    const cache = lm.newCache(10);
    const r = generateAll(lm, [0, 1, 2, 3, 4, 5, 6], { cache });
    expect(r.ids).toEqual([7, 8, 9]); // 7 + 3 = 10 tokens in all
    expect(r.finishReason).toBe("length");
    expect(cache.position).toBe(9);
  });

  it("refuses a prompt longer than the context, naming both lengths, at the call", () => {
    const lm = new FakeLM({ vocabSize: 50, maxSeqLen: 512 }, () => 0);
    const prompt = new Array<number>(530).fill(1);
    expect(() => generate(lm, prompt)).toThrow(PromptTooLongError);
    expect(() => generate(lm, prompt)).toThrow("prompt is 530 tokens; context length is 512");
    expect(() => generate(lm, new Array<number>(512).fill(1))).toThrow("prompt is 512 tokens; context length is 512 (no room left for a new token)");
    expect(() => generate(lm, [])).toThrow("prompt is empty");
    expect(lm.calls).toEqual([]);
  });

  it("validates maxNewTokens and the sampling options at the call", () => {
    const lm = counting();
    expect(() => generate(lm, [1], { maxNewTokens: 0 })).toThrow(OptionError);
    expect(() => generate(lm, [1], { maxNewTokens: 2.5 })).toThrow("invalid maxNewTokens: must be an integer ≥ 1, got 2.5");
    expect(() => generate(lm, [1], { sampler: { topP: 2 } })).toThrow("invalid topP");
  });

  it("continues from an existing cache, feeding only the tokens it lacks", () => {
    const lm = counting();
    const cache = lm.newCache();
    lm.forward([1, 2, 3, 4], cache);
    lm.calls.length = 0;
    const r = generateAll(lm, [1, 2, 3, 4, 5, 6], { cache, maxNewTokens: 2 });
    expect(lm.calls[0]).toEqual([5, 6]);
    expect(r.prefillTokens).toBe(2);
    expect(r.promptTokens).toBe(6);
    expect(r.ids).toEqual([7, 8]);
    // A cache holding the whole prompt (or more) is cut so the last prompt token is fed again.
    lm.calls.length = 0;
    const again = generateAll(lm, [1, 2, 3, 4, 5, 6], { cache, maxNewTokens: 1 });
    expect(lm.calls).toEqual([[6]]);
    expect(again.ids).toEqual([7]);
  });

  it("uses the sampler it is given (seeded: same seed, same ids)", () => {
    // A flat model: every token equally likely, so the ids come from the sampler's generator.
    const flat = new FakeLM({ vocabSize: 50, maxSeqLen: 64 }, () => 0);
    flat.forward = (tokens, cache) => {
      (cache as unknown as { advance(n: number): void }).advance(tokens.length);
      return new Float32Array(50);
    };
    const run = (seed: number) => generateAll(flat, [1], { sampler: new Sampler({ seed }), maxNewTokens: 20 }).ids;
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    expect(new Set(run(5)).size).toBeGreaterThan(5);
  });

  it("can be stopped early by the consumer", () => {
    const lm = counting();
    const ids: number[] = [];
    const gen = generate(lm, [1], { maxNewTokens: 100 });
    for (const id of gen as Iterable<number>) {
      ids.push(id);
      if (ids.length === 3) break;
    }
    expect(ids).toEqual([2, 3, 4]);
    expect(gen.next().done).toBe(true);
  });

  it("generateAsync gives the same ids and result", async () => {
    const ids: number[] = [];
    const gen = generateAsync(counting(), [3], { maxNewTokens: 5, stopIds: [6] });
    let step = await gen.next();
    for (; !step.done; step = await gen.next()) ids.push(step.value);
    expect(ids).toEqual([4, 5]);
    expect(step.value.finishReason).toBe("stop");
  });
});

// The real thing: greedy generation on the story model reproduces the reference fixture's ids.
const STORY = `${SHARED}/models/story`;
const FIXTURE = `${SHARED}/reference/story/prompt_01.json`;
describe("generate on the story model", () => {
  it("greedy ids equal the fixture's 60 greedy ids", async () => {
    const { loadModelDir } = await import("../src/loaders/index.js");
    const { model } = await loadModelDir(STORY);
    const fixture = JSON.parse(readFileSync(FIXTURE, "utf8")) as { prompt_ids: number[]; greedy: { ids: number[] } };
    const r = generateAll(model, fixture.prompt_ids, { maxNewTokens: 60 });
    expect(r.ids).toEqual(fixture.greedy.ids);
    expect(r.finishReason).toBe("length");
  });
});
