import { setFlagsFromString } from "node:v8";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { encodeWeights } from "../src/compact/encode.js";
import { INT_GEMM_MIN_M } from "../src/compact/int-gemm.js";
import type { KQuantDtype } from "../src/compact/kquant.js";
import { kquantMatmulF32 } from "../src/compact/kquant.reference.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import type { KquantExports, RelaxedDotExports } from "../src/wasm/exports.js";
import { heap } from "../src/wasm/heap.js";
import { compileKernels, instantiateKernels, relaxedDot, relaxedDotSupported, setRelaxedDot } from "../src/wasm/instance.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

// Q4_K / Q5_K / Q6_K products: the decode row-dots (kquant/q4_k.wat, q5_k.wat, q6_k.wat) and prefill's packed gemms
// (kquant/gemm.wat) must both give kquantMatmulF32's numbers bit for bit — the same float chain
// per (x row, W row) — for any M, K, N and thread count.
if (Number(process.versions.node.split(".")[0]) < 22) setFlagsFromString("--experimental-wasm-relaxed-simd");
const initialThreads = getThreads(), initialRelaxedDot = relaxedDot();
afterAll(() => {
  setThreads(initialThreads);
  setRelaxedDot(initialRelaxedDot);
});

const KQUANTS: KQuantDtype[] = ["q4_k", "q5_k", "q6_k"];
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Weights of either sign with sub-blocks of very different ranges (all 6-bit scales and mins in use). */
function weights(n: number, seed: number): Float32Array {
  const w = seededFloats(n, seed, 1);
  for (let i = 0; i < n; i++) w[i]! *= 0.02 + ((i >> 5) % 7) * 0.3 + (Math.floor(i / 32) % 3 === 1 ? 0.5 : 0);
  return w;
}

describe("K-quant row-dots (kquant.wat, decode; Q4_K / Q5_K also relaxeddot/kquant-rows.wat)", () => {
  // where relaxed SIMD's int8 dot product is in use (Node 22 in CI, Node 20 with the flag), Q4_K and
  // Q5_K decode on relaxeddot.wat's row-dots: both paths are checked
  for (const int8 of relaxedDotSupported ? [false, true] : [false]) {
    it(`give kquantMatmulF32's numbers bit for bit, odd shapes, one thread, int8 dot ${int8}`, () => {
      setThreads(1);
      setRelaxedDot(int8);
      fc.assert(
        fc.property(fc.constantFrom(...KQUANTS), fc.integer({ min: 1, max: INT_GEMM_MIN_M - 1 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 23 }),
          fc.boolean(), fc.integer({ min: 1, max: 1 << 30 }),
          (dtype, M, superBlocks, N, raw, seed) => {
            const K = 256 * superBlocks;
            const x = seededFloats(M * K, seed, 2);
            if (seed % 4 === 0) x.fill(0, 0, 256); // a zero activation block (d_x = 0)
            // raw: any quant and scale bytes (every nibble, high bit and 6-bit scale value)
            const m = raw ? WeightMatrix.fromBytes(rawSuperBlocks(dtype, N, K, seed + 1), N, K, dtype, "raw")
              : WeightMatrix.fromF32(weights(N * K, seed + 1), N, K, dtype);
            try {
              expect(bits(m.matmulTransB(x, M)), `${dtype} M=${M} K=${K} N=${N} raw=${raw}`).toEqual(bits(kquantMatmulF32(x, M, K, m.bytes(), dtype, N)));
            } finally {
              m.dispose();
            }
          }),
        { numRuns: 60, seed: 5 },
      );
    });
  }
});

describe("K-quant decode row-dots on the kernel pool", () => {
  it("odd row counts (the rows split unevenly across jobs), M = 1 and 3, 1–4 threads, int8 dot on and off: kquantMatmulF32's bits", () => {
    const K = 512;
    for (const [i, dtype] of KQUANTS.entries()) {
      for (const N of [1, 7, 33, 131]) {
        const m = WeightMatrix.fromBytes(rawSuperBlocks(dtype, N, K, 40 + i), N, K, dtype, "raw");
        for (const M of [1, 3]) {
          const x = seededFloats(M * K, N + M, 2);
          const want = bits(kquantMatmulF32(x, M, K, m.bytes(), dtype, N));
          for (const int8 of relaxedDotSupported ? [false, true] : [false]) {
            setRelaxedDot(int8);
            for (const t of [1, 2, 3, 4]) {
              setThreads(t);
              expect(bits(m.matmulTransB(x, M)), `${dtype} N=${N} M=${M} threads=${t} int8 dot=${relaxedDot()}`).toEqual(want);
            }
          }
        }
        m.dispose();
      }
    }
  });
});

/** Any quant and scale bytes, finite f16 super-block scales (d, Q4_K's dmin) of either sign. */
function rawSuperBlocks(dtype: KQuantDtype, N: number, K: number, seed: number): Uint8Array {
  const sb = { q4_k: 144, q5_k: 176, q6_k: 210 }[dtype], halves = dtype === "q6_k" ? [209] : [1, 3];
  const out = new Uint8Array((N * K / 256) * sb);
  const r = seededFloats(out.length, seed, 1);
  for (let i = 0; i < out.length; i++) out[i] = Math.floor((r[i]! + 1) * 128) & 255;
  for (let b = 0; b < out.length; b += sb) for (const h of halves) out[b + h] = (out[b + h]! % 40) + 0x10 + (out[b + h]! & 0x80); // exponent 4…13
  return out;
}

