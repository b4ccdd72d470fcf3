import { f32ToF16, f16ToF32 } from "../io/half.js";
import { roundAway } from "./q8_0.js";

/**
 * A direct choice of a Q4_K / Q5_K super-block's scales, for converting weights at load: each
 * 32-value sub-block s of x[o, o + 256) maps [min(0, x), max(x)] onto 0…nmax, its scale and min
 * quantized to 6 bits (ls[s], lm[s]) against the f16 super-block scales d = max scale / 63 and
 * dmin = max min / 63 (returned as f16 bits); L[0, 256) gets each value's quant. The blocks are
 * exact Q4_K / Q5_K, but not ggml's: its search (k-scales.ts chooseKScales, make_qkx2_quants) lands
 * ~12 % closer to the weights and costs ~10× the time (0.6 s per million weights in JS: ten minutes
 * for a 1B model at every load). The GGUF writer and `quantize("Q4_K")` run the search.
 */
export function chooseKScalesDirect(x: Float32Array, o: number, nmax: 15 | 31, ls: Uint8Array, lm: Uint8Array, L: Uint8Array): [number, number] {
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
  const hd = f32ToF16(Math.max(...scale) / 63);
  const hm = f32ToF16(Math.max(...min) / 63);
  const d = f16ToF32(hd);
  const dmin = f16ToF32(hm);
  for (let s = 0; s < 8; s++) {
    ls[s] = d === 0 ? 0 : clamp(roundAway(scale[s]! / d), 0, 63);
    lm[s] = dmin === 0 ? 0 : clamp(roundAway(min[s]! / dmin), 0, 63);
    const dl = d * ls[s]!;
    for (let i = 0; i < 32; i++) L[s * 32 + i] = dl === 0 ? 0 : clamp(roundAway((x[o + s * 32 + i]! + dmin * lm[s]!) / dl), 0, nmax);
  }
  return [hd, hm];
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

// One super-block's sub-block scales and mins before quantization (float32).
const scale = new Float32Array(8);
const min = new Float32Array(8);
