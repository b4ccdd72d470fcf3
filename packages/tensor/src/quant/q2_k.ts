import { f16ToF32, f32ToF16 } from "../io/half.js";
import { roundAway } from "./q8_0.js";

/**
 * Q2_K (ggml-common.h block_q2_K): super-blocks of 256 values, 84 bytes each:
 *   [0, 16)   scales: per 16-value sub-block s, a 4-bit scale (low nibble) and 4-bit min (high)
 *   [16, 80)  qs: 2-bit quants
 *   [80, 82)  d: f16, the scale of the sub-block scales
 *   [82, 84)  dmin: f16, the scale of the sub-block mins
 * value = d · (scales[s] & 15) · q − dmin · (scales[s] >> 4), q in 0…3. Value v = 128·n + 32·j + l
 * (half n, 2-bit plane j, l < 32) is bits 2j of qs[32n + l] (Q3_K's low-bit layout).
 */
export const Q2_K_BLOCK = 256;
export const Q2_K_BYTES = 84;

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Reference dequantizer: n values (a multiple of 256) from src's n/256 super-blocks into out. */
export function dequantizeQ2_K(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q2_K_BLOCK; b++) {
    const p = b * Q2_K_BYTES;
    const d = f16ToF32(src[p + 80]! | (src[p + 81]! << 8));
    const dmin = f16ToF32(src[p + 82]! | (src[p + 83]! << 8));
    for (let v = 0; v < Q2_K_BLOCK; v++) {
      const [half, plane, l] = [v >> 7, (v >> 5) & 3, v & 31];
      const q = (src[p + 16 + 32 * half + l]! >> (2 * plane)) & 3;
      const sc = src[p + (v >> 4)]!;
      out[b * Q2_K_BLOCK + v] = d * (sc & 0xf) * q - dmin * (sc >> 4);
    }
  }
  return out;
}

/**
 * A simple quantizer (not llama.cpp's make_qkx2_quants search, so its error is larger, but the
 * blocks are exact Q2_K): each sub-block maps [min(0, x), max(x)] onto 0…3, its scale and min
 * quantized to 4 bits against the f16 d and dmin.
 */
export function quantizeQ2_K(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q2_K_BLOCK) * Q2_K_BYTES)): Uint8Array {
  const scale = new Float32Array(16);
  const min = new Float32Array(16);
  for (let b = 0; b < x.length / Q2_K_BLOCK; b++) {
    const o = b * Q2_K_BLOCK;
    const p = b * Q2_K_BYTES;
    for (let s = 0; s < 16; s++) {
      let lo = 0;
      let hi = -Infinity;
      for (let i = 0; i < 16; i++) {
        lo = Math.min(lo, x[o + 16 * s + i]!);
        hi = Math.max(hi, x[o + 16 * s + i]!);
      }
      scale[s] = (hi - lo) / 3;
      min[s] = -lo;
    }
    const hd = f32ToF16(Math.max(...scale) / 15);
    const hm = f32ToF16(Math.max(...min) / 15);
    const [d, dmin] = [f16ToF32(hd), f16ToF32(hm)];
    out.fill(0, p, p + Q2_K_BYTES);
    out[p + 80] = hd & 0xff;
    out[p + 81] = hd >>> 8;
    out[p + 82] = hm & 0xff;
    out[p + 83] = hm >>> 8;
    for (let s = 0; s < 16; s++) {
      const ls = d === 0 ? 0 : clamp(roundAway(scale[s]! / d), 0, 15);
      const lm = dmin === 0 ? 0 : clamp(roundAway(min[s]! / dmin), 0, 15);
      out[p + s] = ls | (lm << 4);
      const dl = d * ls;
      for (let i = 0; i < 16; i++) {
        const v = 16 * s + i;
        const q = dl === 0 ? 0 : clamp(roundAway((x[o + v]! + dmin * lm) / dl), 0, 3);
        out[p + 16 + 32 * (v >> 7) + (v & 31)]! |= q << (2 * ((v >> 5) & 3));
      }
    }
  }
  return out;
}
