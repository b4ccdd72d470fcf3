import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { createRng } from "@mini/tensor";
import {
  Candidates,
  Sampler,
  SamplingOptionError,
  argmax,
  minPProcessor,
  repetitionPenaltyProcessor,
  resolveSamplingOptions,
  temperatureProcessor,
  topKProcessor,
  topPProcessor,
} from "../src/sampling/index.js";

function randomLogits(seed: number, n: number, scale = 3): Float32Array {
  const rng = createRng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal() * scale;
  return x;
}

/** Float64 softmax, the test's own. */
function softmax64(x: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]!);
  const e = Array.from(x, (v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Pearson chi-square statistic of observed counts against expected probabilities (all > 0). */
function chiSquare(counts: number[], probs: number[], n: number): number {
  let chi = 0;
  for (let i = 0; i < probs.length; i++) {
    const e = probs[i]! * n;
    chi += (counts[i]! - e) ** 2 / e;
  }
  return chi;
}

function keptIds(c: Candidates): number[] {
  return Array.from(c.ids.subarray(0, c.size));
}

describe("Sampler", () => {
  it("reproduces the same ids for the same seed, and different ones for another seed", () => {
    const steps = Array.from({ length: 50 }, (_, i) => randomLogits(100 + i, 500, 2));
    const run = (seed: number) => {
      const s = new Sampler({ seed, temperature: 0.9, topK: 40, topP: 0.95, repetitionPenalty: 1.1 });
      const history: number[] = [];
      for (const logits of steps) history.push(s.sample(logits, history));
      return history;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it("temperature 0 and top-k 1 both give the argmax, ties to the lowest id", () => {
    for (let seed = 0; seed < 20; seed++) {
      const logits = randomLogits(seed, 1000);
      // Plant a tie for the maximum at two ids; the lower must win.
      const top = argmax(logits);
      const lo = 123 + seed;
      const hi = 900 - seed;
      logits[lo] = logits[top]! + 1;
      logits[hi] = logits[lo]!;
      const greedy = new Sampler({ temperature: 0, seed });
      const topK1 = new Sampler({ topK: 1, seed });
      const topK1Hot = new Sampler({ topK: 1, temperature: 5, topP: 0.5, seed });
      expect(greedy.sample(logits)).toBe(lo);
      expect(topK1.sample(logits)).toBe(lo);
      expect(topK1Hot.sample(logits)).toBe(lo);
      // The path through the processor chain (greedy + penalty) agrees too.
      expect(new Sampler({ temperature: 0, repetitionPenalty: 1.3 }).sample(logits, [5])).toBe(lo);
    }
  });

  it("does not modify the logits it is given", () => {
    const logits = randomLogits(3, 100);
    const copy = logits.slice();
    new Sampler({ seed: 1, temperature: 0.5, topK: 10, topP: 0.8, minP: 0.05, repetitionPenalty: 2 }).sample(logits, [1, 2, 3]);
    expect(logits).toEqual(copy);
  });

  it("samples with the frequencies of softmax(logits / T) (chi-square, seeded)", () => {
    const logits = Float32Array.from([1.5, 0.2, -0.7, 2.1, 0, -2, 0.9, 1.1]);
    const n = 40_000;
    for (const t of [1, 0.7]) {
      const s = new Sampler({ seed: 1234, temperature: t });
      const counts = new Array<number>(logits.length).fill(0);
      for (let i = 0; i < n; i++) counts[s.sample(logits)]!++;
      const expected = softmax64(Array.from(logits, (v) => v / t));
      // 7 degrees of freedom: P(chi² > 24.3) = 0.001 for a correct sampler.
      expect(chiSquare(counts, expected, n)).toBeLessThan(24.3);
      // And the blunt check: every frequency within 0.01 of its probability (≥ 4 sigma).
      counts.forEach((c, i) => expect(Math.abs(c / n - expected[i]!)).toBeLessThan(0.01));
    }
  });

  it("samples top-k / top-p truncations with the renormalized probabilities", () => {
    const logits = Float32Array.from([1.5, 0.2, -0.7, 2.1, 0, -2, 0.9, 1.1]);
    const p = softmax64(logits);
    const order = [3, 0, 7, 6, 1, 4, 2, 5]; // descending
    const n = 30_000;
    const check = (opts: ConstructorParameters<typeof Sampler>[0], keep: number[]) => {
      const s = new Sampler({ seed: 99, ...opts });
      const counts = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const id = s.sample(logits);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      expect([...counts.keys()].sort()).toEqual([...keep].sort());
      const mass = keep.reduce((a, id) => a + p[id]!, 0);
      const expected = keep.map((id) => p[id]! / mass);
      const observed = keep.map((id) => counts.get(id) ?? 0);
      // df = keep.length − 1 ≤ 3: P(chi² > 16.3) = 0.001 for df = 3.
      expect(chiSquare(observed, expected, n)).toBeLessThan(16.3);
    };
    check({ topK: 3 }, order.slice(0, 3));
    // p[3] + p[0] ≈ 0.53: top-p 0.5 keeps exactly those two.
    const twoMass = p[3]! + p[0]!;
    expect(twoMass).toBeGreaterThan(0.5);
    expect(p[3]!).toBeLessThan(0.5);
    check({ topP: 0.5 }, order.slice(0, 2));
    check({ topK: 5, topP: 0.5 }, order.slice(0, 2));
  });
});

describe("logits processors", () => {
  it("repetition penalty follows HF: positive logits divided, negative multiplied, once per id", () => {
    const c = new Candidates(5).load(Float32Array.from([2, -2, 1, 0.5, -1]));
    repetitionPenaltyProcessor(2).apply(c, [0, 1, 1, 1, 4]);
    expect(Array.from(c.logits.subarray(0, 5))).toEqual([1, -4, 1, 0.5, -2]);
    // On a shrunk (non-identity) candidate set it finds ids by value.
    const d = new Candidates(5).load(Float32Array.from([2, -2, 1, 0.5, -1]));
    topKProcessor(3).apply(d, []);
    expect(keptIds(d)).toEqual([0, 2, 3]);
    repetitionPenaltyProcessor(4).apply(d, [3]);
    expect(Array.from(d.logits.subarray(0, 3))).toEqual([2, 1, 0.125]);
  });

  it("temperature divides the logits; 0 keeps only the lowest-id argmax", () => {
    const c = new Candidates(3).load(Float32Array.from([1, 3, -2]));
    temperatureProcessor(0.5).apply(c, []);
    expect(Array.from(c.logits.subarray(0, 3))).toEqual([2, 6, -4]);
    const g = new Candidates(4).load(Float32Array.from([1, 3, 3, -2]));
    temperatureProcessor(0).apply(g, []);
    expect(keptIds(g)).toEqual([1]);
  });

  it("top-k keeps the k largest, sorted, ties to the lower id", () => {
    const c = new Candidates(6).load(Float32Array.from([0.5, 2, 1, 2, -1, 1]));
    topKProcessor(4).apply(c, []);
    expect(keptIds(c)).toEqual([1, 3, 2, 5]);
    expect(c.sorted).toBe(true);
  });

  it("top-p keeps exactly the smallest prefix whose mass reaches p (property, sorted and unsorted paths)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -8, max: 8, noNaN: true }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0.001, max: 0.999, noNaN: true }),
        fc.boolean(),
        (values, p, sortFirst) => {
          const logits = Float32Array.from(values);
          const c = new Candidates(logits.length).load(logits);
          if (sortFirst) topKProcessor(Math.max(1, logits.length - 1)).apply(c, []);
          const before = keptIds(c);
          const probs = softmax64(c.logits.subarray(0, c.size));
          const probOf = new Map(before.map((id, i) => [id, probs[i]!]));
          const logitOf = new Map(before.map((id, i) => [id, c.logits[i]!]));
          topPProcessor(p).apply(c, []);
          const kept = keptIds(c);
          // Descending probability (= logit, whose ties are not blurred by rounding), ties to the lower id.
          const expectedOrder = [...before].sort((a, b) => logitOf.get(b)! - logitOf.get(a)! || a - b);
          expect(kept).toEqual(expectedOrder.slice(0, kept.length));
          const mass = kept.reduce((a, id) => a + probOf.get(id)!, 0);
          const massWithoutLast = mass - probOf.get(kept[kept.length - 1]!)!;
          expect(mass).toBeGreaterThanOrEqual(p - 1e-12);
          expect(massWithoutLast).toBeLessThan(p + 1e-12);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });

  it("top-p on a hand-made distribution", () => {
    const probs = [0.05, 0.5, 0.1, 0.2, 0.15];
    const logits = Float32Array.from(probs, Math.log);
    const kept = (p: number) => {
      const c = new Candidates(5).load(logits);
      topPProcessor(p).apply(c, []);
      return keptIds(c);
    };
    expect(kept(0.3)).toEqual([1]);
    expect(kept(0.6)).toEqual([1, 3]);
    expect(kept(0.8)).toEqual([1, 3, 4]);
    expect(kept(0.9)).toEqual([1, 3, 4, 2]);
    expect(kept(0.99)).toEqual([1, 3, 4, 2, 0]);
    expect(kept(1)).toEqual([0, 1, 2, 3, 4]); // disabled: untouched
  });

  it("top-p survives a flat distribution where the llama2.c pre-filter keeps nothing", () => {
    const c = new Candidates(1000).load(new Float32Array(1000));
    topPProcessor(0.0001).apply(c, []);
    expect(keptIds(c)).toEqual([0]);
  });

  it("min-p keeps tokens with probability ≥ minP × the top probability", () => {
    const probs = [0.05, 0.5, 0.1, 0.2, 0.15];
    const c = new Candidates(5).load(Float32Array.from(probs, Math.log));
    minPProcessor(0.25).apply(c, []); // threshold 0.125
    expect(keptIds(c)).toEqual([1, 3, 4]);
  });
});

describe("sampling option validation", () => {
  const bad: [Parameters<typeof resolveSamplingOptions>[0], string, RegExp][] = [
    [{ topP: 1.5 }, "topP", /^invalid topP: must be in \(0, 1\], got 1.5$/],
    [{ topP: 0 }, "topP", /got 0$/],
    [{ topP: Number.NaN }, "topP", /got NaN$/],
    [{ temperature: -0.1 }, "temperature", /^invalid temperature: .*got -0.1$/],
    [{ temperature: Infinity }, "temperature", /got Infinity$/],
    [{ topK: -1 }, "topK", /^invalid topK: must be an integer ≥ 0.*got -1$/],
    [{ topK: 2.5 }, "topK", /got 2.5$/],
    [{ repetitionPenalty: 0 }, "repetitionPenalty", /^invalid repetitionPenalty: must be a finite number > 0, got 0$/],
    [{ repetitionPenalty: -1 }, "repetitionPenalty", /got -1$/],
    [{ minP: 1.2 }, "minP", /^invalid minP: must be in \[0, 1\], got 1.2$/],
    [{ seed: 1.5 }, "seed", /^invalid seed: .*got 1.5$/],
  ];
  it.each(bad)("rejects %o naming %s", (opts, option, message) => {
    for (const build of [() => resolveSamplingOptions(opts), () => new Sampler(opts)]) {
      try {
        build();
        expect.unreachable("should have thrown");
      } catch (e) {
        expect(e).toBeInstanceOf(SamplingOptionError);
        expect((e as SamplingOptionError).option).toBe(option);
        expect((e as Error).message).toMatch(message);
      }
    }
  });

  it("the processor factories validate too", () => {
    expect(() => topPProcessor(1.5)).toThrow("invalid topP");
    expect(() => topKProcessor(0.5)).toThrow("invalid topK");
    expect(() => temperatureProcessor(-1)).toThrow("invalid temperature");
    expect(() => repetitionPenaltyProcessor(0)).toThrow("invalid repetitionPenalty");
    expect(() => minPProcessor(-0.1)).toThrow("invalid minP");
  });

  it("fills defaults and accepts the boundary values", () => {
    const o = resolveSamplingOptions({ seed: 3 });
    expect(o).toEqual({ temperature: 1, topK: 0, topP: 1, minP: 0, repetitionPenalty: 1, seed: 3 });
    expect(() => resolveSamplingOptions({ topP: 1, temperature: 0, topK: 0, minP: 1 })).not.toThrow();
    expect(Number.isInteger(new Sampler().seed)).toBe(true);
  });
});
