import { f16ToF32, f32ToF16 } from "../io/half.js";

/**
 * Q8_0 (ggml-common.h block_q8_0): blocks of 32 values, 34 bytes each:
 *   [0, 2)   d: f16 scale
 *   [2, 34)  qs: 32 × int8
 * value[i] = d · qs[i]
 */
export const Q8_0_BLOCK = 32;
export const Q8_0_BYTES = 34;

/** Reference dequantizer: n values (a multiple of 32) from src's n/32 blocks into out. */
export function dequantizeQ8_0(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q8_0_BLOCK; b++) {
    const p = b * Q8_0_BYTES;
    const d = f16ToF32(src[p]! | (src[p + 1]! << 8));
    const o = b * Q8_0_BLOCK;
    for (let i = 0; i < Q8_0_BLOCK; i++) out[o + i] = d * ((src[p + 2 + i]! << 24) >> 24);
  }
  return out;
}

/** Rounds half away from zero, as C's roundf (which llama.cpp's quantizers use). */
export const roundAway = (v: number): number => (v < 0 ? -Math.round(-v) : Math.round(v));

/** Reference quantizer: d = max|x| / 127, q = round(x / d). */
export function quantizeQ8_0(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q8_0_BLOCK) * Q8_0_BYTES)): Uint8Array {
  for (let b = 0; b < x.length / Q8_0_BLOCK; b++) {
    const o = b * Q8_0_BLOCK;
    let amax = 0;
    for (let i = 0; i < Q8_0_BLOCK; i++) amax = Math.max(amax, Math.abs(x[o + i]!));
    const d = amax / 127;
    const id = d === 0 ? 0 : 1 / d;
    const h = f32ToF16(d);
    const p = b * Q8_0_BYTES;
    out[p] = h & 0xff;
    out[p + 1] = h >>> 8;
    for (let i = 0; i < Q8_0_BLOCK; i++) out[p + 2 + i] = roundAway(x[o + i]! * id) & 0xff;
  }
  return out;
}
