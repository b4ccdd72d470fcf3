import { setFlagsFromString } from "node:v8";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { encodeWeights } from "../src/compact/encode.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { compactMatmulReference } from "../src/compact/matmul.reference.js";
import { heap } from "../src/wasm/heap.js";
import { compileKernels, instantiateKernels, type CompactExports } from "../src/wasm/instance.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

// row-dot-f16-scaled.wat: F16 decode with the widening's 2^112 moved onto x (scaleActs112, then
// dotF16Scaled) must give dotF16's bits wherever x·2^112 is exact, and say where it is not.
if (Number(process.versions.node.split(".")[0]) < 22) setFlagsFromString("--experimental-wasm-relaxed-simd");
const initialThreads = getThreads();
afterAll(() => setThreads(initialThreads));
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** Raw f16 weights: any finite half (subnormals, ±0, ±65504 included), never inf / NaN. */
function rawHalves(n: number, seed: number): Uint8Array {
  const r = seededFloats(n, seed, 1), out = new Uint8Array(2 * n);
  for (let i = 0; i < n; i++) {
    let h = Math.floor((r[i]! + 1) * 32768) & 0xffff;
    if ((h & 0x7c00) === 0x7c00) h &= 0xfbff; // exponent 31 (inf / NaN) → 30
    out[2 * i] = h & 255;
    out[2 * i + 1] = h >> 8;
  }
  return out;
}

/** dotF16 on x, and scaleActs112 + dotF16Scaled on x, on one explicit instance: [plain, scaled, exact flag]. */
function both(k: CompactExports, x: Float32Array, M: number, K: number, w: Uint8Array, N: number): [Float32Array, Float32Array, number] {
  const px = heap.alloc(M * K), ps = heap.alloc(M * K), pw = heap.alloc(Math.ceil(w.length / 4)), po = heap.alloc(M * N), pz = heap.alloc(M * N);
  try {
    heap.view(px, M * K).set(x);
    new Uint8Array(heap.memory.buffer, pw, w.length).set(w);
    k.dotF16(px, M, K, pw, N, po, N);
    const exact = k.scaleActs112(px, M * K, ps);
    k.dotF16Scaled(ps, M, K, pw, N, pz, N);
    return [heap.view(po, M * N).slice(), heap.view(pz, M * N).slice(), exact];
  } finally {
    for (const p of [px, ps, pw, po, pz]) heap.release(p);
  }
}

describe("F16 row-dots on x·2^112 (row-dot-f16-scaled.wat)", () => {
  const variants = [
    { name: "SIMD128", kernels: instantiateKernels(compileKernels(false)).compact },
    { name: "relaxed SIMD", kernels: instantiateKernels(compileKernels(true)).compact },
  ];
  for (const { name, kernels } of variants) {
    it(`${name}: dotF16's bits for any finite halves and |x| < 2^16 (tiny, subnormal, ±inf, NaN too), odd shapes, M = 1–3`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 13 }), fc.integer({ min: 1, max: 1 << 30 }),
          fc.constantFrom("plain", "tiny", "special"),
          (M, K, N, seed, kind) => {
            const x = seededFloats(M * K, seed, kind === "tiny" ? 1e-38 : 60000);
            if (kind === "special") {
              x[seed % x.length] = [Infinity, -Infinity, NaN, 1e-45, -65535.99][seed % 5]!;
            }
            const [plain, scaled, exact] = both(kernels, x, M, K, rawHalves(N * K, seed + 1), N);
            expect(exact).toBe(1);
            expect(bits(scaled), `${name} M=${M} K=${K} N=${N} ${kind}`).toEqual(bits(plain));
          }),
        { numRuns: 120 },
      );
    });

    it(`${name}: scaleActs112 flags a finite |x| ≥ 2^16 anywhere (vector lanes and tail), and only that`, () => {
      for (const K of [1, 3, 4, 7, 16, 37]) {
        for (let at = 0; at < K; at++) {
          for (const [v, flagged] of [[65536, true], [-70000, true], [3.4e38, true], [65535.996, false], [Infinity, false], [NaN, false]] as const) {
            const x = seededFloats(K, K + at, 1);
            x[at] = v;
            const [, , exact] = both(kernels, x, 1, K, rawHalves(K, 3), 1);
            expect(exact, `K=${K} at=${at} x=${v}`).toBe(flagged ? 0 : 1);
          }
        }
      }
    });
  }

  it("WeightMatrix f16 decode: near the reference at 1–4 threads, the same bits for each; with a |x| ≥ 2^16 too (dotF16 on x as it is)", () => {
    const K = 300, N = 70;
    const wf = seededFloats(N * K, 5, 0.5);
    const m = WeightMatrix.fromF32(wf, N, K, "f16");
    const w = encodeWeights(wf, N, K, "f16", "w");
    try {
      for (const big of [false, true]) {
        for (const M of [1, 2, 3]) {
          const x = seededFloats(M * K, M, 2);
          if (big) x[K - 1] = 1e6;
          setThreads(1);
          const want = m.matmulTransB(x, M);
          const { out, mag } = compactMatmulReference(x, M, K, w, "f16", N);
          for (let i = 0; i < out.length; i++) expect(Math.abs(want[i]! - out[i]!), `big=${big} M=${M} [${i}]`).toBeLessThanOrEqual(4e-7 * (K + 8) * mag[i]! + 1e-30);
          for (const t of [2, 3, 4]) {
            setThreads(t);
            expect(bits(m.matmulTransB(x, M)), `big=${big} M=${M} threads=${t}`).toEqual(bits(want));
          }
        }
      }
    } finally {
      m.dispose();
    }
  });
});
