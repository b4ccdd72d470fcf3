import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { rowBytes } from "../src/compact/dtype.js";
import { decodeRow, encodeWeights } from "../src/compact/encode.js";
import { KQuantRowError, type KQuantDtype } from "../src/compact/kquant.js";
import { WeightMatrix } from "../src/compact/matrix.js";
import { compactMatmulReference } from "../src/compact/matmul.reference.js";
import { dequantize, quantize } from "../src/quant/codec.js";
import { chooseKScalesDirect } from "../src/quant/k-scales-direct.js";
import { quantizeQ4_K } from "../src/quant/q4_k.js";
import { quantizeQ5_K } from "../src/quant/q5_k.js";
import { getThreads, setThreads } from "../src/wasm/pool.js";
import { seededFloats } from "./helpers.js";

const initial = getThreads();
afterAll(() => setThreads(initial));

const KQUANTS: KQuantDtype[] = ["q4_k", "q5_k", "q6_k"];
const GGML: Record<KQuantDtype, "Q4_K" | "Q5_K" | "Q6_K"> = { q4_k: "Q4_K", q5_k: "Q5_K", q6_k: "Q6_K" };
/** The blocks weights are converted into at load: q4_k / q5_k by the direct scale choice, q6_k by ggml's quantizer. */
const LOAD_TIME: Record<KQuantDtype, (w: Float32Array) => Uint8Array> = {
  q4_k: (w) => quantizeQ4_K(w, undefined, chooseKScalesDirect),
  q5_k: (w) => quantizeQ5_K(w, undefined, chooseKScalesDirect),
  q6_k: (w) => quantize("Q6_K", w),
};
const bits = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/**
 * |got − want| within float32 rounding of kquant.wat's sums: mag (matmul.reference.ts) bounds
 * Σ|terms|, and each of the K/32 per-block scalings and lane sums rounds once or twice
 * (the same bound as compact.test.ts).
 */
function expectNearReference(got: Float32Array, want: Float64Array, mag: Float64Array, K: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    const tol = 4e-7 * (K + 8) * mag[i]! + 1e-30;
    if (!(Math.abs(got[i]! - want[i]!) <= tol)) expect.fail(`${what}: [${i}] got ${got[i]}, want ${want[i]} (tol ${tol})`);
  }
}

/** Weights with the spread of a trained matrix: mostly small, a few large, some sub-blocks all one sign. */
function weights(n: number, seed: number): Float32Array {
  const w = seededFloats(n, seed, 0.05);
  const big = seededFloats(n, seed + 7, 1);
  for (let i = 0; i < n; i++) {
    if (Math.abs(big[i]!) > 0.97) w[i] = big[i]!;
    if (Math.floor(i / 32) % 5 === 3) w[i] = Math.abs(w[i]!); // a sub-block with min 0
  }
  return w;
}

describe("K-quant rows (llama.cpp's Q4_K / Q5_K / Q6_K super-blocks)", () => {
  it("are llama.cpp's super-blocks (load-time scale choice), row() is the reference dequantizer, and they stay close to the weights", () => {
    for (const dtype of KQUANTS) {
      const N = 3, K = 512;
      const wf = weights(N * K, 3);
      const bytes = encodeWeights(wf, N, K, dtype, "w");
      expect(bytes).toEqual(LOAD_TIME[dtype](wf));
      // The load-time blocks are a little further from the weights than ggml's search puts them
      // (what quantize() and the GGUF writer run, tested byte for byte against ggml in llm).
      const rmsError = (q: Uint8Array): number => {
        const decoded = dequantize(GGML[dtype], q, N * K);
        let err = 0, ref = 0;
        for (let i = 0; i < wf.length; i++) {
          err += (decoded[i]! - wf[i]!) ** 2;
          ref += wf[i]! ** 2;
        }
        return Math.sqrt(err / ref);
      };
      const direct = rmsError(bytes), search = rmsError(quantize(GGML[dtype], wf));
      console.log(`${dtype}: relative rms error at load ${direct.toFixed(4)}, ggml's search ${search.toFixed(4)}`);
      expect(direct).toBeLessThan({ q4_k: 0.15, q5_k: 0.075, q6_k: 0.04 }[dtype]!);
      expect(direct).toBeLessThan(1.5 * search);
      expect(bytes.length).toBe(N * rowBytes(dtype, K));
      expect(rowBytes(dtype, K)).toBe(2 * { q4_k: 144, q5_k: 176, q6_k: 210 }[dtype]);
      const m = WeightMatrix.fromBytes(bytes, N, K, dtype, "w");
      const all = dequantize(GGML[dtype], bytes, N * K);
      for (let r = 0; r < N; r++) expect(m.row(r)).toEqual(all.subarray(r * K, (r + 1) * K));
      expect(decodeRow(bytes, dtype, K, 1)).toEqual(all.subarray(K, 2 * K));
      m.dispose();
    }
  });

  it("refuse rows that are not whole 256-weight super-blocks, naming the tensor", () => {
    expect(() => WeightMatrix.fromF32(new Float32Array(2 * 64), 2, 64, "q4_k", "layers.0.mlp.up_proj.weight")).toThrow(
      "layers.0.mlp.up_proj.weight: q4_k needs rows of whole 256-weight super-blocks, got rows of 64 weights (q8_0 and q4_0 take any row length)",
    );
    expect(() => WeightMatrix.fromBytes(new Uint8Array(210), 1, 300, "q6_k", "output.weight")).toThrow(KQuantRowError);
    expect(() => rowBytes("q6_k", 0)).toThrow(KQuantRowError);
    expect(() => WeightMatrix.fromF32(new Float32Array(3 * 576), 3, 576, "q5_k", "blk.0.attn_v.weight")).toThrow(
      "blk.0.attn_v.weight: q5_k needs rows of whole 256-weight super-blocks, got rows of 576 weights (q8_0 and q4_0 take any row length)",
    );
  });
});

