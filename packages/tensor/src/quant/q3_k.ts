import { f16ToF32, f32ToF16 } from "../io/half.js";
import { makeQ3Quants, nearestInt } from "./k-search.js";

/**
 * Q3_K (ggml-common.h block_q3_K): super-blocks of 256 values, 110 bytes each:
 *   [0, 32)     hmask: the 3rd bit of each quant
 *   [32, 96)    qs: the low 2 bits
 *   [96, 108)   scales: 16 six-bit scales (one per 16 values), packed (scale6)
 *   [108, 110)  d: f16 super-block scale
 * value = d · (sc[s] − 32) · (q − 4) for sub-block s, q = low | high << 2 in 0…7.
 * Value v = 128·n + 32·j + l (half n, 2-bit plane j, l < 32) has its low bits at bits 2j of
 * qs[32n + l] and its high bit at bit 4n + j of hmask[l] (bit v / 32 of byte v mod 32).
 */
export const Q3_K_BLOCK = 256;
export const Q3_K_BYTES = 110;

/**
 * Sub-block s's 6-bit scale from the 12 bytes at q[p …]: its low 4 bits are the low nibble of byte
 * s (s < 8) or the high nibble of byte s − 8; its top 2 bits are bits 2·⌊s/4⌋ of byte 8 + s mod 4.
 */
function scale6(q: Uint8Array, p: number, s: number): number {
  const low = s < 8 ? q[p + s]! & 0xf : q[p + s - 8]! >> 4;
  return low | (((q[p + 8 + (s % 4)]! >> (2 * (s >> 2))) & 3) << 4);
}

/** Reference dequantizer: n values (a multiple of 256) from src's n/256 super-blocks into out. */
export function dequantizeQ3_K(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q3_K_BLOCK; b++) {
    const p = b * Q3_K_BYTES;
    const d = f16ToF32(src[p + 108]! | (src[p + 109]! << 8));
    for (let v = 0; v < Q3_K_BLOCK; v++) {
      const [half, plane, l] = [v >> 7, (v >> 5) & 3, v & 31];
      const low = (src[p + 32 + 32 * half + l]! >> (2 * plane)) & 3;
      const high = (src[p + l]! >> (v >> 5)) & 1;
      out[b * Q3_K_BLOCK + v] = d * (scale6(src, p + 96, v >> 4) - 32) * (low + 4 * high - 4);
    }
  }
  return out;
}

/**
 * ggml-quants.c quantize_row_q3_K_ref: the same bytes. Each 16-value sub-block gets make_q3_quants'
 * scale (k-search.ts makeQ3Quants, nmax 4); d = −(the scale of largest magnitude) / 32 in f16, the
 * scales quantized to 6 bits (sc − 32 in −32…31) against it, and each value re-rounded to its
 * decoded scale (a sub-block whose scale is 0 keeps the search's quants, as the C does).
 */
export function quantizeQ3_K(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q3_K_BLOCK) * Q3_K_BYTES)): Uint8Array {
  const scales = new Float32Array(16);
  const L = new Uint8Array(Q3_K_BLOCK);
  const li = new Int8Array(16);
  for (let b = 0; b < x.length / Q3_K_BLOCK; b++) {
    const o = b * Q3_K_BLOCK;
    const p = b * Q3_K_BYTES;
    let maxScale = 0;
    let amax = 0;
    for (let s = 0; s < 16; s++) {
      scales[s] = makeQ3Quants(16, 4, x, o + 16 * s, L, 16 * s, li);
      if (Math.abs(scales[s]!) > amax) {
        amax = Math.abs(scales[s]!);
        maxScale = scales[s]!;
      }
    }
    out.fill(0, p, p + Q3_K_BYTES);
    let h = 0;
    if (maxScale) {
      const iscale = f(-32 / maxScale);
      for (let s = 0; s < 16; s++) {
        const l = Math.max(-32, Math.min(31, (nearestInt(f(iscale * scales[s]!)) << 24) >> 24)) + 32; // int8_t l = nearest_int(…)
        if (s < 8) out[p + 96 + s]! |= l & 0xf;
        else out[p + 96 + s - 8]! |= (l & 0xf) << 4;
        out[p + 96 + 8 + (s % 4)]! |= (l >> 4) << (2 * (s >> 2));
      }
      h = f32ToF16(f(1 / iscale));
    }
    out[p + 108] = h & 0xff;
    out[p + 109] = h >>> 8;
    for (let s = 0; s < 16; s++) {
      const sc = (s < 8 ? out[p + 96 + s]! & 0xf : out[p + 96 + s - 8]! >> 4) | (((out[p + 104 + (s % 4)]! >> (2 * (s >> 2))) & 3) << 4);
      const d = f(f16ToF32(h) * (sc - 32));
      if (!d) continue;
      for (let i = 0; i < 16; i++) L[16 * s + i] = Math.max(-4, Math.min(3, nearestInt(f(x[o + 16 * s + i]! / d)))) + 4;
    }
    for (let v = 0; v < Q3_K_BLOCK; v++) {
      const [half, plane, l] = [v >> 7, (v >> 5) & 3, v & 31];
      out[p + 32 + 32 * half + l]! |= (L[v]! & 3) << (2 * plane);
      out[p + l]! |= (L[v]! >> 2) << (v >> 5);
    }
  }
  return out;
}

const f = Math.fround;
