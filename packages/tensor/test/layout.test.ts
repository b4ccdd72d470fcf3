import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernels as k, concat, slice, transpose, Tensor, ShapeError, numel } from "../src/index.js";
import { dim, floats } from "./helpers.js";

describe("transposeLast2", () => {
  it("matches the naive index swap and is an involution", () => {
    fc.assert(
      fc.property(
        fc.tuple(dim(3), dim(45), dim(45)).chain(([b, r, c]) => fc.tuple(fc.constant([b, r, c] as const), floats(b * r * c))),
        ([[b, r, c], x]) => {
          const y = k.transposeLast2(x, b, r, c);
          for (let n = 0; n < b; n++) for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) {
            if (y[n * r * c + j * r + i] !== x[n * r * c + i * c + j]) expect.fail(`mismatch at ${n},${i},${j}`);
          }
          expect(k.transposeLast2(y, b, c, r)).toEqual(x);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("Tensor transpose swaps the last two axes", () => {
    const t = Tensor.from([1, 2, 3, 4, 5, 6], [1, 2, 3]);
    const u = transpose(t);
    expect(u.shape).toEqual([1, 3, 2]);
    expect(u.toArray()).toEqual([1, 4, 2, 5, 3, 6]);
    expect(() => transpose(Tensor.zeros([3]))).toThrow(ShapeError);
  });
});

describe("concat / slice", () => {
  const parts = fc
    .record({
      shape: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
      sizes: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
    })
    .chain(({ shape, sizes }) => fc.tuple(fc.constant(shape), fc.constant(sizes), fc.integer({ min: 0, max: shape.length - 1 })));

  it("slicing a concat gives back the parts; elements land where the index math says", () => {
    fc.assert(
      fc.property(parts, ([shape, sizes, axis]) => {
        let seed = 1;
        const tensors = sizes.map((s) => {
          const sh = shape.map((d, i) => (i === axis ? s : d));
          return Tensor.from(Float32Array.from({ length: numel(sh) }, () => seed++), sh);
        });
        const c = concat(tensors, axis);
        expect(c.shape[axis]).toBe(sizes.reduce((a, b) => a + b, 0));
        let start = 0;
        for (const t of tensors) {
          const s = slice(c, axis, start, start + t.shape[axis]!);
          expect(s.shape).toEqual(t.shape);
          expect(s.toArray()).toEqual(t.toArray());
          start += t.shape[axis]!;
        }
      }),
    );
  });

  it("slice supports negative indices and a default end; errors name the op and shapes", () => {
    const t = Tensor.from([0, 1, 2, 3, 4, 5], [2, 3]);
    expect(slice(t, 1, -2).toArray()).toEqual([1, 2, 4, 5]);
    expect(slice(t, -2, 1, 2).toArray()).toEqual([3, 4, 5]);
    expect(() => slice(t, 1, 2, 5)).toThrow(/slice: range \[2, 5\) is out of bounds for axis 1 of shape \[2, 3\]/);
    expect(() => concat([t, Tensor.zeros([3, 3])], 1)).toThrow(/concat: shapes \[2, 3\] and \[3, 3\] differ outside axis 1/);
    expect(() => concat([], 0)).toThrow(ShapeError);
  });
});