describe("kquant.wat against the reference loops", () => {
  const shapes = fc.record({
    dtype: fc.constantFrom(...KQUANTS),
    M: fc.integer({ min: 1, max: 9 }),
    superBlocks: fc.integer({ min: 1, max: 3 }),
    N: fc.integer({ min: 1, max: 41 }),
    seed: fc.integer({ min: 1, max: 1 << 30 }),
  });

  it("q4_k, q5_k, q6_k: odd shapes, one thread", () => {
    setThreads(1);
    fc.assert(
      fc.property(shapes, ({ dtype, M, superBlocks, N, seed }) => {
        const K = 256 * superBlocks;
        const x = seededFloats(M * K, seed, 2);
        const m = WeightMatrix.fromF32(weights(N * K, seed + 1), N, K, dtype);
        try {
          const { out, mag } = compactMatmulReference(x, M, K, m.bytes(), dtype, N);
          expectNearReference(m.matmulTransB(x, M), out, mag, K, `${dtype} M=${M} K=${K} N=${N}`);
        } finally {
          m.dispose();
        }
      }),
      { numRuns: 60, seed: 13 },
    );
  });

  it("on the kernel pool: bit-identical for 1–4 threads (odd row counts, gemv and matmul), and near the reference", () => {
    const cases = fc.sample(
      fc.record({
        dtype: fc.constantFrom(...KQUANTS),
        M: fc.constantFrom(1, 1, 3, 17),
        superBlocks: fc.integer({ min: 1, max: 4 }),
        N: fc.integer({ min: 1, max: 150 }).map((n) => 2 * n + 1),
        seed: fc.integer({ min: 1, max: 1 << 30 }),
      }),
      { numRuns: 16, seed: 21 },
    );
    const mats = cases.map(({ dtype, superBlocks, N, seed }) => WeightMatrix.fromF32(weights(N * 256 * superBlocks, seed + 1), N, 256 * superBlocks, dtype));
    const results: Float32Array[][] = [];
    for (const t of [1, 2, 3, 4]) {
      setThreads(t);
      results.push(cases.map(({ M, superBlocks, seed }, i) => mats[i]!.matmulTransB(seededFloats(M * 256 * superBlocks, seed, 2), M)));
    }
    cases.forEach(({ dtype, M, superBlocks, N, seed }, i) => {
      const K = 256 * superBlocks;
      for (const r of results.slice(1)) expect(bits(r[i]!), `${dtype} M=${M} K=${K} N=${N}`).toEqual(bits(results[0]![i]!));
      const { out, mag } = compactMatmulReference(seededFloats(M * K, seed, 2), M, K, mats[i]!.bytes(), dtype, N);
      expectNearReference(results[0]![i]!, out, mag, K, `${dtype} M=${M} K=${K} N=${N}`);
      mats[i]!.dispose();
    });
  });

  it("is close to the float product with the dequantized weights (what activation quantization costs)", () => {
    // x·Wᵀ with x unquantized vs the kernel: the 8-bit activation blocks (d = max|x|/127 per 32)
    // err by at most half a step a weight, Σ_k |w_k|·d_x/2 over the row.
    for (const dtype of KQUANTS) {
      const N = 9, K = 768, M = 2;
      const x = seededFloats(M * K, 5, 2);
      const m = WeightMatrix.fromF32(weights(N * K, 6), N, K, dtype);
      const y = m.matmulTransB(x, M);
      const w = dequantize(GGML[dtype], m.bytes(), N * K);
      for (let i = 0; i < M; i++) {
        for (let n = 0; n < N; n++) {
          let exact = 0, bound = 0;
          for (let k = 0; k < K; k++) {
            exact += x[i * K + k]! * w[n * K + k]!;
            bound += Math.abs(w[n * K + k]!) * (2 / 127 / 2); // |x| ≤ 2 → d_x ≤ 2/127
          }
          expect(Math.abs(y[i * N + n]! - exact)).toBeLessThanOrEqual(bound + 1e-5);
        }
      }
      m.dispose();
    }
  });

  it("accumulate adds x·Wᵀ to out", () => {
    for (const dtype of KQUANTS) {
      const m = WeightMatrix.fromF32(weights(7 * 256, 2), 7, 256, dtype);
      const x = seededFloats(2 * 256, 3);
      const plain = m.matmulTransB(x, 2);
      const out = m.matmulTransB(x, 2, Float32Array.from(plain.map((_, i) => i)), true);
      out.forEach((v, i) => expect(v).toBeCloseTo(plain[i]! + i, 5));
      m.dispose();
    }
  });
});
