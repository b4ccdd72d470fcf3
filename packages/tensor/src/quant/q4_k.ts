import { f16ToF32 } from "../io/half.js";
import { chooseKScales, scaleMinK4, writeScaleMinK4, type KScaleChooser } from "./k-scales.js";

/**
 * Q4_K (ggml-common.h block_q4_K): super-blocks of 256 values, 144 bytes each:
 *   [0, 2)     d: f16, the scale of the sub-block scales
 *   [2, 4)     dmin: f16, the scale of the sub-block mins
 *   [4, 16)    scales: 8 six-bit scales and 8 six-bit mins, packed (k-scales.ts scaleMinK4)
 *   [16, 144)  qs: 128 bytes of 4-bit quants
 * Sub-block s (32 values) has scale d·sc[s] and min dmin·m[s]: value = d·sc[s]·q − dmin·m[s].
 * The quants go in 4 chunks of 64 values: byte c·32 + l holds value c·64 + l in its low nibble
 * and value c·64 + 32 + l in its high nibble (so sub-blocks 2c and 2c + 1 share 32 bytes).
 */
export const Q4_K_BLOCK = 256;
export const Q4_K_BYTES = 144;

/** Reference dequantizer: n values (a multiple of 256) from src's n/256 super-blocks into out. */
export function dequantizeQ4_K(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q4_K_BLOCK; b++) {
    const p = b * Q4_K_BYTES;
    const d = f16ToF32(src[p]! | (src[p + 1]! << 8));
    const dmin = f16ToF32(src[p + 2]! | (src[p + 3]! << 8));
    for (let c = 0; c < 4; c++) {
      const [sc0, m0] = scaleMinK4(src, p + 4, 2 * c);
      const [sc1, m1] = scaleMinK4(src, p + 4, 2 * c + 1);
      const o = b * Q4_K_BLOCK + c * 64;
      const qs = p + 16 + c * 32;
      for (let l = 0; l < 32; l++) {
        const q = src[qs + l]!;
        out[o + l] = d * sc0 * (q & 0xf) - dmin * m0;
        out[o + 32 + l] = d * sc1 * (q >> 4) - dmin * m1;
      }
    }
  }
  return out;
}

/**
 * Super-block b's integers (what the kernels multiply exactly): ints[k] = sc[s]·q for its 256
 * values (s = k / 32, ≤ 63·15) and mins[s] = m[s], so value k = d·ints[k] − dmin·mins[k / 32].
 */
export function integersQ4_K(src: Uint8Array, b: number, ints: Int32Array, mins: Int32Array): void {
  const p = b * Q4_K_BYTES;
  for (let c = 0; c < 4; c++) {
    const [sc0, m0] = scaleMinK4(src, p + 4, 2 * c);
    const [sc1, m1] = scaleMinK4(src, p + 4, 2 * c + 1);
    mins[2 * c] = m0;
    mins[2 * c + 1] = m1;
    for (let l = 0; l < 32; l++) {
      const q = src[p + 16 + c * 32 + l]!;
      ints[c * 64 + l] = sc0 * (q & 0xf);
      ints[c * 64 + 32 + l] = sc1 * (q >> 4);
    }
  }
}

/**
 * ggml-quants.c quantize_row_q4_K_ref: the same bytes (scales from k-scales.ts chooseKScales,
 * make_qkx2_quants). `choose`: another scale choice (load-time conversion passes
 * k-scales-direct.ts's, ~10× faster and not ggml's bytes).
 */
export function quantizeQ4_K(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q4_K_BLOCK) * Q4_K_BYTES), choose: KScaleChooser = chooseKScales): Uint8Array {
  const ls = new Uint8Array(8);
  const lm = new Uint8Array(8);
  const L = new Uint8Array(Q4_K_BLOCK);
  for (let b = 0; b < x.length / Q4_K_BLOCK; b++) {
    const [hd, hm] = choose(x, b * Q4_K_BLOCK, 15, ls, lm, L);
    const p = b * Q4_K_BYTES;
    out[p] = hd & 0xff;
    out[p + 1] = hd >>> 8;
    out[p + 2] = hm & 0xff;
    out[p + 3] = hm >>> 8;
    writeScaleMinK4(out, p + 4, ls, lm);
    for (let c = 0; c < 4; c++) {
      for (let l = 0; l < 32; l++) out[p + 16 + c * 32 + l] = L[c * 64 + l]! | (L[c * 64 + 32 + l]! << 4);
    }
  }
  return out;
}
