import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { KQuantDtype } from "../src/compact/kquant.js";
import { kquantMatmulF32 } from "../src/compact/kquant.reference.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

// Q4_K / Q6_K products: the decode row-dots (kquant/q4_k.wat, q6_k.wat) and prefill's packed gemms
// (kquant/gemm.wat) must both give kquantMatmulF32's numbers bit for bit — the same float chain
// per (x row, W row) — for any M, K, N and thread count.
const initialThreads = getThreads();
afterAll(() => setThreads(initialThreads));

const KQUANTS: KQuantDtype[] = ["q4_k", "q6_k"];
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Weights of either sign with sub-blocks of very different ranges (all 6-bit scales and mins in use). */
function weights(n: number, seed: number): Float32Array {
  const w = seededFloats(n, seed, 1);
  for (let i = 0; i < n; i++) w[i]! *= 0.02 + ((i >> 5) % 7) * 0.3 + (Math.floor(i / 32) % 3 === 1 ? 0.5 : 0);
  return w;
}

describe("K-quant row-dots (kquant.wat, decode)", () => {
  it("give kquantMatmulF32's numbers bit for bit, odd shapes, one thread", () => {
    setThreads(1);
    fc.assert(
      fc.property(fc.constantFrom(...KQUANTS), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 23 }), fc.integer({ min: 1, max: 1 << 30 }),
        (dtype, M, superBlocks, N, seed) => {
          const K = 256 * superBlocks;
          const x = seededFloats(M * K, seed, 2);
          if (seed % 4 === 0) x.fill(0, 0, 256); // a zero activation block (d_x = 0)
          const m = WeightMatrix.fromF32(weights(N * K, seed + 1), N, K, dtype);
          try {
            expect(bits(m.matmulTransB(x, M)), `${dtype} M=${M} K=${K} N=${N}`).toEqual(bits(kquantMatmulF32(x, M, K, m.bytes(), dtype, N)));
          } finally {
            m.dispose();
          }
        }),
      { numRuns: 60, seed: 5 },
    );
  });
});
