import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor, kernels } from "@mini/tensor";
import { mul, param, rope, sum } from "../src/index.js";
import { FAST, expectClose, expectGradOk, rngOf, seedArb, uniform } from "./helpers.js";

const dims = fc.record({
  batch: fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 1 }),
  seq: fc.integer({ min: 1, max: 5 }),
  heads: fc.integer({ min: 1, max: 3 }),
  half: fc.integer({ min: 1, max: 3 }),
  startPos: fc.integer({ min: 0, max: 7 }),
  style: fc.constantFrom("half" as const, "interleaved" as const),
});

describe("rope", () => {
  it("passes gradCheck over random shapes, positions and both styles", () => {
    fc.assert(
      fc.property(dims, seedArb, ({ batch, seq, heads, half, startPos, style }, seed) => {
        const x = uniform([...batch, seq, heads, 2 * half], rngOf(seed));
        expectGradOk((v) => rope(v, { startPos, theta: 100, style }), [x], { seed });
      }),
      FAST,
    );
  });

  it("matches the kernel per batch slice, keeps norms, and its backward is the inverse rotation", () => {
    const [B, S, H, D] = [2, 3, 2, 4];
    const x = param(uniform([B, S, H, D], rngOf(3)));
    const y = rope(x, { startPos: 2 });
    const block = S * H * D;
    for (let b = 0; b < B; b++) {
      const ref = kernels.rope(x.data.subarray(b * block, (b + 1) * block), S, H, D, 2, 10000, "half");
      expectClose(y.data.subarray(b * block, (b + 1) * block), ref);
    }
    for (let r = 0; r < B * S * H; r++) {
      const n = (a: Float32Array) => Math.hypot(...a.subarray(r * D, (r + 1) * D));
      expect(n(y.data)).toBeCloseTo(n(x.data), 5);
    }
    const dy = uniform([B, S, H, D], rngOf(4));
    sum(mul(y, param(dy))).backward();
    const expected = new Float32Array(B * block);
    for (let b = 0; b < B; b++) {
      kernels.rope(dy.data.subarray(b * block, (b + 1) * block), S, H, D, 2, 10000, "half", expected.subarray(b * block, (b + 1) * block), true);
    }
    expectClose(x.grad!.data, expected);
  });

  it("rejects x that is not [..., seq, nHeads, headDim] with an even headDim", () => {
    expect(() => rope(param(Tensor.zeros([4, 6])))).toThrow(ShapeError);
    expect(() => rope(param(Tensor.zeros([2, 2, 3])))).toThrow(/rope: headDim must be even, got 3/);
  });
});
