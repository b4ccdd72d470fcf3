import { f16ToF32, f32ToF16 } from "../io/half.js";
import { makeQkx2Quants, nearestInt, qkx2 } from "./k-search.js";

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
 * ggml-quants.c quantize_row_q2_K_ref: the same bytes. Each 16-value sub-block gets make_qkx2_quants'
 * scale and min (k-search.ts makeQkx2Quants: nmax 3, weights |x|, absolute errors, rmin −0.5,
 * rdelta 0.1, 15 steps); both quantized to 4 bits against the f16 d = max scale / 15 and dmin =
 * max min / 15, and each value re-rounded to its decoded scale and min (a sub-block whose scale is
 * 0 keeps the search's quants, as the C does).
 */
export function quantizeQ2_K(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q2_K_BLOCK) * Q2_K_BYTES)): Uint8Array {
  const scales = new Float32Array(16);
  const mins = new Float32Array(16);
  const weights = new Float32Array(16);
  const laux = new Uint8Array(16);
  const L = new Uint8Array(Q2_K_BLOCK);
  for (let b = 0; b < x.length / Q2_K_BLOCK; b++) {
    const o = b * Q2_K_BLOCK;
    const p = b * Q2_K_BYTES;
    let maxScale = 0;
    let maxMin = 0;
    for (let s = 0; s < 16; s++) {
      for (let l = 0; l < 16; l++) weights[l] = Math.abs(x[o + 16 * s + l]!);
      scales[s] = makeQkx2Quants(16, 3, x, o + 16 * s, weights, L, 16 * s, laux, -0.5, f(0.1), 15, true);
      mins[s] = qkx2.min;
      if (scales[s]! > maxScale) maxScale = scales[s]!;
      if (mins[s]! > maxMin) maxMin = mins[s]!;
    }
    out.fill(0, p, p + Q2_K_BYTES);
    let hd = 0;
    let hm = 0;
    if (maxScale > 0) {
      const iscale = f(15 / maxScale);
      for (let s = 0; s < 16; s++) out[p + s] = nearestInt(f(iscale * scales[s]!)) & 0xff;
      hd = f32ToF16(f(maxScale / 15));
    }
    if (maxMin > 0) {
      const iscale = f(15 / maxMin);
      for (let s = 0; s < 16; s++) out[p + s]! |= (nearestInt(f(iscale * mins[s]!)) << 4) & 0xff;
      hm = f32ToF16(f(maxMin / 15));
    }
    out[p + 80] = hd & 0xff;
    out[p + 81] = hd >>> 8;
    out[p + 82] = hm & 0xff;
    out[p + 83] = hm >>> 8;
    for (let s = 0; s < 16; s++) {
      const d = f(f16ToF32(hd) * (out[p + s]! & 0xf));
      if (!d) continue;
      const dm = f(f16ToF32(hm) * (out[p + s]! >> 4));
      for (let i = 0; i < 16; i++) L[16 * s + i] = Math.max(0, Math.min(3, nearestInt(f(f(x[o + 16 * s + i]! + dm) / d))));
    }
    for (let v = 0; v < Q2_K_BLOCK; v++) out[p + 16 + 32 * (v >> 7) + (v & 31)]! |= L[v]! << (2 * ((v >> 5) & 3));
  }
  return out;
}

const f = Math.fround;
