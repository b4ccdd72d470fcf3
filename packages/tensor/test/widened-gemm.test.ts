/**
 * bf16 / f16 prefill (compact/matmul.ts's widenedGemm → gemm.wat's gemmW16, which widens W while
 * packing it): the same bits as the f32 gemm on W widened beforehand, for odd shapes, any 16-bit
 * pattern (f16 subnormals, inf, NaN included) and 1–4 threads.
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { GEMM_MIN_M } from "../src/compact/matmul.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { heap } from "../src/wasm/heap.js";
import { gemmScratch, runGemm } from "../src/wasm/matmul.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

const initial = getThreads();
afterAll(() => setThreads(initial));

/** Float bits, with every NaN the same (gemm may give any NaN payload). */
const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (b) => ((b & 0x7fffffff) > 0x7f800000 ? 0x7fc00000 : b));

/** gemm.wat's gemm itself (what the bf16 / f16 prefill ran before: W widened first), x [M, K] · wideᵀ. */
function gemmOnWidened(x: Float32Array, wide: Float32Array, M: number, K: number, N: number): Float32Array {
  const { each, parts } = gemmScratch(M, K, N);
  const pa = heap.alloc(M * K), pb = heap.alloc(N * K), pc = heap.alloc(M * N), work = heap.alloc(each * parts);
  heap.view(pa, M * K).set(x);
  heap.view(pb, N * K).set(wide);
  runGemm(pa, K, 1, pb, 1, K, pc, N, M, K, N, 1, 0, work, each);
  const out = heap.view(pc, M * N).slice();
  for (const p of [pa, pb, pc, work]) heap.release(p);
  return out;
}

describe("bf16 / f16 prefill widens W while packing it", () => {
  it("the f32 gemm's bits on the widened W, odd shapes, raw 16-bit weights, 1–4 threads", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: GEMM_MIN_M, max: 40 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 45 }),
        fc.constantFrom("bf16" as const, "f16" as const), fc.integer({ min: 1, max: 1 << 30 }), fc.boolean(),
        (M, K, N, dtype, seed, special) => {
          // raw 16-bit patterns: bf16 kept near 1 in magnitude (so products stay finite), f16 any exponent, inf/NaN where `special`
          const r = seededFloats(N * K, seed, 1), raw = new Uint16Array(N * K);
          for (let i = 0; i < raw.length; i++) {
            const u = Math.floor((r[i]! + 1) * 32768) & 0xffff;
            raw[i] = dtype === "bf16" ? (u & 0x807f) | 0x3f00 : special || (u & 0x7c00) !== 0x7c00 ? u : u & 0xbfff;
          }
          const w = WeightMatrix.fromBytes(new Uint8Array(raw.buffer), N, K, dtype, "w");
          const wide = new Float32Array(N * K);
          for (let n = 0; n < N; n++) w.row(n, wide, n * K);
          const x = seededFloats(M * K, seed + 1, 1);
          setThreads(1);
          const want = bits(gemmOnWidened(x, wide, M, K, N));
          for (const t of [1, 2, 3, 4]) {
            setThreads(t);
            expect(bits(w.matmulTransB(x, M)), `${dtype} M=${M} K=${K} N=${N} threads=${t}`).toEqual(want);
          }
          w.dispose();
        },
      ),
      { numRuns: 60, seed: 21 },
    );
  });
});
