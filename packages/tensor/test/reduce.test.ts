import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernels as k, sum, mean, max, argmax, Tensor, ShapeError, numel } from "../src/index.js";
import { expectClose, floats } from "./helpers.js";

const shapeAxis = fc
  .array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 })
  .chain((shape) =>
    fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 }), floats(numel(shape), 10)),
  );

/** Naive reduction by explicit multi-index walk. */
function naive(x: Float32Array, shape: number[], axis: number, f: (vals: number[]) => number): number[] {
  const ax = axis < 0 ? axis + shape.length : axis;
  const outShape = shape.filter((_, i) => i !== ax);
  const out: number[] = [];
  const n = numel(outShape);
  for (let o = 0; o < n; o++) {
    // unravel o over outShape
    const idx: number[] = [];
    let rem = o;
    for (let i = outShape.length - 1; i >= 0; i--) {
      idx.unshift(rem % outShape[i]!);
      rem = Math.floor(rem / outShape[i]!);
    }
    const vals: number[] = [];
    for (let j = 0; j < shape[ax]!; j++) {
      const full = [...idx.slice(0, ax), j, ...idx.slice(ax)];
      let flat = 0;
      for (let i = 0; i < shape.length; i++) flat = flat * shape[i]! + full[i]!;
      vals.push(x[flat]!);
    }
    out.push(f(vals));
  }
  return out;
}

describe("reduce kernels vs naive", () => {
  it("sumAxis, meanAxis, maxAxis, argmaxAxis", () => {
    fc.assert(
      fc.property(shapeAxis, ([shape, axis, x]) => {
        expectClose(k.sumAxis(x, shape, axis), naive(x, shape, axis, (v) => v.reduce((s, a) => s + a, 0)), 1e-5, 1e-6);
        expectClose(k.meanAxis(x, shape, axis), naive(x, shape, axis, (v) => v.reduce((s, a) => s + a, 0) / v.length), 1e-5, 1e-6);
        expectClose(k.maxAxis(x, shape, axis), naive(x, shape, axis, (v) => Math.max(...v)), 0, 0);
        expect(Array.from(k.argmaxAxis(x, shape, axis))).toEqual(naive(x, shape, axis, (v) => v.indexOf(Math.max(...v))));
      }),
    );
  });

  it("sumAll sums in float64", () => {
    fc.assert(
      fc.property(floats(100, 10), (x) => {
        expect(k.sumAll(x)).toBeCloseTo(Array.from(x).reduce((s, v) => s + v, 0), 9);
      }),
    );
  });

  it("argmax takes the first of tied maxima; max propagates NaN", () => {
    expect(Array.from(k.argmaxAxis(Float32Array.from([1, 3, 3, 2]), [4], 0))).toEqual([1]);
    expect(Number.isNaN(k.maxAxis(Float32Array.from([1, NaN, 3]), [3], 0)[0])).toBe(true);
  });

  it("rejects bad axes and empty max", () => {
    expect(() => k.sumAxis(new Float32Array(6), [2, 3], 2)).toThrow(ShapeError);
    expect(() => k.maxAxis(new Float32Array(0), [2, 0], 1)).toThrow(/empty/);
    expect(() => k.sumAxis(new Float32Array(5), [2, 3], 0)).toThrow(/5 elements/);
  });
});

describe("Tensor-level reductions", () => {
  const t = Tensor.from([1, 5, 3, 4, 2, 6], [2, 3]);
  it("reduce one axis, with and without keepdim", () => {
    expect(sum(t, 0).toArray()).toEqual([5, 7, 9]);
    expect(sum(t, 1, true).shape).toEqual([2, 1]);
    expect(mean(t, -1).toArray()).toEqual([3, 4]);
    expect(max(t, 0).toArray()).toEqual([4, 5, 6]);
    expect(argmax(t, 1).toArray()).toEqual([1, 2]);
  });
  it("reduce everything without an axis", () => {
    expect(sum(t).shape).toEqual([]);
    expect(sum(t).toArray()).toEqual([21]);
    expect(mean(t, undefined, true).shape).toEqual([1, 1]);
    expect(argmax(t).toArray()).toEqual([5]);
  });
});
