import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernels as k, topK, Tensor, ShapeError } from "../src/index.js";

describe("topK", () => {
  it("equals a stable descending sort's first k (ties → lower index)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 0, maxLength: 60 }).chain((v) =>
          fc.tuple(fc.constant(Float32Array.from(v)), fc.integer({ min: 0, max: v.length })),
        ),
        ([x, kk]) => {
          const order = Array.from(x.keys()).sort((a, b) => x[b]! - x[a]! || a - b).slice(0, kk);
          const r = k.topK(x, kk);
          expect(Array.from(r.indices)).toEqual(order);
          expect(Array.from(r.values)).toEqual(order.map((i) => x[i]!));
        },
      ),
    );
  });

  it("ranks NaN last", () => {
    const r = k.topK(Float32Array.from([NaN, 1, -Infinity, NaN]), 4);
    expect(Array.from(r.indices)).toEqual([1, 2, 0, 3]);
  });

  it("Tensor-level topK works per row of the last axis and checks k", () => {
    const t = Tensor.from([1, 9, 3, 7, 2, 8], [2, 3]);
    const r = topK(t, 2);
    expect(r.values.shape).toEqual([2, 2]);
    expect(r.values.toArray()).toEqual([9, 3, 8, 7]);
    expect(Array.from(r.indices)).toEqual([1, 2, 2, 0]);
    expect(() => topK(t, 4)).toThrow(ShapeError);
    expect(() => k.topK(new Float32Array(3), -1)).toThrow(/k must be an integer in \[0, 3\]/);
  });
});
