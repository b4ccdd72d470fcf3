import { f16ToF32, f32ToF16 } from "../io/half.js";
import { range } from "./q5.js";

/**
 * Q4_1 (ggml-common.h block_q4_1): blocks of 32 values, 20 bytes each:
 *   [0, 2)   d: f16 scale
 *   [2, 4)   m: f16 min
 *   [4, 20)  qs: 16 bytes; byte j holds value j in its low nibble and value j + 16 in its high one
 * value = d · nibble + m
 */
export const Q4_1_BLOCK = 32;
export const Q4_1_BYTES = 20;

const f32 = Math.fround;

/** Reference dequantizer: n values (a multiple of 32) from src's n/32 blocks into out. */
export function dequantizeQ4_1(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q4_1_BLOCK; b++) {
    const p = b * Q4_1_BYTES;
    const d = f16ToF32(src[p]! | (src[p + 1]! << 8));
    const m = f16ToF32(src[p + 2]! | (src[p + 3]! << 8));
    const o = b * Q4_1_BLOCK;
    for (let j = 0; j < 16; j++) {
      const q = src[p + 4 + j]!;
      out[o + j] = d * (q & 0xf) + m;
      out[o + j + 16] = d * (q >> 4) + m;
    }
  }
  return out;
}

/** llama.cpp's quantize_row_q4_1_ref, in float32 steps: [min, max] onto 0…15, d = (max − min) / 15, m = min. */
export function quantizeQ4_1(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q4_1_BLOCK) * Q4_1_BYTES)): Uint8Array {
  for (let b = 0; b < x.length / Q4_1_BLOCK; b++) {
    const o = b * Q4_1_BLOCK;
    const p = b * Q4_1_BYTES;
    const [min, max] = range(x, o);
    const d = f32((max - min) / 15);
    const id = d === 0 ? 0 : f32(1 / d);
    const hd = f32ToF16(d);
    const hm = f32ToF16(min);
    out[p] = hd & 0xff;
    out[p + 1] = hd >>> 8;
    out[p + 2] = hm & 0xff;
    out[p + 3] = hm >>> 8;
    const nibble = (v: number): number => Math.min(15, Math.trunc(f32(f32(f32(v - min) * id) + 0.5)));
    for (let j = 0; j < 16; j++) out[p + 4 + j] = nibble(x[o + j]!) | (nibble(x[o + j + 16]!) << 4);
  }
  return out;
}
