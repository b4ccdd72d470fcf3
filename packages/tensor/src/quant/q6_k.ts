import { f16ToF32, f32ToF16 } from "../io/half.js";
import { GROUP_MAX_EPS, makeQxQuants, nearestInt } from "./k-search.js";

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

const f = Math.fround;

/**
 * ggml-quants.c quantize_row_q6_K_ref: the same bytes. Each 16-value sub-block gets make_qx_quants'
 * scale (k-search.ts makeQxQuants, nmax 32, weights x²); d = −(the scale of largest magnitude) / 128
 * in f16, the scales quantized to int8 against it, and each value re-rounded to its decoded scale (a
 * sub-block whose int8 scale is 0 keeps the search's quants, as the C does). A super-block whose
 * scales are all below GROUP_MAX_EPS is written as zeros.
 */
export function quantizeQ6_K(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q6_K_BLOCK) * Q6_K_BYTES)): Uint8Array {
  const scales = new Float32Array(16);
  const L = new Uint8Array(256);
  for (let b = 0; b < x.length / Q6_K_BLOCK; b++) {
    const o = b * Q6_K_BLOCK;
    const p = b * Q6_K_BYTES;
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let s = 0; s < 16; s++) {
      scales[s] = makeQxQuants(16, 32, x, o + 16 * s, L, 16 * s);
      const abs = Math.abs(scales[s]!);
      if (abs > maxAbsScale) {
        maxAbsScale = abs;
        maxScale = scales[s]!;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) {
      out.fill(0, p, p + Q6_K_BYTES);
      continue;
    }
    const iscale = f(-128 / maxScale);
    const hd = f32ToF16(f(1 / iscale));
    for (let s = 0; s < 16; s++) out[p + 192 + s] = Math.min(127, nearestInt(f(iscale * scales[s]!))) & 0xff;
    for (let s = 0; s < 16; s++) {
      const d = f(f16ToF32(hd) * ((out[p + 192 + s]! << 24) >> 24));
      if (!d) continue;
      for (let i = 0; i < 16; i++) L[s * 16 + i] = Math.max(-32, Math.min(31, nearestInt(f(x[o + s * 16 + i]! / d)))) + 32;
    }
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
