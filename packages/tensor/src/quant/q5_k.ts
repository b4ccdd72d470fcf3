import { f16ToF32 } from "../io/half.js";
import { chooseKScales, scaleMinK4, writeScaleMinK4, type KScaleChooser } from "./k-scales.js";

/**
 * Q5_K (ggml-common.h block_q5_K): super-blocks of 256 values, 176 bytes each:
 *   [0, 2)     d: f16, the scale of the sub-block scales
 *   [2, 4)     dmin: f16, the scale of the sub-block mins
 *   [4, 16)    scales: 8 six-bit scales and 8 six-bit mins, packed as Q4_K's (k-scales.ts scaleMinK4)
 *   [16, 48)   qh: the 5th bit of each quant
 *   [48, 176)  qs: the low 4 bits
 * value = d·sc[s]·q − dmin·m[s] for sub-block s (32 values), q = low | high << 4 in 0…31.
 * Chunk c (64 values, sub-blocks 2c and 2c + 1): byte 48 + c·32 + l holds the low bits of value
 * c·64 + l (low nibble) and c·64 + 32 + l (high nibble); their 5th bits are bits 2c and 2c + 1 of qh[l].
 */
export const Q5_K_BLOCK = 256;
export const Q5_K_BYTES = 176;

/** Reference dequantizer: n values (a multiple of 256) from src's n/256 super-blocks into out. */
export function dequantizeQ5_K(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q5_K_BLOCK; b++) {
    const p = b * Q5_K_BYTES;
    const d = f16ToF32(src[p]! | (src[p + 1]! << 8));
    const dmin = f16ToF32(src[p + 2]! | (src[p + 3]! << 8));
    for (let c = 0; c < 4; c++) {
      const [sc0, m0] = scaleMinK4(src, p + 4, 2 * c);
      const [sc1, m1] = scaleMinK4(src, p + 4, 2 * c + 1);
      const o = b * Q5_K_BLOCK + c * 64;
      for (let l = 0; l < 32; l++) {
        const low = src[p + 48 + c * 32 + l]!;
        const high = src[p + 16 + l]!;
        out[o + l] = d * sc0 * ((low & 0xf) | (((high >> (2 * c)) & 1) << 4)) - dmin * m0;
        out[o + 32 + l] = d * sc1 * ((low >> 4) | (((high >> (2 * c + 1)) & 1) << 4)) - dmin * m1;
      }
    }
  }
  return out;
}

/**
 * Super-block b's integers (what the kernels multiply exactly), as integersQ4_K's: ints[k] = sc[s]·q
 * for its 256 values (s = k / 32, q the 5-bit quant, ≤ 63·31) and mins[s] = m[s], so value k =
 * d·ints[k] − dmin·mins[k / 32].
 */
export function integersQ5_K(src: Uint8Array, b: number, ints: Int32Array, mins: Int32Array): void {
  const p = b * Q5_K_BYTES;
  for (let c = 0; c < 4; c++) {
    const [sc0, m0] = scaleMinK4(src, p + 4, 2 * c);
    const [sc1, m1] = scaleMinK4(src, p + 4, 2 * c + 1);
    mins[2 * c] = m0;
    mins[2 * c + 1] = m1;
    for (let l = 0; l < 32; l++) {
      const low = src[p + 48 + c * 32 + l]!, high = src[p + 16 + l]!;
      ints[c * 64 + l] = sc0 * ((low & 0xf) | (((high >> (2 * c)) & 1) << 4));
      ints[c * 64 + 32 + l] = sc1 * ((low >> 4) | (((high >> (2 * c + 1)) & 1) << 4));
    }
  }
}

/**
 * ggml-quants.c quantize_row_q5_K_ref: the same bytes (scales from k-scales.ts chooseKScales,
 * make_qkx2_quants). `choose`: another scale choice (load-time conversion passes
 * k-scales-direct.ts's, ~10× faster and not ggml's bytes).
 */
export function quantizeQ5_K(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q5_K_BLOCK) * Q5_K_BYTES), choose: KScaleChooser = chooseKScales): Uint8Array {
  const ls = new Uint8Array(8);
  const lm = new Uint8Array(8);
  const L = new Uint8Array(Q5_K_BLOCK);
  for (let b = 0; b < x.length / Q5_K_BLOCK; b++) {
    const [hd, hm] = choose(x, b * Q5_K_BLOCK, 31, ls, lm, L);
    const p = b * Q5_K_BYTES;
    out[p] = hd & 0xff;
    out[p + 1] = hd >>> 8;
    out[p + 2] = hm & 0xff;
    out[p + 3] = hm >>> 8;
    writeScaleMinK4(out, p + 4, ls, lm);
    out.fill(0, p + 16, p + 48);
    for (let c = 0; c < 4; c++) {
      for (let l = 0; l < 32; l++) {
        const q0 = L[c * 64 + l]!;
        const q1 = L[c * 64 + 32 + l]!;
        out[p + 48 + c * 32 + l] = (q0 & 0xf) | ((q1 & 0xf) << 4);
        out[p + 16 + l]! |= ((q0 >> 4) << (2 * c)) | ((q1 >> 4) << (2 * c + 1));
      }
    }
  }
  return out;
}
