import { f16ToF32, f32ToF16 } from "../io/half.js";
import { roundAway } from "./q8_0.js";

/**
 * Q6_K (ggml-common.h block_q6_K): super-blocks of 256 values, 210 bytes each:
 *   [0, 128)    ql: low 4 bits of the quants
 *   [128, 192)  qh: high 2 bits of the quants
 *   [192, 208)  scales: 16 × int8, one per sub-block of 16 values
 *   [208, 210)  d: f16 super-block scale
 * value = d · scales[s] · (q − 32), q in 0…63.
 * Each half h (128 values) uses ql[64h …+64] and qh[32h …+32]; for l < 32 the four values
 * l, l+32, l+64, l+96 of the half take the low/low/high/high nibbles of ql[l], ql[l+32], ql[l], ql[l+32]
 * and bits 0-1, 2-3, 4-5, 6-7 of qh[l].
 */
export const Q6_K_BLOCK = 256;
export const Q6_K_BYTES = 210;

/** Reference dequantizer: n values (a multiple of 256) from src's n/256 super-blocks into out. */
export function dequantizeQ6_K(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q6_K_BLOCK; b++) {
    const p = b * Q6_K_BYTES;
    const d = f16ToF32(src[p + 208]! | (src[p + 209]! << 8));
    for (let h = 0; h < 2; h++) {
      const ql = p + h * 64;
      const qh = p + 128 + h * 32;
      const sc = p + 192 + h * 8;
      const o = b * Q6_K_BLOCK + h * 128;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const hb = src[qh + l]!;
        const q1 = ((src[ql + l]! & 0xf) | ((hb & 3) << 4)) - 32;
        const q2 = ((src[ql + l + 32]! & 0xf) | (((hb >> 2) & 3) << 4)) - 32;
        const q3 = ((src[ql + l]! >> 4) | (((hb >> 4) & 3) << 4)) - 32;
        const q4 = ((src[ql + l + 32]! >> 4) | (((hb >> 6) & 3) << 4)) - 32;
        out[o + l] = d * ((src[sc + is]! << 24) >> 24) * q1;
        out[o + l + 32] = d * ((src[sc + is + 2]! << 24) >> 24) * q2;
        out[o + l + 64] = d * ((src[sc + is + 4]! << 24) >> 24) * q3;
        out[o + l + 96] = d * ((src[sc + is + 6]! << 24) >> 24) * q4;
      }
    }
  }
  return out;
}

/** Super-block b's integers (what the kernels multiply exactly): ints[k] = scales[k / 16]·(q − 32), so value k = d·ints[k]. */
export function integersQ6_K(src: Uint8Array, b: number, ints: Int32Array): void {
  const p = b * Q6_K_BYTES;
  for (let h = 0; h < 2; h++) {
    const ql = p + h * 64, qh = p + 128 + h * 32, sc = p + 192 + h * 8, o = h * 128;
    for (let l = 0; l < 32; l++) {
      const is = l >> 4, hb = src[qh + l]!;
      ints[o + l] = ((src[sc + is]! << 24) >> 24) * (((src[ql + l]! & 0xf) | ((hb & 3) << 4)) - 32);
      ints[o + l + 32] = ((src[sc + is + 2]! << 24) >> 24) * (((src[ql + l + 32]! & 0xf) | (((hb >> 2) & 3) << 4)) - 32);
      ints[o + l + 64] = ((src[sc + is + 4]! << 24) >> 24) * (((src[ql + l]! >> 4) | (((hb >> 4) & 3) << 4)) - 32);
      ints[o + l + 96] = ((src[sc + is + 6]! << 24) >> 24) * (((src[ql + l + 32]! >> 4) | (((hb >> 6) & 3) << 4)) - 32);
    }
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * A simple quantizer (not llama.cpp's make_qx_quants search, so its error is somewhat larger, but
 * the blocks are exact Q6_K): sub-block scale max|x| / 31, then the scales quantized to int8 by d.
 */
export function quantizeQ6_K(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q6_K_BLOCK) * Q6_K_BYTES)): Uint8Array {
  const scale = new Float32Array(16);
  const L = new Uint8Array(256);
  for (let b = 0; b < x.length / Q6_K_BLOCK; b++) {
    const o = b * Q6_K_BLOCK;
    let smax = 0;
    for (let s = 0; s < 16; s++) {
      let amax = 0;
      for (let i = 0; i < 16; i++) amax = Math.max(amax, Math.abs(x[o + s * 16 + i]!));
      scale[s] = amax / 31;
      smax = Math.max(smax, scale[s]!);
    }
    const d = f16ToF32(f32ToF16(smax / 127));
    const p = b * Q6_K_BYTES;
    for (let s = 0; s < 16; s++) {
      const sc = d === 0 ? 0 : clamp(roundAway(scale[s]! / d), -128, 127);
      out[p + 192 + s] = sc & 0xff;
      const dl = d * sc;
      for (let i = 0; i < 16; i++) L[s * 16 + i] = dl === 0 ? 32 : clamp(roundAway(x[o + s * 16 + i]! / dl), -32, 31) + 32;
    }
    const hd = f32ToF16(d);
    out[p + 208] = hd & 0xff;
    out[p + 209] = hd >>> 8;
    for (let h = 0; h < 2; h++) {
      const ql = p + h * 64;
      const qh = p + 128 + h * 32;
      const v = h * 128;
      for (let l = 0; l < 32; l++) {
        out[ql + l] = (L[v + l]! & 0xf) | ((L[v + l + 64]! & 0xf) << 4);
        out[ql + l + 32] = (L[v + l + 32]! & 0xf) | ((L[v + l + 96]! & 0xf) << 4);
        out[qh + l] = (L[v + l]! >> 4) | ((L[v + l + 32]! >> 4) << 2) | ((L[v + l + 64]! >> 4) << 4) | ((L[v + l + 96]! >> 4) << 6);
      }
    }
  }
  return out;
}
