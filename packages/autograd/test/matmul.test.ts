import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { matmul, matmulTransA, matmulTransB, param, sum } from "../src/index.js";
import { FAST, expectClose, expectGradOk, rngOf, seedArb, uniform } from "./helpers.js";

/** Naive [M,K]·[K,N] on plain arrays (the oracle for forward values). */
function naive(a: Float32Array, b: Float32Array, M: number, K: number, N: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[i * K + k]! * b[k * N + j]!;
      out.push(s);
    }
  }
  return out;
}

function transposed(x: Float32Array, R: number, C: number): Float32Array {
  const o = new Float32Array(R * C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) o[c * R + r] = x[r * C + c]!;
  return o;
}

const dims = fc.record({
  M: fc.integer({ min: 1, max: 5 }),
  K: fc.integer({ min: 1, max: 5 }),
  N: fc.integer({ min: 1, max: 5 }),
  batch: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
  // which operand carries the batch dims: both, only a, only b
  who: fc.constantFrom("both", "a", "b"),
});

type Layout = (M: number, K: number, N: number) => [number[], number[]];
const layouts: Record<"matmul" | "matmulTransB" | "matmulTransA", { op: typeof matmul; layout: Layout }> = {
  matmul: { op: matmul, layout: (M, K, N) => [[M, K], [K, N]] },
  matmulTransB: { op: matmulTransB, layout: (M, K, N) => [[M, K], [N, K]] },
  matmulTransA: { op: matmulTransA, layout: (M, K, N) => [[K, M], [K, N]] },
};

describe("matmul / matmulTransB / matmulTransA", () => {
  for (const [name, { op, layout }] of Object.entries(layouts)) {
    it(`${name} passes gradCheck over random sizes and batch layouts`, () => {
      fc.assert(
        fc.property(dims, seedArb, ({ M, K, N, batch, who }, seed) => {
          const rng = rngOf(seed);
          const [am, bm] = layout(M, K, N);
          const aShape = who === "b" ? am : [...batch, ...am];
          const bShape = who === "a" ? bm : [...batch, ...bm];
          const a = uniform(aShape, rng);
          const b = uniform(bShape, rng);
          const y = op(param(a), param(b));
          expect([...y.shape]).toEqual([...(batch.length > 0 ? batch : []), M, N]);
          expectGradOk((x, w) => op(x, w), [a, b], { seed });
        }),
        FAST,
      );
    });
  }

  it("computes a·b, a·bᵀ and aᵀ·b like the naive triple loop (batched, shared weight)", () => {
    const rng = rngOf(7);
    const [B, M, K, N] = [3, 4, 5, 2];
    const a = uniform([B, M, K], rng);
    const w = uniform([K, N], rng);
    const y = matmul(param(a), param(w)).data;
    for (let i = 0; i < B; i++) expectClose(y.subarray(i * M * N, (i + 1) * M * N), naive(a.data.subarray(i * M * K), w.data, M, K, N));
    const wT = Tensor.from(transposed(w.data, K, N), [N, K]);
    expectClose(matmulTransB(param(a), param(wT)).data, y);
    const a0 = a.data.subarray(0, M * K);
    const aT = Tensor.from(transposed(a0, M, K), [K, M]);
    expectClose(matmulTransA(param(aT), param(w)).data, naive(a0, w.data, M, K, N));
  });

  it("accumulates into existing grads (beta = 1) across backward calls", () => {
    const rng = rngOf(11);
    const x = param(uniform([2, 3, 4], rng));
    const w = param(uniform([5, 4], rng));
    sum(matmulTransB(x, w)).backward();
    const once = Float32Array.from(w.grad!.data);
    const onceX = Float32Array.from(x.grad!.data);
    sum(matmulTransB(x, w)).backward();
    expectClose(w.grad!.data, once.map((v) => 2 * v));
    expectClose(x.grad!.data, onceX.map((v) => 2 * v));
  });

  it("pinned parameters get pinned grads equal to the JS-heap ones (batched and shared operands)", () => {
    const rng = rngOf(13);
    // Big enough for the WASM kernels (M·K·N ≥ 2048), which copy JS operands into heap scratch.
    const x = uniform([3, 16, 24], rng);
    const w = uniform([32, 24], rng);
    const v = uniform([3, 16, 8], rng);
    const run = (pin: boolean) => {
      const W = param(pin ? w.toPinned() : w.clone());
      const V = param(pin ? v.toPinned() : v.clone());
      const X = param(x.clone());
      sum(matmulTransA(matmulTransB(X, W), V)).backward(); // [3,16,32]ᵀ·[3,16,8] → [3,32,8]
      return { W, V, X };
    };
    const js = run(false);
    const pinned = run(true);
    expect(pinned.W.grad!.isPinned).toBe(true);
    expect(pinned.V.grad!.isPinned).toBe(true);
    expectClose(pinned.W.grad!.data, js.W.grad!.data, 1e-5);
    expectClose(pinned.V.grad!.data, js.V.grad!.data, 1e-5);
    expectClose(pinned.X.grad!.data, js.X.grad!.data, 1e-5);
  });

  it("throws ShapeError naming the op and both shapes", () => {
    const a = param(Tensor.zeros([2, 3]));
    expect(() => matmul(a, param(Tensor.zeros([4, 5])))).toThrow(ShapeError);
    expect(() => matmul(a, param(Tensor.zeros([4, 5])))).toThrow(/matmul.*\[2, 3\].*\[4, 5\]/);
    expect(() => matmulTransB(a, param(Tensor.zeros([5, 4])))).toThrow(/matmulTransB.*\[2, 3\].*\[5, 4\]/);
    expect(() => matmul(param(Tensor.zeros([2, 2, 3])), param(Tensor.zeros([3, 3, 1])))).toThrow(/batch dims \[2\] and \[3\]/);
    expect(() => matmul(param(Tensor.zeros([3])), param(Tensor.zeros([3, 1])))).toThrow(/rank ≥ 2/);
  });
});
