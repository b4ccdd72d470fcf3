import { f16ToF32, f32ToF16 } from "../io/half.js";
import { roundAway } from "./q8_0.js";

/**
 * The 12-byte scale packing Q4_K and Q5_K share (ggml-quants.c get_scale_min_k4): 8 six-bit
 * sub-block scales and 8 six-bit mins. For s < 4, scale s is the low 6 bits of byte s and min s the
 * low 6 bits of byte s + 4; for s ≥ 4, byte s + 4 holds scale s in its low nibble and min s in its
 * high nibble, and their top 2 bits are the top 2 bits of bytes s − 4 (scale) and s (min).
 */
export function scaleMinK4(q: Uint8Array, p: number, s: number): [number, number] {
  if (s < 4) return [q[p + s]! & 63, q[p + s + 4]! & 63];
  return [(q[p + s + 4]! & 0xf) | ((q[p + s - 4]! >> 6) << 4), (q[p + s + 4]! >> 4) | ((q[p + s]! >> 6) << 4)];
}

/** Writes the 8 scales ls and 8 mins lm (each 0…63) at out[p, p + 12) in scaleMinK4's packing. */
export function writeScaleMinK4(out: Uint8Array, p: number, ls: Uint8Array, lm: Uint8Array): void {
  out.fill(0, p, p + 12);
  for (let s = 0; s < 8; s++) {
    if (s < 4) {
      out[p + s]! |= ls[s]!;
      out[p + s + 4]! |= lm[s]!;
    } else {
      out[p + s + 4] = (ls[s]! & 0xf) | ((lm[s]! & 0xf) << 4);
      out[p + s - 4]! |= (ls[s]! >> 4) << 6;
      out[p + s]! |= (lm[s]! >> 4) << 6;
    }
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * A simple choice of a Q4_K / Q5_K super-block's scales (not llama.cpp's iterative
 * make_qkx2_quants, so its error is somewhat larger, but exact blocks): each 32-value sub-block s of
 * x[o, o + 256) maps [min(0, x), max(x)] onto 0…nmax, its scale and min quantized to 6 bits (ls[s],
 * lm[s]) against the f16 super-block scales d and dmin returned. L[o'] gets each value's quant.
 */
export function chooseKScales(x: Float32Array, o: number, nmax: number, ls: Uint8Array, lm: Uint8Array, L: Uint8Array): [number, number] {
  for (let s = 0; s < 8; s++) {
    let lo = 0;
    let hi = -Infinity;
    for (let i = 0; i < 32; i++) {
      const v = x[o + s * 32 + i]!;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    scale[s] = (hi - lo) / nmax;
    min[s] = -lo;
  }
  const d = f16ToF32(f32ToF16(Math.max(...scale) / 63));
  const dmin = f16ToF32(f32ToF16(Math.max(...min) / 63));
  for (let s = 0; s < 8; s++) {
    ls[s] = d === 0 ? 0 : clamp(roundAway(scale[s]! / d), 0, 63);
    lm[s] = dmin === 0 ? 0 : clamp(roundAway(min[s]! / dmin), 0, 63);
    const dl = d * ls[s]!;
    for (let i = 0; i < 32; i++) L[s * 32 + i] = dl === 0 ? 0 : clamp(roundAway((x[o + s * 32 + i]! + dmin * lm[s]!) / dl), 0, nmax);
  }
  return [d, dmin];
}

// One super-block's sub-block scales and mins before quantization (f32, as the first Q4_K quantizer kept them).
const scale = new Float32Array(8);
const min = new Float32Array(8);
