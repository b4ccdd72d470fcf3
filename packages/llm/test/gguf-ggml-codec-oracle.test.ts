/**
 * mini's reference decoders and llama.cpp's reference quantizers against ggml's own, called in
 * node-llama-cpp's prebuilt libggml-base (the library llama.cpp runs) through koffi: every decoded
 * value bit for bit (Object.is) on random blocks, and Q4_1/Q5_0/Q5_1/Q8_0's quantize_row_*_ref:
 * the same scales bit for bit and the same integers, but for a value within a float32 rounding of
 * a step's edge (this build of ggml fuses or reassociates `(x − min)·id + 0.5`, measured: a value
 * at 7.50000000035 steps went to 7, where the C expression in float32 steps gives 8; mini follows
 * the C expression). mini's Q4_0 encoder searches a better scale (quantizeQ4_0Reference is checked
 * against the ref's rounding in @mini/tensor's tests); its K encoders (Q2_K … Q6_K) are ggml's
 * reference ones byte for byte (gguf-ggml-kquant-oracle.test.ts); its IQ encoders are
 * simpler ones (no scale search), so only their decoders are compared here;
 * gguf-decoded-oracle.test.ts runs their files through llama.cpp.
 */
import fc from "fast-check";
import { dequantize, f16ToF32, f32ToF16, ggmlTypeInfo, quantize, type GgmlType } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { llamaCppLibrary } from "./llamacpp-native.js";

const lib = llamaCppLibrary("libggml-base");
/** ggml's name of each type in its functions (dequantize_row_<name>, quantize_row_<name>_ref). */
const GGML_NAME: Partial<Record<GgmlType, string>> = {
  Q4_0: "q4_0", Q4_1: "q4_1", Q5_0: "q5_0", Q5_1: "q5_1", Q8_0: "q8_0", Q2_K: "q2_K", Q3_K: "q3_K", Q4_K: "q4_K", Q5_K: "q5_K", Q6_K: "q6_K", IQ4_NL: "iq4_nl", IQ4_XS: "iq4_xs",
};
const dequantizeRow = (t: GgmlType) => lib.func(`void dequantize_row_${GGML_NAME[t]}(const void *x, _Out_ float *y, int64_t k)`);
const quantizeRowRef = (t: GgmlType) => lib.func(`void quantize_row_${GGML_NAME[t]}_ref(const float *x, _Out_ void *y, int64_t k)`);

/** Byte offsets of each block's f16 fields (made finite: random bytes could be inf / NaN). */
const HALVES: Partial<Record<GgmlType, number[]>> = {
  Q4_0: [0], Q4_1: [0, 2], Q5_0: [0], Q5_1: [0, 2], Q8_0: [0], Q2_K: [80, 82], Q3_K: [108], Q4_K: [0, 2], Q5_K: [0, 2], Q6_K: [208], IQ4_NL: [0], IQ4_XS: [0],
};

describe("mini's decoders are ggml's, bit for bit", () => {
  for (const t of Object.keys(GGML_NAME) as GgmlType[]) {
    it(`${t}: dequantize_row_${GGML_NAME[t]} on random blocks`, () => {
      const info = ggmlTypeInfo(t);
      const f = dequantizeRow(t);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4 }), fc.uint8Array({ minLength: 4 * info.blockBytes, maxLength: 4 * info.blockBytes }), fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 8, maxLength: 8 }), (blocks, raw, scales) => {
          const b = raw.slice(0, blocks * info.blockBytes);
          let s = 0;
          for (let k = 0; k < blocks; k++) {
            for (const p of HALVES[t]!) {
              const h = f32ToF16(scales[s++ % scales.length]! * 1e-3);
              b[k * info.blockBytes + p] = h & 0xff;
              b[k * info.blockBytes + p + 1] = h >>> 8;
            }
          }
          const n = blocks * info.blockValues;
          const theirs = new Float32Array(n);
          f(b, theirs, n);
          const ours = dequantize(t, b, n);
          for (let i = 0; i < n; i++) if (!Object.is(ours[i], theirs[i])) expect(`${t} value ${i}: ${ours[i]}`).toBe(`${t} value ${i}: ${theirs[i]}`);
        }),
        { seed: 11, numRuns: 40 },
      );
    });
  }
});

describe("the legacy quantizers are ggml's reference ones (but for values on a step's edge)", () => {
  for (const t of ["Q4_1", "Q5_0", "Q5_1", "Q8_0"] as const) {
    it(`${t}: quantize_row_${GGML_NAME[t]}_ref on random rows`, () => {
      const info = ggmlTypeInfo(t);
      const f = quantizeRowRef(t);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4 }), fc.float({ min: Math.fround(1e-3), max: 100, noNaN: true }), fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 128, maxLength: 128 }), (blocks, scale, values) => {
          const x = Float32Array.from({ length: 32 * blocks }, (_, i) => values[i]! * scale);
          const theirs = new Uint8Array(blocks * info.blockBytes);
          f(x, theirs, x.length);
          const ours = quantize(t, x);
          const [a, b] = [dequantize(t, ours, x.length), dequantize(t, theirs, x.length)];
          const head = t === "Q4_1" || t === "Q5_1" ? 4 : 2; // d (and m): f16 each
          for (let k = 0; k < blocks; k++) {
            const p = k * info.blockBytes;
            expect(ours.subarray(p, p + head), `block ${k}'s scale`).toEqual(theirs.subarray(p, p + head));
          }
          for (let i = 0; i < x.length; i++) {
            if (a[i] === b[i]) continue;
            // another integer: one step away, for a value on a step's edge
            const p = Math.floor(i / 32) * info.blockBytes;
            expect(Math.abs(a[i]! - b[i]!), `value ${i}`).toBeCloseTo(Math.abs(f16ToF32(theirs[p]! | (theirs[p + 1]! << 8))), 6);
            const steps = stepsOf(t, x, i); // float64
            expect(Math.abs(steps - Math.floor(steps) - 0.5), `value ${i} at ${steps} steps`).toBeLessThan(1e-5);
          }
        }),
        { seed: 12, numRuns: 60 },
      );
    });
  }
});

/** Where x[i] lies in its block's steps, by the reference quantizer's float32 scale (its rounding edges are at half steps). */
function stepsOf(t: "Q4_1" | "Q5_0" | "Q5_1" | "Q8_0", x: Float32Array, i: number): number {
  const block = x.subarray(i - (i % 32), i - (i % 32) + 32);
  const min = Math.min(...block);
  const max = Math.max(...block);
  const largest = block.reduce((m, v) => (Math.abs(v) > Math.abs(m) ? v : m), 0); // the first of equal magnitudes
  if (t === "Q4_1" || t === "Q5_1") return (x[i]! - min) / Math.fround((max - min) / (t === "Q4_1" ? 15 : 31));
  return x[i]! / Math.fround(t === "Q5_0" ? largest / -16 : Math.abs(largest) / 127);
}
