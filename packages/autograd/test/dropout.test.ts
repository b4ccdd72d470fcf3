import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Tensor, createRng } from "@mini/tensor";
import { dropout, param, sum } from "../src/index.js";
import { FAST, expectGradOk, rngOf, seedArb, shapeArb, uniform } from "./helpers.js";

describe("dropout", () => {
  it("gives the same mask for the same seed and a different one for another seed", () => {
    const x = param(Tensor.full([1000], 1));
    const a = dropout(x, 0.5, createRng(42), true).data;
    const b = dropout(x, 0.5, createRng(42), true).data;
    const c = dropout(x, 0.5, createRng(43), true).data;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it("preserves the expectation (inverted scaling) and drops a fraction p", () => {
    const n = 20000;
    for (const p of [0.1, 0.3, 0.7]) {
      const y = dropout(param(Tensor.full([n], 1)), p, createRng(7), true).data;
      let zeros = 0;
      let total = 0;
      let badScale = 0;
      for (const v of y) {
        if (v === 0) zeros++;
        else if (Math.abs(v - 1 / (1 - p)) > 1e-6) badScale++;
        total += v;
      }
      expect(badScale).toBe(0);
      // Binomial: std of the zero fraction is √(p(1−p)/n) ≤ 0.0036; allow 5σ.
      expect(Math.abs(zeros / n - p)).toBeLessThan(0.018);
      // mean = keep fraction/(1−p); its std is √(p/((1−p)n)) ≤ 0.011; allow 5σ.
      expect(Math.abs(total / n - 1)).toBeLessThan(5 * Math.sqrt(p / ((1 - p) * n)));
    }
  });

  it("passes gradCheck (the mask is re-drawn from the same seed on every evaluation)", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, fc.constantFrom(0.2, 0.5), (shape, seed, p) => {
        expectGradOk((v) => dropout(v, p, createRng(seed), true), [uniform(shape, rngOf(seed))], { seed });
      }),
      FAST,
    );
  });

  it("is the identity when not training or p = 0, zero for p = 1, and rejects p outside [0, 1]", () => {
    const x = param(uniform([5], rngOf(1)));
    expect(dropout(x, 0.5, createRng(1), false)).toBe(x);
    expect(dropout(x, 0, createRng(1), true)).toBe(x);
    const y = dropout(x, 1, createRng(1), true);
    expect(Array.from(y.data).every((v) => v === 0)).toBe(true);
    sum(y).backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 0, 0, 0, 0]);
    expect(() => dropout(x, 1.5, createRng(1), true)).toThrow(/dropout: p must be in \[0, 1\], got 1.5/);
    expect(() => dropout(x, Number.NaN, createRng(1), true)).toThrow(RangeError);
  });
});
