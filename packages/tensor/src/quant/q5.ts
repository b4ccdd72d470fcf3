import { f16ToF32, f32ToF16 } from "../io/half.js";
import { largestMagnitude } from "./q4_0.js";

/**
 * Q5_0 and Q5_1 (ggml-common.h block_q5_0 / block_q5_1): blocks of 32 values with 5-bit quants.
 *   Q5_0, 22 bytes: [0, 2) d: f16 · [2, 6) qh · [6, 22) qs;            value = d · (q − 16)
 *   Q5_1, 24 bytes: [0, 2) d: f16 · [2, 4) m: f16 · [4, 8) qh · [8, 24) qs;  value = d · q + m
 * q = low | high << 4: byte j of qs holds the low 4 bits of value j in its low nibble and of value
 * j + 16 in its high one; qh is a little-endian uint32 whose bit i is the 5th bit of value i.
 * The quantizers are llama.cpp's quantize_row_q5_0_ref / _q5_1_ref, in float32 steps (Math.fround)
 * as C states them; a ggml build that fuses or reassociates them (node-llama-cpp's does) may put a
 * value within a float32 rounding of a step's edge on the other side.
 */
export const Q5_BLOCK = 32;
export const Q5_0_BYTES = 22;
export const Q5_1_BYTES = 24;

const f32 = Math.fround;

/** The 32 quants (0…31) of the block whose qh starts at byte `h` (qs follow it) into q. */
function readQuants(src: Uint8Array, h: number, q: Uint8Array): void {
  const qh = (src[h]! | (src[h + 1]! << 8) | (src[h + 2]! << 16) | (src[h + 3]! << 24)) >>> 0;
  for (let j = 0; j < 16; j++) {
    const b = src[h + 4 + j]!;
    q[j] = (b & 0xf) | (((qh >>> j) & 1) << 4);
    q[j + 16] = (b >> 4) | (((qh >>> (j + 16)) & 1) << 4);
  }
}

/** Writes the 32 quants q (0…31) as qh at byte h and qs after it. */
function writeQuants(out: Uint8Array, h: number, q: Uint8Array): void {
  let qh = 0;
  for (let j = 0; j < 16; j++) {
    out[h + 4 + j] = (q[j]! & 0xf) | ((q[j + 16]! & 0xf) << 4);
    qh |= ((q[j]! >> 4) << j) | ((q[j + 16]! >> 4) << (j + 16));
  }
  for (let k = 0; k < 4; k++) out[h + k] = (qh >>> (8 * k)) & 0xff;
}

const writeF16 = (out: Uint8Array, p: number, x: number): void => {
  const h = f32ToF16(x);
  out[p] = h & 0xff;
  out[p + 1] = h >>> 8;
};
const readF16 = (src: Uint8Array, p: number): number => f16ToF32(src[p]! | (src[p + 1]! << 8));

/** Reference dequantizer: n values (a multiple of 32) from src's n/32 Q5_0 blocks into out. */
export function dequantizeQ5_0(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q5_BLOCK; b++) {
    const p = b * Q5_0_BYTES;
    const d = readF16(src, p);
    readQuants(src, p + 2, q);
    for (let i = 0; i < 32; i++) out[b * Q5_BLOCK + i] = d * (q[i]! - 16);
  }
  return out;
}

/** Reference dequantizer: n values (a multiple of 32) from src's n/32 Q5_1 blocks into out. */
export function dequantizeQ5_1(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q5_BLOCK; b++) {
    const p = b * Q5_1_BYTES;
    const d = readF16(src, p);
    const m = readF16(src, p + 2);
    readQuants(src, p + 4, q);
    for (let i = 0; i < 32; i++) out[b * Q5_BLOCK + i] = d * q[i]! + m;
  }
  return out;
}

/** llama.cpp's quantize_row_q5_0_ref: the value of largest magnitude maps to −16, d = it / −16. */
export function quantizeQ5_0(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q5_BLOCK) * Q5_0_BYTES)): Uint8Array {
  for (let b = 0; b < x.length / Q5_BLOCK; b++) {
    const o = b * Q5_BLOCK;
    const d = f32(largestMagnitude(x, o, Q5_BLOCK) / -16);
    const id = d === 0 ? 0 : f32(1 / d);
    for (let i = 0; i < 32; i++) q[i] = Math.min(31, Math.trunc(f32(f32(x[o + i]! * id) + 16.5)));
    writeF16(out, b * Q5_0_BYTES, d);
    writeQuants(out, b * Q5_0_BYTES + 2, q);
  }
  return out;
}

/** llama.cpp's quantize_row_q5_1_ref: [min, max] onto 0…31, d = (max − min) / 31, m = min. */
export function quantizeQ5_1(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q5_BLOCK) * Q5_1_BYTES)): Uint8Array {
  for (let b = 0; b < x.length / Q5_BLOCK; b++) {
    const o = b * Q5_BLOCK;
    const [min, max] = range(x, o);
    const d = f32((max - min) / 31);
    const id = d === 0 ? 0 : f32(1 / d);
    for (let i = 0; i < 32; i++) q[i] = Math.trunc(f32(f32(f32(x[o + i]! - min) * id) + 0.5)) & 0xff;
    writeF16(out, b * Q5_1_BYTES, d);
    writeF16(out, b * Q5_1_BYTES + 2, min);
    writeQuants(out, b * Q5_1_BYTES + 4, q);
  }
  return out;
}

/** [min, max] of x[o, o + 32). */
export function range(x: Float32Array, o: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < 32; i++) {
    min = Math.min(min, x[o + i]!);
    max = Math.max(max, x[o + i]!);
  }
  return [min, max];
}

// One block's quants (no allocation per block).
const q = new Uint8Array(Q5_BLOCK);
