import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { embedding, matmulTransB, param, sum } from "../src/index.js";
import { FAST, expectClose, expectGradOk, rngOf, seedArb, uniform } from "./helpers.js";

describe("embedding", () => {
  it("passes gradCheck for random tables and ids (with repeats)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 }),
        seedArb,
        (vocab, dim, idsShape, seed) => {
          const rng = rngOf(seed);
          const n = idsShape.reduce((a, b) => a * b, 1);
          const ids = Int32Array.from({ length: n }, () => rng.int(vocab));
          const table = uniform([vocab, dim], rng);
          expectGradOk((t) => embedding(t, ids, idsShape), [table], { seed });
          expect([...embedding(param(table), ids, idsShape).shape]).toEqual([...idsShape, dim]);
        },
      ),
      FAST,
    );
  });

  it("gathers rows and scatter-adds gradients (a repeated id accumulates)", () => {
    const table = param(Tensor.from([0, 1, 10, 11, 20, 21], [3, 2]));
    const ids = Int32Array.from([2, 0, 2]);
    const y = embedding(table, ids);
    expectClose(y.data, [20, 21, 0, 1, 20, 21]);
    ids[0] = 1; // the op keeps its own copy of the ids
    sum(y).backward();
    expectClose(table.grad!.data, [1, 1, 0, 0, 2, 2]);
  });

  it("tied embedding / output head: both uses accumulate into one grad", () => {
    const rng = rngOf(2);
    const w = uniform([4, 3], rng);
    expectGradOk((t) => matmulTransB(embedding(t, [1, 3, 1]), t), [w]);
  });

  it("rejects out-of-range ids and a non-matrix table", () => {
    const t = param(Tensor.zeros([3, 2]));
    expect(() => embedding(t, [0, 3])).toThrow(/embedding: ids\[1\] = 3 is out of range for a table of 3 rows/);
    expect(() => embedding(t, [0.5])).toThrow(/ids\[0\] = 0.5/);
    expect(() => embedding(param(Tensor.zeros([6])), [0])).toThrow(ShapeError);
    expect(() => embedding(t, [0, 1, 2], [2, 2])).toThrow(/3 ids do not fill idsShape \[2, 2\]/);
  });
});
