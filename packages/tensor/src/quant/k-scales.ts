import { f16ToF32, f32ToF16 } from "../io/half.js";
import { makeQkx2Quants, nearestInt, qkx2 } from "./k-search.js";

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

/**
 * ggml-quants.c quantize_row_q4_K_ref / quantize_row_q5_K_ref's choice of a super-block's scales
 * (no importance matrix): each 32-value sub-block s of x[o, o + 256) gets make_qkx2_quants' scale and
 * min under weights av_x + |x| (av_x: the sub-block's rms), searched over rmin + 0.1·is, is = 0…nstep
 * (Q4_K: nmax 15, rmin −1, 20 steps; Q5_K: nmax 31, rmin −0.5, 15 steps); those are quantized to 6
 * bits (ls[s], lm[s]) against the f16 d = max scale / 63 and dmin = max min / 63, and each value
 * re-rounded to its decoded scale and min into L[0, 256) (a sub-block whose scale rounds to 0 keeps
 * the search's quants, as the C does). Returns the f16 bits of d and dmin.
 */
/** How a Q4_K / Q5_K encoder picks a super-block's scales (chooseKScales, or k-scales-direct.ts's). */
export type KScaleChooser = (x: Float32Array, o: number, nmax: 15 | 31, ls: Uint8Array, lm: Uint8Array, L: Uint8Array) => [number, number];

export function chooseKScales(x: Float32Array, o: number, nmax: 15 | 31, ls: Uint8Array, lm: Uint8Array, L: Uint8Array): [number, number] {
  const rmin = nmax === 15 ? -1 : -0.5;
  const nstep = nmax === 15 ? 20 : 15;
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const xo = o + 32 * j;
    let sumX2 = 0;
    for (let l = 0; l < 32; l++) sumX2 = f(sumX2 + f(x[xo + l]! * x[xo + l]!));
    const avX = f(Math.sqrt(f(sumX2 / 32)));
    for (let l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[xo + l]!);
    scales[j] = makeQkx2Quants(32, nmax, x, xo, weights, L, 32 * j, laux, rmin, f(0.1), nstep);
    mins[j] = qkx2.min;
    if (scales[j]! > maxScale) maxScale = scales[j]!;
    if (mins[j]! > maxMin) maxMin = mins[j]!;
  }
  const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
  for (let j = 0; j < 8; j++) {
    ls[j] = Math.min(63, nearestInt(f(invScale * scales[j]!)) & 0xff); // uint8_t ls = nearest_int(…)
    lm[j] = Math.min(63, nearestInt(f(invMin * mins[j]!)) & 0xff);
  }
  const hd = f32ToF16(f(maxScale / 63));
  const hm = f32ToF16(f(maxMin / 63));
  for (let j = 0; j < 8; j++) {
    const d = f(f16ToF32(hd) * ls[j]!);
    if (!d) continue;
    const dm = f(f16ToF32(hm) * lm[j]!);
    for (let i = 0; i < 32; i++) L[32 * j + i] = Math.max(0, Math.min(nmax, nearestInt(f(f(x[o + 32 * j + i]! + dm) / d))));
  }
  return [hd, hm];
}

const f = Math.fround;
// One super-block's sub-block scales, mins and search scratch (float32, as the C keeps them).
const scales = new Float32Array(8);
const mins = new Float32Array(8);
const weights = new Float32Array(32);
const laux = new Uint8Array(32);
