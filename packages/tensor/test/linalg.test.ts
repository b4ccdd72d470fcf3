import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matmul, matmulTransA, matmulTransB, transpose, Tensor, ShapeError, kernels as k, numel } from "../src/index.js";
import { expectClose } from "./helpers.js";

/** Naive [M,K]·[K,N] in float64. */
function naive(a: Float32Array, b: Float32Array, M: number, K: number, N: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) for (let p = 0; p < K; p++) out[i * N + j] += a[i * K + p]! * b[p * N + j]!;
  return out;
}

const dims = fc.record({ M: fc.integer({ min: 1, max: 9 }), K: fc.integer({ min: 1, max: 9 }), N: fc.integer({ min: 1, max: 9 }) });
const batchDims = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 });

describe("Tensor-level matmul family", () => {
  it("matmul of [..., M, K] by [K, N] and by [..., K, N] equals per-batch naive products", () => {
    fc.assert(
      fc.property(dims, batchDims, fc.boolean(), ({ M, K, N }, batch, shared) => {
        const nb = numel(batch);
        const a = Tensor.from(seeded(nb * M * K, 1), [...batch, M, K]);
        const b = shared ? Tensor.from(seeded(K * N, 2), [K, N]) : Tensor.from(seeded(nb * K * N, 2), [...batch, K, N]);
        const y = matmul(a, b);
        expect(y.shape).toEqual([...batch, M, N]);
        for (let i = 0; i < nb; i++) {
          const bi = shared ? b.data : b.data.subarray(i * K * N, (i + 1) * K * N);
          expectClose(y.data.subarray(i * M * N, (i + 1) * M * N), naive(a.data.subarray(i * M * K, (i + 1) * M * K), bi, M, K, N), 1e-5, 1e-5);
        }
        // transB / transA agree with explicit transposes
        expectClose(matmulTransB(a, transpose(b)).data, y.data, 1e-5, 1e-5);
        expectClose(matmulTransA(transpose(a), b).data, y.data, 1e-5, 1e-5);
      }),
      { numRuns: 60 },
    );
  });

  it("broadcasts batch dims of size 1", () => {
    const a = Tensor.from(seeded(2 * 1 * 2 * 3, 3), [2, 1, 2, 3]);
    const b = Tensor.from(seeded(1 * 4 * 3 * 2, 4), [4, 3, 2]);
    const y = matmul(a, b);
    expect(y.shape).toEqual([2, 4, 2, 2]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 4; j++) {
        const blk = y.data.subarray((i * 4 + j) * 4, (i * 4 + j + 1) * 4);
        expectClose(blk, naive(a.data.subarray(i * 6, i * 6 + 6), b.data.subarray(j * 6, j * 6 + 6), 2, 3, 2), 1e-5, 1e-5);
      }
    }
  });

  it("kernel alpha/beta: out = beta·out + alpha·a·b", () => {
    const a = seeded(6, 5);
    const b = seeded(6, 6);
    const out = Float32Array.from([1, 2, 3, 4]);
    k.matmul(a, b, 2, 3, 2, out, 2, 0.5);
    const ab = naive(a, b, 2, 3, 2);
    expectClose(out, [0.5 + 2 * ab[0]!, 1 + 2 * ab[1]!, 1.5 + 2 * ab[2]!, 2 + 2 * ab[3]!], 1e-5, 1e-5);
    const nanOut = new Float32Array(4).fill(NaN);
    expectClose(k.matmul(a, b, 2, 3, 2, nanOut), ab, 1e-5, 1e-5); // beta = 0 overwrites NaN
  });

  it("mismatched inner dims throw ShapeError naming the op and shapes", () => {
    expect(() => matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))).toThrow(/matmul: inner dims differ \(3 vs 4\) for shapes \[2, 3\] and \[4, 5\]/);
    expect(() => matmulTransB(Tensor.zeros([2, 3]), Tensor.zeros([5, 4]))).toThrow(ShapeError);
    expect(() => matmul(Tensor.zeros([3]), Tensor.zeros([3, 1]))).toThrow(/rank ≥ 2/);
  });
});

function seeded(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 1000 + i * 1.7));
}
