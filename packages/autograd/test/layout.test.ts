import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { concat, param, reshape, slice, transpose } from "../src/index.js";
import { FAST, expectClose, expectGradOk, rngOf, seedArb, shapeArb, uniform } from "./helpers.js";

const withTwoAxes = shapeArb(2, 4, 6).chain((shape) =>
  fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 }), fc.integer({ min: 0, max: shape.length - 1 })),
);

describe("reshape / transpose / slice / concat", () => {
  it("reshape passes gradCheck (reversed dims, with a −1)", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => {
        const target = [...shape].reverse();
        target[0] = -1;
        expectGradOk((v) => reshape(v, target), [uniform(shape, rngOf(seed))], { seed });
      }),
      FAST,
    );
  });

  it("transpose of the last two axes and of any axis pair passes gradCheck", () => {
    fc.assert(
      fc.property(withTwoAxes, seedArb, ([shape, i, j], seed) => {
        const x = uniform(shape, rngOf(seed));
        expectGradOk((v) => transpose(v), [x], { seed });
        expectGradOk((v) => transpose(v, i, j), [x], { seed });
      }),
      FAST,
    );
  });

  it("transpose(x, 1, 2) maps [B, T, H, D] to [B, H, T, D] element by element", () => {
    const [B, T, H, D] = [2, 3, 4, 2];
    const x = param(uniform([B, T, H, D], rngOf(1)));
    const y = transpose(x, 1, 2);
    expect([...y.shape]).toEqual([B, H, T, D]);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++)
        for (let h = 0; h < H; h++)
          for (let d = 0; d < D; d++) expect(y.value.get(b, h, t, d)).toBe(x.value.get(b, t, h, d));
    expectClose(transpose(param(Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]))).data, [1, 4, 2, 5, 3, 6]);
  });

  it("a transpose that moves no element (single head: [B, T, 1, D] → [B, 1, T, D]) is a view with the same values", () => {
    const [B, T, D] = [2, 3, 2];
    const x = param(uniform([B, T, 1, D], rngOf(2)));
    const y = transpose(x, 1, 2);
    expect([...y.shape]).toEqual([B, 1, T, D]);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) expect(y.value.get(b, 0, t, d)).toBe(x.value.get(b, t, 0, d));
    expect(y.data.buffer).toBe(x.data.buffer); // no copy
    expect(y.op).toBe("transpose");
  });

  it("slice passes gradCheck over random axes and ranges", () => {
    const arb = shapeArb().chain((shape) =>
      fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
        fc
          .tuple(fc.integer({ min: 0, max: shape[axis]! }), fc.integer({ min: 0, max: shape[axis]! }))
          .map(([p, q]) => ({ shape, axis, start: Math.min(p, q), end: Math.max(p, q) })),
      ),
    );
    fc.assert(
      fc.property(arb, seedArb, ({ shape, axis, start, end }, seed) => {
        const x = uniform(shape, rngOf(seed));
        const y = slice(param(x), axis, start, end);
        expect(y.shape[axis]).toBe(end - start);
        if (end > start) expectGradOk((v) => slice(v, axis, start, end), [x], { seed });
      }),
      FAST,
    );
  });

  it("concat passes gradCheck over random axes and part counts", () => {
    const arb = shapeArb().chain((shape) =>
      fc.tuple(fc.constant(shape), fc.integer({ min: 0, max: shape.length - 1 }), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })),
    );
    fc.assert(
      fc.property(arb, seedArb, ([shape, axis, sizes], seed) => {
        const rng = rngOf(seed);
        const parts = sizes.map((n) => uniform(shape.map((d, i) => (i === axis ? n : d)), rng));
        expectGradOk((...vs) => concat(vs, axis), parts, { seed });
      }),
      FAST,
    );
  });

  it("slice with negative indices and concat values", () => {
    const x = param(Tensor.from([0, 1, 2, 3, 4, 5], [2, 3]));
    expectClose(slice(x, 1, -2).data, [1, 2, 4, 5]);
    expectClose(concat([x, x], 0).data, [0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5]);
    expectClose(concat([x, slice(x, 1, 0, 1)], 1).data, [0, 1, 2, 0, 3, 4, 5, 3]);
  });

  it("throws ShapeError naming the op and shapes", () => {
    const x = param(Tensor.zeros([2, 3]));
    expect(() => reshape(x, [4, 2])).toThrow(ShapeError);
    expect(() => transpose(param(Tensor.zeros([3])))).toThrow(/transpose: needs rank ≥ 2, got shape \[3\]/);
    expect(() => slice(x, 1, 1, 4)).toThrow(/slice/);
    expect(() => concat([x, param(Tensor.zeros([3, 3]))], 1)).toThrow(/concat.*\[2, 3\].*\[3, 3\]/);
  });
});