/**
 * quantizeActsK → pairActsK (in two calls, as two jobs would) → gemmQ4_K / gemmQ6_K on explicit
 * kernels, one call: out [M, ldo] with the product in columns c0 … c0+N−1, a sentinel elsewhere.
 */
function runGemm(k: KquantExports, dtype: KQuantDtype, x: Float32Array, M: number, K: number, w: Uint8Array, N: number, c0: number, ldo: number, int8?: RelaxedDotExports): Float32Array {
  const nsb = K / 256, pairs = 2 * Math.ceil(M / 4);
  const px = heap.alloc(M * K), pw = heap.alloc(Math.ceil(w.length / 4)), po = heap.alloc(M * ldo);
  const xq = heap.alloc(Math.ceil((M * nsb * 276) / 4)), x2 = heap.alloc(532 * pairs * nsb), panel = heap.alloc((nsb * 8576 + 1088) / 4);
  heap.view(px, M * K).set(x);
  new Uint8Array(heap.memory.buffer, pw, w.length).set(w);
  heap.view(po, M * ldo).fill(-7.25);
  k.quantizeActsK(px, M, K, xq);
  // relaxeddot's int8 Q4_K gemm (its layouts are smaller than the int16 one's), or kquant.wat's
  const pairActs = int8 ? int8.pairActsK8 : k.pairActsK;
  pairActs(xq, M, nsb, x2, 0, 1);
  pairActs(xq, M, nsb, x2, 1, pairs);
  (int8 ? int8.gemmQ4_K : { q4_k: k.gemmQ4_K, q5_k: k.gemmQ5_K, q6_k: k.gemmQ6_K }[dtype])(x2, M, nsb, pw, N, po + 4 * c0, ldo, panel);
  const out = heap.view(po, M * ldo).slice();
  for (const p of [px, pw, po, xq, x2, panel]) heap.release(p);
  return out;
}

describe("gemmQ4_K / gemmQ5_K / gemmQ6_K (kquant/gemm.wat, prefill)", () => {
  const relaxed = instantiateKernels(compileKernels(true));
  const builds = [
    { name: "SIMD128", kernels: instantiateKernels(compileKernels(false)).kquant, int8: undefined, dtypes: KQUANTS },
    { name: "relaxed SIMD", kernels: relaxed.kquant, int8: undefined, dtypes: KQUANTS },
    { name: "relaxed int8 dot", kernels: relaxed.kquant, int8: relaxed.relaxeddot as RelaxedDotExports, dtypes: ["q4_k"] as KQuantDtype[] },
  ];
  for (const { name, kernels, int8, dtypes } of builds) {
    it(`${name}: kquantMatmulF32's numbers bit for bit, odd shapes, raw and encoded weights, only the product's columns written`, () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...dtypes), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 21 }),
          fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.integer({ min: 1, max: 1 << 30 }),
          (dtype, M, superBlocks, N, pad, raw, seed) => {
            const K = 256 * superBlocks;
            const x = seededFloats(M * K, seed, 2);
            if (seed % 5 === 0) x.fill(0, 0, 256); // a zero activation block (d_x = 0)
            const w = raw ? rawSuperBlocks(dtype, N, K, seed + 1) : encodeWeights(weights(N * K, seed + 1), N, K, dtype, "w");
            const c0 = pad > 1 ? 1 : 0, ldo = N + pad;
            const got = runGemm(kernels, dtype, x, M, K, w, N, c0, ldo, int8);
            const want = kquantMatmulF32(x, M, K, w, dtype, N);
            const what = `${name} ${dtype} M=${M} K=${K} N=${N} ldo=${ldo} raw=${raw}`;
            for (let m = 0; m < M; m++) {
              expect(bits(got.slice(m * ldo + c0, m * ldo + c0 + N)), what).toEqual(bits(want.slice(m * N, (m + 1) * N)));
              for (let c = 0; c < ldo; c++) if (c < c0 || c >= c0 + N) expect(got[m * ldo + c], `${what}: column ${c} written`).toBe(-7.25);
            }
          },
        ),
        { numRuns: 80, seed: 23 },
      );
    });
  }

  it(`WeightMatrix from ${INT_GEMM_MIN_M} rows of x: the row-dots' bits, at 1–4 threads, accumulate too`, () => {
    const K = 768, N = 75;
    const mats = KQUANTS.map((dtype, i) => WeightMatrix.fromF32(weights(N * K, 30 + i), N, K, dtype));
    for (const M of [INT_GEMM_MIN_M, 21, 64]) {
      const x = seededFloats(M * K, M, 2);
      for (const mat of mats) {
        const want = kquantMatmulF32(x, M, K, mat.bytes(), mat.dtype as KQuantDtype, N);
        const base = seededFloats(M * N, 9, 1);
        // where relaxed SIMD's int8 dot product is in use (Node 22 in CI), Q4_K takes relaxeddot.wat's gemm
        for (const useInt8 of relaxedDotSupported ? [false, true] : [false]) {
          setRelaxedDot(useInt8);
          for (const t of [1, 2, 3, 4]) {
            setThreads(t);
            const what = `${mat.dtype} M=${M} threads=${t} int8 dot=${relaxedDot()}`;
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
