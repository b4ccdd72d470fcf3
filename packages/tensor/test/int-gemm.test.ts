import { setFlagsFromString } from "node:v8";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ACT_Q16, Q4_0, Q8_0, blocksPerRow } from "../src/compact/blocks.js";
import { encodeWeights } from "../src/compact/encode.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { INT_GEMM_MIN_M } from "../src/compact/int-gemm.js";
import { quantizedMatmulF32 } from "../src/compact/matmul.reference.js";
import { heap } from "../src/wasm/heap.js";
import { compileKernels, instantiateKernels, relaxedDot, relaxedDotSupported, setRelaxedDot } from "../src/wasm/instance.js";
import type { CompactExports, RelaxedDotExports } from "../src/wasm/exports.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

// compact/int-gemm.wat: prefill's Q8_0 / Q4_0 products on operands laid out by pairs of k (int-gemm-pack.wat).
// They must give dotQ8_0's / dotQ4_0's numbers bit for bit (quantizedMatmulF32 is that arithmetic
// in exact float32 steps), in both builds, for any M, ragged K and N, and any thread count.
if (Number(process.versions.node.split(".")[0]) < 22) setFlagsFromString("--experimental-wasm-relaxed-simd");
const initialThreads = getThreads(), initialRelaxedDot = relaxedDot();
afterAll(() => {
  setThreads(initialThreads);
  setRelaxedDot(initialRelaxedDot);
});

const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Any weight bytes (q8_0: −128 too, which the relaxed row-dot cannot take), finite f16 scales of either sign. */
function rawBlocks(dtype: "q8_0" | "q4_0", N: number, K: number, seed: number): Uint8Array {
  const bb = (dtype === "q8_0" ? Q8_0 : Q4_0).blockBytes;
  const out = new Uint8Array(N * blocksPerRow(K) * bb);
  const r = seededFloats(out.length, seed, 1);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor((r[i]! + 1) * 128) & 255;
  for (let b = 0; b < out.length; b += bb) out[b + 1] = (out[b + 1]! % 60) + 0x14 + (out[b + 1]! & 0x80); // exponent 5…19
  return out;
}

/**
 * gemmQ8_0 / gemmQ4_0 on explicit kernels, one call: out [M, ldo] with the product in columns
 * c0 … c0+N−1 and a sentinel everywhere else (which must survive), and the panel scratch.
 */
function runGemm(k: CompactExports, dtype: "q8_0" | "q4_0", x: Float32Array, M: number, K: number, w: Uint8Array, N: number, c0: number, ldo: number, int8?: RelaxedDotExports): Float32Array {
  const nb = blocksPerRow(K);
  const pairs = 2 * Math.ceil(M / 4);
  const px = heap.alloc(M * K), pw = heap.alloc(Math.ceil(w.length / 4)), po = heap.alloc(M * ldo), panel = heap.alloc(272 * nb), x2 = heap.alloc(68 * pairs * nb);
  const pq = heap.alloc((M * nb * ACT_Q16.blockBytes) / 4 + M * nb), pd = pq + M * nb * ACT_Q16.blockBytes;
  heap.view(px, M * K).set(x);
  new Uint8Array(heap.memory.buffer, pw, w.length).set(w);
  heap.view(po, M * ldo).fill(-7.25);
  k.quantizeActs16(px, M, K, pq, pd);
  // relaxeddot's int8 Q4_0 gemm, or compact.wat's int16 ones
  const pairActs = int8 ? int8.pairActs8 : k.pairActs16;
  pairActs(pq, pd, M, nb, x2, 0, 1); // in two calls, as two jobs would
  pairActs(pq, pd, M, nb, x2, 1, pairs);
  (int8 ? int8.gemmQ4_0 : dtype === "q8_0" ? k.gemmQ8_0 : k.gemmQ4_0)(x2, M, nb, pw, N, po + 4 * c0, ldo, panel);
  const out = heap.view(po, M * ldo).slice();
  for (const p of [px, pw, po, panel, x2, pq]) heap.release(p);
  return out;
}

