import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { max, mean, param, sum } from "../src/index.js";
import { FAST, expectClose, expectGradOk, rngOf, seedArb, shapeArb, uniform } from "./helpers.js";

/**
 * Values whose entries along `axis` are well separated (gaps ≥ 0.4 ≫ the FD step), so max has no
 * near-ties for the finite differences to cross.
 */
function separatedAlong(shape: number[], axis: number, seed: number): Tensor {
  const rng = rngOf(seed);
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= shape[i]!;
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  const n = shape[axis]!;
  const t = Tensor.zeros(shape);
  const d = t.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const perm = Array.from({ length: n }, (_, k) => k);
      for (let k = n - 1; k > 0; k--) {
        const j = rng.int(k + 1);
        [perm[k], perm[j]] = [perm[j]!, perm[k]!];
      }
      for (let k = 0; k < n; k++) d[(o * n + k) * inner + i] = perm[k]! * 0.5 - 1.5 + 0.1 * rng.uniform();
    }
  }
  return t;
}

const withAxis = shapeArb().chain((shape) => fc.tuple(fc.constant(shape), fc.integer({ min: -shape.length, max: shape.length - 1 })));

describe("sum / mean / max", () => {
  it("sum and mean over everything pass gradCheck", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, fc.boolean(), (shape, seed, keepdim) => {
        const x = uniform(shape, rngOf(seed));
        expectGradOk((v) => sum(v, undefined, { keepdim }), [x], { seed });
        expectGradOk((v) => mean(v, undefined, { keepdim }), [x], { seed });
      }),
      FAST,
    );
  });

  it("sum and mean over an axis (negative too, keepdim or not) pass gradCheck", () => {
    fc.assert(
      fc.property(withAxis, seedArb, fc.boolean(), ([shape, axis], seed, keepdim) => {
        const x = uniform(shape, rngOf(seed));
        expectGradOk((v) => sum(v, axis, { keepdim }), [x], { seed });
        expectGradOk((v) => mean(v, axis, { keepdim }), [x], { seed });
      }),
      FAST,
    );
  });

  it("max over an axis passes gradCheck (separated values)", () => {
    fc.assert(
      fc.property(withAxis, seedArb, fc.boolean(), ([shape, axis], seed, keepdim) => {
        const ax = axis < 0 ? axis + shape.length : axis;
        expectGradOk((v) => max(v, axis, { keepdim }), [separatedAlong(shape, ax, seed)], { seed });
      }),
      FAST,
    );
  });

  it("gives the right shapes and values", () => {
    const x = param(Tensor.from([1, 5, 3, 4, 2, 6], [2, 3]));
    expect(sum(x).shape).toEqual([]);
    expect(sum(x, undefined, { keepdim: true }).shape).toEqual([1, 1]);
    expectClose(sum(x).data, [21]);
    expectClose(mean(x).data, [3.5]);
    expect([...sum(x, 0).shape]).toEqual([3]);
    expectClose(sum(x, 0).data, [5, 7, 9]);
    expect([...mean(x, 1, { keepdim: true }).shape]).toEqual([2, 1]);
    expectClose(mean(x, -1).data, [3, 4]);
    expectClose(max(x, 1).data, [5, 6]);
    // max routes the gradient to the arg-max only.
    sum(max(x, 1)).backward();
    expectClose(x.grad!.data, [0, 1, 0, 0, 0, 1]);
  });

  it("rejects bad axes with a ShapeError naming the op", () => {
    const x = param(Tensor.zeros([2, 3]));
    expect(() => sum(x, 2)).toThrow(ShapeError);
    expect(() => mean(x, -3)).toThrow(/mean: axis -3 is out of range for shape \[2, 3\]/);
    expect(() => max(x, 5)).toThrow(/max: axis 5/);
  });
});
