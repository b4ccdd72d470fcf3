import { Tensor } from "@mini/tensor";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, Parameter, clipGradNorm, gradNorm } from "../src/index.js";

function withGrads(grads: number[][]): Parameter[] {
  return grads.map((g, i) => {
    const p = new Parameter(Tensor.zeros([g.length]), `p${i}`);
    p.grad = Tensor.from(new Float32Array(g), [g.length]);
    return p;
  });
}

const gradArrays = fc.array(fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 20 }), { minLength: 1, maxLength: 5 });

describe("clipGradNorm", () => {
  it("hand example: grads [3, 4] and [12] have norm 13; clipped to 6.5 they halve", () => {
    const ps = withGrads([[3, 4], [12]]);
    expect(clipGradNorm(ps, 6.5)).toBeCloseTo(13, 6);
    expect(ps[0]!.grad!.data[0]).toBeCloseTo(1.5, 5);
    expect(ps[0]!.grad!.data[1]).toBeCloseTo(2, 5);
    expect(ps[1]!.grad!.data[0]).toBeCloseTo(6, 5);
  });

  it("after clipping the global norm is ≤ the bound and every direction is unchanged", () => {
    fc.assert(
      fc.property(gradArrays, fc.double({ min: 0.01, max: 50, noNaN: true }), (grads, maxNorm) => {
        const ps = withGrads(grads);
        const before = ps.map((p) => Array.from(p.grad!.data));
        const norm = clipGradNorm(ps, maxNorm);
        const expectedNorm = Math.sqrt(before.flat().reduce((s, v) => s + v * v, 0));
        expect(norm).toBeCloseTo(expectedNorm, 3);
        expect(gradNorm(ps)).toBeLessThanOrEqual(maxNorm * (1 + 1e-6));
        // one common factor c ∈ (0, 1]: g_after = c · g_before for every element
        const c = norm > maxNorm ? maxNorm / (norm + 1e-6) : 1;
        ps.forEach((p, i) => p.grad!.data.forEach((v, j) => expect(Math.abs(v - c * before[i]![j]!)).toBeLessThanOrEqual(1e-5 * Math.abs(before[i]![j]!) + 1e-30)));
      }),
      { numRuns: 200 },
    );
  });

  it("leaves grads under the bound untouched, skips params without grads", () => {
    const ps = withGrads([[0.1, 0.2]]);
    ps.push(new Parameter(Tensor.zeros([3]), "nograd"));
    expect(clipGradNorm(ps, 1)).toBeCloseTo(Math.sqrt(0.05), 6);
    expect(Array.from(ps[0]!.grad!.data)).toEqual([Math.fround(0.1), Math.fround(0.2)]);
  });

  it("non-finite norm: grads unchanged and returned (or an error naming the parameter)", () => {
    const ps = withGrads([[1, Infinity]]);
    expect(clipGradNorm(ps, 1)).toBe(Infinity);
    expect(ps[0]!.grad!.data[0]).toBe(1);
    expect(() => clipGradNorm(ps, 1, { errorIfNonfinite: true })).toThrow(/gradient of p0 is not finite/);
    expect(() => clipGradNorm(ps, 0)).toThrow(ConfigError);
  });
});
