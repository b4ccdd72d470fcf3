import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng, kernels as k, softmax, logSoftmax, Tensor, ShapeError } from "../src/index.js";
import { dim, expectClose, floats } from "./helpers.js";

const matrix = fc.tuple(dim(9), dim(37)).chain(([rows, cols]) => fc.tuple(fc.constant(rows), fc.constant(cols), floats(rows * cols, 20)));

function rowSums(y: Float32Array, rows: number, cols: number): number[] {
  return Array.from({ length: rows }, (_, r) => y.subarray(r * cols, (r + 1) * cols).reduce((s, v) => s + v, 0));
}

describe("softmax", () => {
  it("equals the reference, rows sum to 1", () => {
    fc.assert(
      fc.property(matrix, ([rows, cols, x]) => {
        const y = k.softmax(x, rows, cols);
        expectClose(y, k.softmaxReference(x, rows, cols), 1e-7, 1e-5);
        expectClose(rowSums(y, rows, cols), new Array(rows).fill(1), 1e-5, 0);
      }),
    );
  });

  it("is unchanged by adding a constant to each row", () => {
    fc.assert(
      fc.property(matrix, fc.array(fc.integer({ min: -50, max: 50 }), { minLength: 9, maxLength: 9 }), ([rows, cols, x], shifts) => {
        const shifted = x.map((v, i) => v + shifts[Math.floor(i / cols)]!);
        expectClose(k.softmax(shifted, rows, cols), k.softmax(x, rows, cols), 1e-6, 1e-4);
      }),
    );
  });

  it("is stable for huge logits", () => {
    const y = k.softmax(Float32Array.from([1e30, 1e30, -1e30, 3e38]), 1, 4);
    expect(Array.from(y)).toEqual([0, 0, 0, 1]);
  });

  it("works in place (out = x)", () => {
    fc.assert(
      fc.property(matrix, ([rows, cols, x]) => {
        const expected = k.softmaxReference(x, rows, cols);
        k.softmax(x, rows, cols, x);
        expectClose(x, expected, 1e-7, 1e-5);
      }),
    );
  });
});

describe("causal softmax", () => {
  const causalCase = fc
    .record({ heads: dim(3), seq: dim(6), past: fc.integer({ min: 0, max: 7 }) })
    .chain(({ heads, seq, past }) => {
      const cols = past + seq;
      return fc.tuple(fc.constant({ heads, seq, past, cols }), floats(heads * seq * cols, 10));
    });

  it("row r sees exactly columns ≤ offset + (r % period); masked entries are exactly 0", () => {
    fc.assert(
      fc.property(causalCase, ([{ heads, seq, past, cols }, x]) => {
        const rows = heads * seq;
        const mask = { offset: past, period: seq };
        const y = k.softmax(x, rows, cols, undefined, mask);
        expectClose(y, k.softmaxReference(x, rows, cols, undefined, mask), 1e-7, 1e-5);
        for (let r = 0; r < rows; r++) {
          const visible = past + (r % seq) + 1;
          const row = y.subarray(r * cols, (r + 1) * cols);
          for (let j = visible; j < cols; j++) expect(Object.is(row[j], 0)).toBe(true);
          // The visible prefix is a plain softmax of the visible logits.
          expectClose(row.subarray(0, visible), k.softmax(x.subarray(r * cols, r * cols + visible), 1, visible), 1e-7, 1e-5);
        }
      }),
    );
  });

  it("with a window, row r sees exactly columns (hi − window, hi], hi = offset + (r % period)", () => {
    fc.assert(
      fc.property(causalCase, fc.integer({ min: 1, max: 8 }), ([{ heads, seq, past, cols }, x], window) => {
        const rows = heads * seq;
        const mask = { offset: past, period: seq, window };
        const y = k.softmax(x, rows, cols, undefined, mask);
        expectClose(y, k.softmaxReference(x, rows, cols, undefined, mask), 1e-7, 1e-5);
        for (let r = 0; r < rows; r++) {
          const hi = past + (r % seq);
          const lo = Math.max(0, hi - window + 1);
          const row = y.subarray(r * cols, (r + 1) * cols);
          for (let j = 0; j < cols; j++) if (j < lo || j > hi) expect(Object.is(row[j], 0)).toBe(true);
          expectClose(row.subarray(lo, hi + 1), k.softmax(x.subarray(r * cols + lo, r * cols + hi + 1), 1, hi + 1 - lo), 1e-7, 1e-5);
        }
      }),
    );
  });

  it("Tensor-level softmax(t, true) infers offset = kvLen − seq, period = seq", () => {
    const x = Tensor.randn([2, 3, 5], createRng(1));
    const y = softmax(x, true);
    expectClose(y.data, k.softmax(x.data, 6, 5, undefined, { offset: 2, period: 3 }), 0, 0);
    expect(() => softmax(Tensor.zeros([4, 3]), true)).toThrow(ShapeError);
  });

  it("rejects a negative offset or zero period", () => {
    expect(() => k.softmax(new Float32Array(4), 2, 2, undefined, { offset: -1, period: 2 })).toThrow(/offset/);
    expect(() => k.softmax(new Float32Array(4), 2, 2, undefined, { offset: 0, period: 0 })).toThrow(/period/);
    expect(() => k.softmax(new Float32Array(4), 2, 2, undefined, { offset: 0, period: 1, window: 0 })).toThrow(/window must be an integer ≥ 1, got 0/);
  });
});

describe("logSoftmax", () => {
  it("equals the reference and log(softmax)", () => {
    fc.assert(
      fc.property(matrix, ([rows, cols, x]) => {
        const y = k.logSoftmax(x, rows, cols);
        expectClose(y, k.logSoftmaxReference(x, rows, cols), 1e-5, 1e-6);
        expectClose(y, k.log(k.softmaxReference(x, rows, cols)).map((v) => Math.max(v, -80)), 1e-4, 1e-5);
        expectClose(logSoftmax(Tensor.from(x, [rows, cols])).data, y, 0, 0);
      }),
    );
  });

  it("stays finite where softmax underflows", () => {
    const y = k.logSoftmax(Float32Array.from([0, -200, 200]), 1, 3);
    expectClose(y, [-200, -400, 0], 1e-4, 1e-6);
  });
});

describe("softmaxBackward", () => {
  it("equals the Jacobian-vector product and accumulates", () => {
    fc.assert(
      fc.property(matrix, ([rows, cols, x]) => {
        const y = k.softmax(x, rows, cols);
        const dy = x.map((v, i) => Math.sin(i + v));
        const dx = new Float32Array(x.length).fill(0.5);
        k.softmaxBackward(y, dy, rows, cols, dx);
        const ref = new Float32Array(x.length).fill(0.5);
        k.softmaxBackwardReference(y, dy, rows, cols, ref);
        expectClose(dx, ref, 1e-6, 1e-5);
        // Explicit Jacobian: dx_j = Σ_i dy_i·y_i·(δ_ij − y_j)
        const jac = new Float64Array(x.length);
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < cols; j++) {
            let s = 0;
            for (let i = 0; i < cols; i++) s += dy[r * cols + i]! * y[r * cols + i]! * ((i === j ? 1 : 0) - y[r * cols + j]!);
            jac[r * cols + j] = s + 0.5;
          }
        }
        expectClose(dx, jac, 1e-5, 1e-4);
      }),
    );
  });
});
