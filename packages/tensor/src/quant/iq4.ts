import { f16ToF32, f32ToF16 } from "../io/half.js";
import { largestMagnitude } from "./q4_0.js";

/**
 * IQ4_NL (ggml-common.h block_iq4_nl): blocks of 32 values, 18 bytes each, laid out as Q4_0's:
 *   [0, 2)   d: f16 scale
 *   [2, 18)  qs: 16 bytes; byte j holds value j's index in its low nibble and value j + 16's in its high one
 * value = d · IQ4_VALUES[index]: a non-linear 4-bit grid of int8 levels.
 */
export const IQ4_NL_BLOCK = 32;
export const IQ4_NL_BYTES = 18;

/** ggml's kvalues_iq4nl. */
export const IQ4_VALUES: readonly number[] = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/** Reference dequantizer: n values (a multiple of 32) from src's n/32 blocks into out. */
export function dequantizeIQ4_NL(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / IQ4_NL_BLOCK; b++) {
    const p = b * IQ4_NL_BYTES;
    const d = f16ToF32(src[p]! | (src[p + 1]! << 8));
    const o = b * IQ4_NL_BLOCK;
    for (let j = 0; j < 16; j++) {
      const q = src[p + 2 + j]!;
      out[o + j] = d * IQ4_VALUES[q & 0xf]!;
      out[o + j + 16] = d * IQ4_VALUES[q >> 4]!;
    }
  }
  return out;
}

/** The index of the grid level nearest v (the lower of two equally near). */
export function nearestIQ4(v: number): number {
  let best = 0;
  for (let k = 1; k < 16; k++) if (Math.abs(IQ4_VALUES[k]! - v) < Math.abs(IQ4_VALUES[best]! - v)) best = k;
  return best;
}

/**
 * A simple quantizer (not llama.cpp's quantize_row_iq4_nl_impl scale search, so its error is
 * somewhat larger, but the blocks are exact IQ4_NL): the value of largest magnitude maps to the
 * grid's −127, every value to its nearest level.
 */
export function quantizeIQ4_NL(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / IQ4_NL_BLOCK) * IQ4_NL_BYTES)): Uint8Array {
  for (let b = 0; b < x.length / IQ4_NL_BLOCK; b++) {
    const o = b * IQ4_NL_BLOCK;
    const p = b * IQ4_NL_BYTES;
    const h = f32ToF16(largestMagnitude(x, o, IQ4_NL_BLOCK) / -127);
    out[p] = h & 0xff;
    out[p + 1] = h >>> 8;
    const d = f16ToF32(h);
    const index = (v: number): number => (d === 0 ? 8 : nearestIQ4(v / d));
    for (let j = 0; j < 16; j++) out[p + 2 + j] = index(x[o + j]!) | (index(x[o + j + 16]!) << 4);
  }
  return out;
}
