/** fastExp (the exponential of the inference Llama's softmax and SiLU) against Math.exp. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fastExp } from "../src/models/llama/fast-exp.js";

describe("fastExp", () => {
  it("is within 2e-7 relative of Math.exp over float32's normal range", () => {
    fc.assert(
      fc.property(fc.double({ min: -87, max: 88, noNaN: true }), (x) => {
        expect(Math.abs(fastExp(x) - Math.exp(x))).toBeLessThanOrEqual(2e-7 * Math.exp(x));
      }),
      { numRuns: 20_000 },
    );
    for (const x of [0, 1, -1, 0.5 * Math.LN2, -0.5 * Math.LN2, 10, -10]) {
      expect(Math.abs(fastExp(x) - Math.exp(x))).toBeLessThanOrEqual(2e-7 * Math.exp(x));
    }
  });

  it("saturates outside it like float32 (≈0 below, huge above) and keeps NaN", () => {
    expect(fastExp(-1000)).toBeLessThan(1e-44);
    expect(fastExp(-Infinity)).toBeLessThan(1e-44);
    expect(fastExp(-Infinity)).toBeGreaterThanOrEqual(0);
    expect(fastExp(1000)).toBeGreaterThan(1e38);
    expect(fastExp(Infinity)).toBeGreaterThan(1e38);
    expect(fastExp(NaN)).toBeNaN();
    expect(fastExp(0)).toBe(1);
  });
});
