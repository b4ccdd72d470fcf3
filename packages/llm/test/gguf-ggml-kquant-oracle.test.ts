/**
 * mini's Q2_K … Q6_K encoders against ggml's quantize_row_q2_K_ref … _q6_K_ref
 * (no importance matrix), called in node-llama-cpp's prebuilt libggml-base through koffi: the same
 * bytes, every byte, on random rows over many magnitudes and on the rows a scale search trips on
 * (all zero, constant, one outlier, negative only, tiny and huge values). This build of the K
 * quantizers has no fused multiply-adds (plain SSE, checked in its disassembly), so no value is
 * allowed to differ.
 */
import fc from "fast-check";
import { ggmlTypeInfo, quantize } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { llamaCppLibrary } from "./llamacpp-native.js";

const lib = llamaCppLibrary("libggml-base");
const TYPES = { Q2_K: "q2_K", Q3_K: "q3_K", Q4_K: "q4_K", Q5_K: "q5_K", Q6_K: "q6_K" } as const;
type KType = keyof typeof TYPES;
const quantizeRowRef = (t: KType) => lib.func(`void quantize_row_${TYPES[t]}_ref(const float *x, _Out_ void *y, int64_t k)`);

/** Fails naming the first differing byte (its super-block and offset) of ours against ggml's. */
function expectSameBytes(t: KType, x: Float32Array): void {
  const { blockBytes } = ggmlTypeInfo(t);
  const theirs = new Uint8Array((x.length / 256) * blockBytes);
  quantizeRowRef(t)(x, theirs, x.length);
  const ours = quantize(t, x);
  for (let i = 0; i < theirs.length; i++) {
    if (ours[i] !== theirs[i]) expect(`${t} block ${Math.floor(i / blockBytes)} byte ${i % blockBytes}: ${ours[i]}`).toBe(`${t} block ${Math.floor(i / blockBytes)} byte ${i % blockBytes}: ${theirs[i]}`);
  }
}

/** One super-block (256 values) from a function of the index. */
const row = (g: (i: number) => number): Float32Array => Float32Array.from({ length: 256 }, (_, i) => g(i));

describe("the K-quant encoders write ggml's reference bytes", () => {
  for (const t of Object.keys(TYPES) as KType[]) {
    it(`${t}: quantize_row_${TYPES[t]}_ref on random rows (1e-6 … 1e4)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -6, max: 4 }), fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 768, maxLength: 768 }), (blocks, exponent, values) => {
          expectSameBytes(t, Float32Array.from({ length: 256 * blocks }, (_, i) => values[i]! * 10 ** exponent));
        }),
        { seed: 21, numRuns: 60 },
      );
    });

    it(`${t}: rows a scale search trips on`, () => {
      const rows: Record<string, Float32Array> = {
        "all zero": row(() => 0),
        "constant positive": row(() => 0.75),
        "constant negative": row(() => -3.25),
        "one outlier": row((i) => (i === 77 ? 40 : Math.sin(i) * 0.01)),
        "one negative outlier": row((i) => (i === 200 ? -40 : Math.cos(i) * 0.01)),
        "negative only": row((i) => -1 - Math.abs(Math.sin(i * 1.3))),
        "positive only": row((i) => 2 + Math.abs(Math.cos(i * 0.7))),
        "tiny (1e-20)": row((i) => Math.sin(i * 2.1) * 1e-20),
        "huge (1e20)": row((i) => Math.sin(i * 2.1) * 1e20),
        "f16-range edge (6e4)": row((i) => Math.sin(i * 0.3) * 6e4),
        "zero sub-blocks between others": row((i) => (Math.floor(i / 32) % 2 === 0 ? 0 : Math.sin(i))),
        "one value per sub-block": row((i) => (i % 16 === 5 ? Math.sin(i) : 0)),
        "steps of 1/8": row((i) => Math.round(Math.sin(i) * 16) / 8),
      };
      for (const [name, x] of Object.entries(rows)) {
        try {
          expectSameBytes(t, x);
        } catch (e) {
          throw new Error(`${t} ${name}: ${(e as Error).message}`);
        }
      }
    });
  }
});
