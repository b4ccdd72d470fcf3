import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernels as k, gather, embedding, Tensor, ShapeError } from "../src/index.js";
import { dim, floats } from "./helpers.js";

const gatherCase = fc
  .tuple(dim(9), dim(13))
  .chain(([rows, cols]) =>
    fc.tuple(fc.constant(rows), fc.constant(cols), floats(rows * cols), fc.array(fc.integer({ min: 0, max: rows - 1 }), { maxLength: 20 })),
  );

describe("gatherRows / scatterAddRows", () => {
  it("gather copies the selected rows", () => {
    fc.assert(
      fc.property(gatherCase, ([, cols, table, ids]) => {
        const out = k.gatherRows(table, cols, ids);
        ids.forEach((id, r) => expect(Array.from(out.subarray(r * cols, (r + 1) * cols))).toEqual(Array.from(table.subarray(id * cols, (id + 1) * cols))));
        expect(gather(Tensor.from(table, [table.length / cols, cols]), ids).data).toEqual(out);
      }),
    );
  });

  it("scatterAdd accumulates (repeated ids add up) and is the adjoint of gather", () => {
    fc.assert(
      fc.property(gatherCase, ([rows, cols, table, ids]) => {
        const dOut = Float32Array.from({ length: ids.length * cols }, (_, i) => (i % 7) - 3);
        const dTable = new Float32Array(rows * cols).fill(1);
        k.scatterAddRows(dOut, cols, ids, dTable);
        const expected = new Float64Array(rows * cols).fill(1);
        ids.forEach((id, r) => {
          for (let j = 0; j < cols; j++) expected[id * cols + j] += dOut[r * cols + j]!;
        });
        expect(Array.from(dTable)).toEqual(Array.from(expected));
        // <gather(T), dOut> = <T, scatter(dOut)>
        const g = k.gatherRows(table, cols, ids);
        const s = k.scatterAddRows(dOut, cols, ids, new Float32Array(rows * cols));
        const lhs = g.reduce((acc, v, i) => acc + v * dOut[i]!, 0);
        const rhs = table.reduce((acc, v, i) => acc + v * s[i]!, 0);
        expect(lhs).toBeCloseTo(rhs, 4);
      }),
    );
  });

  it("rejects out-of-range and non-integer ids, naming the index", () => {
    const table = new Float32Array(6);
    expect(() => k.gatherRows(table, 2, [0, 3])).toThrow(/ids\[1\] = 3 is out of range for a table of 3 rows/);
    expect(() => k.gatherRows(table, 2, [1.5])).toThrow(ShapeError);
    expect(() => k.scatterAddRows(new Float32Array(2), 2, [-1], table)).toThrow(ShapeError);
    expect(() => embedding(Tensor.zeros([6]), [0])).toThrow(/table must be \[rows, cols\]/);
  });
});