describe("gemmQ8_0 / gemmQ4_0 (compact/int-gemm.wat)", () => {
  const relaxed = instantiateKernels(compileKernels(true));
  const builds = [
    { name: "SIMD128", kernels: instantiateKernels(compileKernels(false)).compact, int8: undefined, dtypes: ["q8_0", "q4_0"] as const },
    { name: "relaxed SIMD", kernels: relaxed.compact, int8: undefined, dtypes: ["q8_0", "q4_0"] as const },
    { name: "relaxed int8 dot", kernels: relaxed.compact, int8: relaxed.relaxeddot as RelaxedDotExports, dtypes: ["q4_0"] as const },
  ];
  for (const { name, kernels, int8, dtypes } of builds) {
    it(`${name}: the row-dots' numbers bit for bit, odd shapes, raw and encoded weights, only the product's columns written`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 21 }), fc.integer({ min: 0, max: 3 }),
          fc.constantFrom(...dtypes), fc.boolean(), fc.integer({ min: 1, max: 1 << 30 }),
          (M, K, N, pad, dtype, raw, seed) => {
            const x = seededFloats(M * K, seed, 2);
            if (seed % 5 === 0) x.fill(0, 0, Math.min(K, 40)); // a row of x with zero blocks (d_x = 0)
            const w = raw ? rawBlocks(dtype, N, K, seed + 1) : encodeWeights(seededFloats(N * K, seed + 1, 0.5), N, K, dtype, "w");
            const c0 = pad > 1 ? 1 : 0, ldo = N + pad;
            const got = runGemm(kernels, dtype, x, M, K, w, N, c0, ldo, int8);
            const want = quantizedMatmulF32(x, M, K, w, dtype, N);
            const what = `${name} ${dtype} M=${M} K=${K} N=${N} ldo=${ldo} raw=${raw}`;
            for (let m = 0; m < M; m++) {
              expect(bits(got.slice(m * ldo + c0, m * ldo + c0 + N)), what).toEqual(bits(want.slice(m * N, (m + 1) * N)));
              for (let c = 0; c < ldo; c++) if (c < c0 || c >= c0 + N) expect(got[m * ldo + c], `${what}: column ${c} written`).toBe(-7.25);
            }
          },
        ),
        { numRuns: 150, seed: 17 },
      );
    });
  }

  it(`WeightMatrix from ${INT_GEMM_MIN_M} rows of x: the same bits as row by row, at 1–4 threads (accumulate too), a −128 weight included`, () => {
    const K = 333, N = 97;
    const m128 = rawBlocks("q8_0", N, K, 6);
    m128[2 + 34 * 40 + 5] = 0x80;
    const mats = [
      WeightMatrix.fromF32(seededFloats(N * K, 3, 0.5), N, K, "q8_0"),
      WeightMatrix.fromF32(seededFloats(N * K, 4, 0.5), N, K, "q4_0"),
      WeightMatrix.fromBytes(m128, N, K, "q8_0", "minus128"),
    ];
    for (const M of [INT_GEMM_MIN_M, 21, 64]) {
      const x = seededFloats(M * K, M, 2);
      for (const mat of mats) {
        const want = quantizedMatmulF32(x, M, K, mat.bytes(), mat.dtype as "q8_0" | "q4_0", N);
        const base = seededFloats(M * N, 9, 1);
        // where relaxed SIMD's int8 dot product is in use (Node 22 in CI), Q4_0 takes relaxeddot.wat's gemm
        for (const int8 of relaxedDotSupported ? [false, true] : [false]) {
          setRelaxedDot(int8);
          for (const t of [1, 2, 3, 4]) {
            setThreads(t);
            const what = `${mat.name} ${mat.dtype} M=${M} threads=${t} int8 dot=${relaxedDot()}`;
            expect(bits(mat.matmulTransB(x, M)), what).toEqual(bits(want));
            const acc = mat.matmulTransB(x, M, base.slice(), true);
            expect(bits(acc), `accumulate ${what}`).toEqual(bits(base.map((b, i) => b + want[i]!)));
          }
        }
      }
    }
    for (const m of mats) m.dispose();
  });
});
