import { f16ToF32, f32ToF16 } from "../io/half.js";
import { largestMagnitude } from "./q4_0.js";
import { roundAway } from "./q8_0.js";

/**
 * IQ4_NL and IQ4_XS: 4-bit indices into one non-linear grid of int8 levels (IQ4_VALUES).
 *
 * IQ4_NL (ggml-common.h block_iq4_nl): blocks of 32 values, 18 bytes each, laid out as Q4_0's:
 *   [0, 2)   d: f16 scale
 *   [2, 18)  qs: 16 bytes; byte j holds value j's index in its low nibble and value j + 16's in its high one
 * value = d · IQ4_VALUES[index]: a non-linear 4-bit grid of int8 levels.
 */
export const IQ4_NL_BLOCK = 32;
export const IQ4_NL_BYTES = 18;

/**
 * IQ4_XS (ggml-common.h block_iq4_xs): super-blocks of 256 values, 136 bytes each:
 *   [0, 2)     d: f16 super-block scale
 *   [2, 4)     scales_h: u16, bits 2s…2s+1 the top 2 bits of sub-block s's 6-bit scale
 *   [4, 8)     scales_l: the low 4 bits, sub-block s in byte s/2's low (s even) or high nibble
 *   [8, 136)   qs: 16 bytes per 32-value sub-block, laid out as an IQ4_NL block's
 * value = d · (ls[s] − 32) · IQ4_VALUES[index].
 */
export const IQ4_XS_BLOCK = 256;
export const IQ4_XS_BYTES = 136;

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

/** Reference dequantizer: n values (a multiple of 256) from src's n/256 IQ4_XS super-blocks into out. */
export function dequantizeIQ4_XS(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / IQ4_XS_BLOCK; b++) {
    const p = b * IQ4_XS_BYTES;
    const d = f16ToF32(src[p]! | (src[p + 1]! << 8));
    const high = src[p + 2]! | (src[p + 3]! << 8);
    for (let s = 0; s < 8; s++) {
      const ls = ((src[p + 4 + (s >> 1)]! >> (4 * (s & 1))) & 0xf) | (((high >> (2 * s)) & 3) << 4);
      const dl = d * (ls - 32);
      const o = b * IQ4_XS_BLOCK + 32 * s;
      for (let j = 0; j < 16; j++) {
        const q = src[p + 8 + 16 * s + j]!;
        out[o + j] = dl * IQ4_VALUES[q & 0xf]!;
        out[o + j + 16] = dl * IQ4_VALUES[q >> 4]!;
      }
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

/**
 * A simple quantizer (not llama.cpp's quantize_row_iq4_xs_impl scale search, so its error is
 * somewhat larger, but the blocks are exact IQ4_XS): each sub-block's largest magnitude maps to the
 * grid's −127, the sub-block scale of largest magnitude to −32, every value to its nearest level.
 */
export function quantizeIQ4_XS(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / IQ4_XS_BLOCK) * IQ4_XS_BYTES)): Uint8Array {
  const scales = new Float64Array(8);
  for (let b = 0; b < x.length / IQ4_XS_BLOCK; b++) {
    const o = b * IQ4_XS_BLOCK;
    const p = b * IQ4_XS_BYTES;
    let maxScale = 0;
    for (let s = 0; s < 8; s++) {
      scales[s] = largestMagnitude(x, o + 32 * s, 32) / -127;
      if (Math.abs(scales[s]!) > Math.abs(maxScale)) maxScale = scales[s]!;
    }
    const h = f32ToF16(maxScale / -32);
    const d = f16ToF32(h);
    out.fill(0, p, p + 8);
    out[p] = h & 0xff;
    out[p + 1] = h >>> 8;
    let high = 0;
    for (let s = 0; s < 8; s++) {
      const l = d === 0 ? 0 : Math.min(31, Math.max(-32, roundAway(scales[s]! / d)));
      out[p + 4 + (s >> 1)]! |= ((l + 32) & 0xf) << (4 * (s & 1));
      high |= ((l + 32) >> 4) << (2 * s);
      const dl = d * l;
      const index = (v: number): number => (dl === 0 ? 8 : nearestIQ4(v / dl));
      for (let j = 0; j < 16; j++) out[p + 8 + 16 * s + j] = index(x[o + 32 * s + j]!) | (index(x[o + 32 * s + j + 16]!) << 4);
    }
    out[p + 2] = high & 0xff;
    out[p + 3] = high >>> 8;
  }
  return out;
}
