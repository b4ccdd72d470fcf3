import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { fusedGemm, wasmAvailable } from "../src/wasm/instance.js";
import { layoutCode, routesToGemm, wasmMatmul, type MatmulLayout } from "../src/wasm/matmul.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { gemmOrderReference } from "./gemm-reference.js";
import { placed, releasePlaced, seededFloats } from "./helpers.js";

/**
 * gemm.wat's summation order, bit for bit: every element of C is a float32 sum over k ascending
 * from zero within each depth block of KC, scaled by alpha, then added to beta·C (the first block)
 * or to C (later blocks). The plain loop of gemm-reference.ts does exactly that with Math.fround after every
 * operation; the kernel must equal it on all of its paths — packed panels, the direct
 * no-packing path for ≤ DIRECT_M rows of A·B or Aᵀ·B, and 5–8 rows of A·Bᵀ computed as B·Aᵀ — at 1–4 threads, pinned or not. Sharing the
 * order is what keeps a prompt fed in chunks of any size ≥ 3 bit-identical, and what makes the
 * direct path a pure speed change.
 * The relaxed-SIMD variant (in use where `fusedGemm`: Node ≥ 22, CI's second run) keeps that order
 * with each `acc + A·B` one fused multiply-add (one rounding, fmaF32); the reference follows it.
 */
const initial = getThreads();
afterAll(() => setThreads(initial));

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

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

function check(c: Case, threads: number): void {
  const { layout, M, K, N, alpha, beta } = c;
  const a0 = seededFloats(M * K, c.seed, 2), b0 = seededFloats(K * N, c.seed + 1, 2), c0 = seededFloats(M * N, c.seed + 2, 2);
  const want = gemmOrderReference(layout, a0, b0, M, K, N, c0.slice(), alpha, beta, fusedGemm);
  setThreads(threads);
  const got = wasmMatmul(layout, placed(a0, c.pinned), placed(b0, c.pinned), M, K, N, placed(c0, c.pinned), alpha, beta).slice();
  releasePlaced();
  const gb = bits(got), wb = bits(want);
  for (let i = 0; i < M * N; i++) {
    if (gb[i] !== wb[i]) expect.fail(`${layout} [${M}, ${K}, ${N}] alpha ${alpha} beta ${beta} at ${threads} threads: element ${i} is ${got[i]}, gemm's ${fusedGemm ? "fused " : ""}order gives ${want[i]}`);
  }
}

describe("gemm summation order", () => {
  it(`runs on the WASM kernels (${fusedGemm ? "relaxed SIMD, fused multiply-add" : "SIMD128, mul then add"})`, () => expect(wasmAvailable).toBe(true));

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
