import { f16ToF32, f32ToF16 } from "../io/half.js";
import { blockErr, blockError, largestMagnitude, roundClamped, searchBlockScale } from "./scale-search.js";

/**
 * Q4_0 (ggml-common.h block_q4_0): blocks of 32 values, 18 bytes each:
 *   [0, 2)   d: f16 scale
 *   [2, 18)  qs: 16 bytes; byte j holds value j in its low nibble and value j + 16 in its high one
 * value = d · (nibble − 8)
 */
export const Q4_0_BLOCK = 32;
export const Q4_0_BYTES = 18;

/** Reference dequantizer: n values (a multiple of 32) from src's n/32 blocks into out. */
export function dequantizeQ4_0(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q4_0_BLOCK; b++) {
    const p = b * Q4_0_BYTES;
    const d = f16ToF32(src[p]! | (src[p + 1]! << 8));
    const o = b * Q4_0_BLOCK;
    for (let j = 0; j < 16; j++) {
      const q = src[p + 2 + j]!;
      out[o + j] = d * ((q & 0xf) - 8);
      out[o + j + 16] = d * ((q >> 4) - 8);
    }
  }
  return out;
}

/**
 * Reference quantizer (as llama.cpp's quantize_row_q4_0_ref): the value of largest magnitude m maps
 * to −8, so d = m / −8 and the range [−8, 7] is used on the side where it matters.
 */
export function quantizeQ4_0Reference(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q4_0_BLOCK) * Q4_0_BYTES)): Uint8Array {
  for (let b = 0; b < x.length / Q4_0_BLOCK; b++) {
    const o = b * Q4_0_BLOCK;
    const d = largestMagnitude(x, o, Q4_0_BLOCK) / -8;
    const id = d === 0 ? 0 : 1 / d;
    const h = f32ToF16(d);
    const p = b * Q4_0_BYTES;
    out[p] = h & 0xff;
    out[p + 1] = h >>> 8;
    for (let j = 0; j < 16; j++) {
      const lo = Math.min(15, Math.trunc(x[o + j]! * id + 8.5));
      const hi = Math.min(15, Math.trunc(x[o + j + 16]! * id + 8.5));
      out[p + 2 + j] = lo | (hi << 4);
    }
  }
  return out;
}

/**
 * mini's Q4_0 quantizer: the reference encoding, then per block a scale of smaller error
 * (scale-search.ts) where one exists. Same format, so llama.cpp reads the bytes as it reads its own.
 */
export function quantizeQ4_0(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q4_0_BLOCK) * Q4_0_BYTES)): Uint8Array {
  quantizeQ4_0Reference(x, out);
  for (let b = 0; b < x.length / Q4_0_BLOCK; b++) {
    const o = b * Q4_0_BLOCK;
    const p = b * Q4_0_BYTES;
    const d0 = f16ToF32(out[p]! | (out[p + 1]! << 8));
    for (let j = 0; j < 16; j++) {
      decoded[j] = d0 * ((out[p + 2 + j]! & 0xf) - 8);
      decoded[j + 16] = d0 * ((out[p + 2 + j]! >> 4) - 8);
    }
    blockError(x, o, Q4_0_BLOCK, decoded);
    const h = searchBlockScale(x, o, Q4_0_BLOCK, -8, 7, blockErr.squared, blockErr.weighted);
    if (h < 0) continue;
    const d = f16ToF32(h);
    let usesMinus8 = false;
    for (let j = 0; j < 32; j++) {
      const n = nibble(x[o + j]!, d);
      nibbles[j] = n;
      if (n === 0) usesMinus8 = true;
    }
    // Without a −8 the integers lie in [−7, 7] and (−d, −q) decodes to the same values: take d > 0,
    // so a decoded block re-encodes to these very bytes whichever of two equal-magnitude values
    // is met first (the search's first candidate puts the largest value on −7).
    const flip = !usesMinus8 && d < 0;
    const bits = flip ? h ^ 0x8000 : h;
    out[p] = bits & 0xff;
    out[p + 1] = bits >>> 8;
    for (let j = 0; j < 16; j++) {
      const lo = flip ? 16 - nibbles[j]! : nibbles[j]!;
      const hi = flip ? 16 - nibbles[j + 16]! : nibbles[j + 16]!;
      out[p + 2 + j] = lo | (hi << 4);
    }
  }
  return out;
}

const decoded = new Float32Array(Q4_0_BLOCK);
const nibbles = new Uint8Array(Q4_0_BLOCK);

/** The nibble of v under scale d: the integer searchBlockScale measured, + 8. */
function nibble(v: number, d: number): number {
  return roundClamped(v, d, -8, 7) + 8;
}
