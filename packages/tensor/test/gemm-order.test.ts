import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { heap } from "../src/wasm/heap.js";
import { wasmAvailable } from "../src/wasm/instance.js";
import { gemmBlocks, layoutCode, routesToGemm, wasmMatmul, type MatmulLayout } from "../src/wasm/matmul.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

/**
 * gemm.wat's summation order, bit for bit: every element of C is a float32 sum over k ascending
 * from zero within each depth block of KC, scaled by alpha, then added to beta·C (the first block)
 * or to C (later blocks). The plain loop below does exactly that with Math.fround after every
 * operation; the kernel must equal it on all of its paths — packed panels, the direct
 * no-packing path for ≤ DIRECT_M rows of A·B or Aᵀ·B, and 5–8 rows of A·Bᵀ computed as B·Aᵀ — at 1–4 threads, pinned or not. Sharing the
 * order is what keeps a prompt fed in chunks of any size ≥ 3 bit-identical, and what makes the
 * direct path a pure speed change.
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const f = Math.fround;
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** C = beta·C + alpha·op(A)·op(B) in gemm's order (layouts as in matmul.ts). */
function gemmOrderReference(layout: MatmulLayout, a: Float32Array, b: Float32Array, M: number, K: number, N: number, c: Float32Array, alpha: number, beta: number): Float32Array {
  const { KC } = gemmBlocks();
  const A = (i: number, k: number): number => (layout === "tn" ? a[k * M + i]! : a[i * K + k]!);
  const B = (k: number, j: number): number => (layout === "nt" ? b[j * K + k]! : b[k * N + j]!);
  const al = f(alpha), be = f(beta);
  for (let pc = 0; pc < K; pc += KC) {
    const betaK = pc === 0 ? be : 1;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let k = pc; k < Math.min(K, pc + KC); k++) acc = f(acc + f(A(i, k) * B(k, j)));
        acc = f(al * acc);
        if (betaK !== 0) acc = f(acc + f(betaK * c[i * N + j]!));
        c[i * N + j] = acc;
      }
    }
  }
  return c;
}

interface Case { layout: MatmulLayout; M: number; K: number; N: number; alpha: number; beta: number; pinned: boolean; seed: number }

const caseArb = (maxM: number): fc.Arbitrary<Case> =>
  fc.record({
    layout: fc.constantFrom<MatmulLayout>("nn", "nt", "tn"),
    M: fc.integer({ min: 3, max: maxM }),
    K: fc.integer({ min: 1, max: 300 }), // crosses KC = 256
    N: fc.integer({ min: 2, max: 45 }), // whole and partial 8-column panels
    alpha: fc.constantFrom(1, -0.5, 2.25),
    beta: fc.constantFrom(0, 1, 0.75),
    pinned: fc.boolean(),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  });

function place(src: Float32Array, pinned: boolean, ptrs: number[]): Float32Array {
  if (!pinned) return src.slice();
  const ptr = heap.alloc(src.length);
  ptrs.push(ptr);
  const v = heap.view(ptr, src.length);
  v.set(src);
  return v;
}

function check(c: Case, threads: number): void {
  const { layout, M, K, N, alpha, beta } = c;
  const a0 = seededFloats(M * K, c.seed, 2), b0 = seededFloats(K * N, c.seed + 1, 2), c0 = seededFloats(M * N, c.seed + 2, 2);
  const want = gemmOrderReference(layout, a0, b0, M, K, N, c0.slice(), alpha, beta);
  const ptrs: number[] = [];
  setThreads(threads);
  const got = wasmMatmul(layout, place(a0, c.pinned, ptrs), place(b0, c.pinned, ptrs), M, K, N, place(c0, c.pinned, ptrs), alpha, beta).slice();
  for (const p of ptrs) heap.release(p);
  const gb = bits(got), wb = bits(want);
  for (let i = 0; i < M * N; i++) {
    if (gb[i] !== wb[i]) expect.fail(`${layout} [${M}, ${K}, ${N}] alpha ${alpha} beta ${beta} at ${threads} threads: element ${i} is ${got[i]}, gemm's order gives ${want[i]}`);
  }
}

describe("gemm summation order", () => {
  it("runs on the WASM kernels", () => expect(wasmAvailable).toBe(true));

  it("the direct paths (≤ 16 rows of A·B and Aᵀ·B, 5–8 rows of A·Bᵀ) and the packed path give the reference loop's bits, 1–4 threads", () => {
    const cases = [...fc.sample(caseArb(16), { numRuns: 40, seed: 5 }), ...fc.sample(caseArb(40), { numRuns: 20, seed: 6 })];
    for (const c of cases) {
      if (!routesToGemm(layoutCode(c.layout), c.M, c.K, c.N)) continue;
      for (const t of [1, 2, 3, 4]) check(c, t);
    }
  });

  it("a training step's shapes: 7 rows against 128–533-wide weights, and depth-7 weight gradients", () => {
    const shapes: [MatmulLayout, number, number, number][] = [
      ["nn", 7, 533, 128], ["nn", 7, 256, 128], ["nn", 7, 128, 256], ["nn", 16, 130, 67],
      ["tn", 533, 7, 128], ["tn", 128, 7, 256], ["tn", 9, 300, 41], ["nt", 7, 128, 533],
    ];
    for (const [layout, M, K, N] of shapes) for (const t of [1, 2]) check({ layout, M, K, N, alpha: 1, beta: 1, pinned: false, seed: M + K + N }, t);
  });
});
