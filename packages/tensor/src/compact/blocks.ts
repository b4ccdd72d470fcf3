import { dequantizeQ4_0, quantizeQ4_0, Q4_0_BYTES } from "../quant/q4_0.js";
import { dequantizeQ8_0, quantizeQ8_0, Q8_0_BYTES } from "../quant/q8_0.js";

/**
 * Rows of block-quantized weights as compact.wat reads them, and the per-call activation blocks.
 * The block formats themselves (Q8_0, Q4_0 and GGUF's K-quants: byte layout, reference quantizer
 * and dequantizer) live in src/quant/, their one home; this file adds what a weight matrix needs:
 *
 * A weight matrix W [rows, K] is stored row after row; each row is ⌈K/32⌉ blocks of 32 weights.
 * For K a multiple of 32 this is exactly llama.cpp's (ggml's) layout, so GGUF tensors load as is.
 * For other K (the 32M model's 312- and 1092-wide rows), mini pads the last block of every row
 * with zeros past K: llama.cpp has no such layout (its converter falls back to F16 there).
 *   Q8_0 block, 34 bytes:  d: f16 | q: int8[32]          w[j] = d·q[j]
 *   Q4_0 block, 18 bytes:  d: f16 | nibbles: uint8[16]   w[j] = d·(n[j] − 8), n[j] = byte j low, n[j+16] = byte j high
 *
 * Activations are quantized once per call (compact.wat: quantizeActs16), x[j] ≈ d·q[j] with
 * d = max|x|/127, q = round-half-even(x/d), as two arrays: q int16[M][nb][32] (ACT_Q16, 64 bytes
 * a block: 8-bit values widened once so the products load them as they are) and d f32[M][nb].
 * A new block type (Q4_K, Q6_K) joins in the same style: its format in src/quant/, a padded-row
 * case here, a row-dot in compact.wat and a case in matmul.reference.ts.
 */

/** Weights per block. */
export const QK = 32;

export interface BlockFormat {
  /** ggml's name for it */
  readonly name: string;
  /** bytes per block of QK weights */
  readonly blockBytes: number;
}

export const Q8_0: BlockFormat = { name: "Q8_0", blockBytes: Q8_0_BYTES };
export const Q4_0: BlockFormat = { name: "Q4_0", blockBytes: Q4_0_BYTES };
/** The per-call activation block of quantizeActs16: its 32 q as int16 (the scales d apart, f32 each). */
export const ACT_Q16: BlockFormat = { name: "activation q16", blockBytes: 2 * QK };

/** Blocks in a row of K weights (the last one zero-padded when K is not a multiple of 32). */
export function blocksPerRow(K: number): number {
  return Math.ceil(K / QK);
}

/** The 32 values of block b of row x (zeros past its end). */
function blockValues(x: ArrayLike<number>, k0: number, K: number, into: Float32Array): Float32Array {
  for (let j = 0; j < QK; j++) into[j] = k0 + j < K ? x[k0 + j]! : 0;
  return into;
}

const scratch = new Float32Array(QK);

/**
 * Row x [K] zero-padded to whole blocks: x itself when it is whole blocks already, else a copy in
 * one reused buffer (valid until the next call). A fresh array per row would leave a loaded
 * model's worth of freed native buffers in the process's malloc arena (measured: ~40 MB for the
 * 32M model), which RSS never gives back.
 */
let padBuffer = new Float32Array(0);
function padded(x: ArrayLike<number>, K: number): Float32Array {
  if (K % QK === 0 && x instanceof Float32Array) return x.length === K ? x : x.subarray(0, K);
  const n = blocksPerRow(K) * QK;
  if (padBuffer.length < n) padBuffer = new Float32Array(n);
  const out = padBuffer.subarray(0, n);
  for (let k = 0; k < K; k++) out[k] = x[k]!;
  out.fill(0, K);
  return out;
}

/** Quantizes one row x [K] into Q8_0 blocks at out[offset ...] (⌈K/32⌉·34 bytes). */
export function quantizeRowQ8_0(x: ArrayLike<number>, K: number, out: Uint8Array, offset = 0): void {
  quantizeQ8_0(padded(x, K), out.subarray(offset, offset + blocksPerRow(K) * Q8_0_BYTES));
}

/** Quantizes one row x [K] into Q4_0 blocks at out[offset ...] (⌈K/32⌉·18 bytes). */
export function quantizeRowQ4_0(x: ArrayLike<number>, K: number, out: Uint8Array, offset = 0): void {
  quantizeQ4_0(padded(x, K), out.subarray(offset, offset + blocksPerRow(K) * Q4_0_BYTES));
}

/** The Q8_0 row at w[offset ...] with K weights, dequantized into out [K] at outOffset. */
export function dequantizeRowQ8_0(w: Uint8Array, offset: number, K: number, out: Float32Array, outOffset = 0): void {
  const nb = blocksPerRow(K);
  out.set(dequantizeQ8_0(w.subarray(offset, offset + nb * Q8_0_BYTES), nb * QK).subarray(0, K), outOffset);
}

/** The Q4_0 row at w[offset ...] with K weights, dequantized into out [K] at outOffset. */
export function dequantizeRowQ4_0(w: Uint8Array, offset: number, K: number, out: Float32Array, outOffset = 0): void {
  const nb = blocksPerRow(K);
  out.set(dequantizeQ4_0(w.subarray(offset, offset + nb * Q4_0_BYTES), nb * QK).subarray(0, K), outOffset);
}

/** IEEE round to nearest, ties to even (f32.nearest), as quantizeActs16 rounds. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Reference of compact.wat's quantizeActs16 for one row x [K]: nb activation blocks as
 * { d, sum, q } (d float32, q int8 in [−127, 127], zeros past K).
 */
export function quantizeActRow(x: ArrayLike<number>, K: number): { d: Float32Array; sum: Int32Array; q: Int8Array } {
  const nb = blocksPerRow(K);
  const d = new Float32Array(nb), sum = new Int32Array(nb), q = new Int8Array(nb * QK);
  for (let b = 0; b < nb; b++) {
    const v = blockValues(x, b * QK, K, scratch);
    let amax = 0;
    for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(v[j]!));
    d[b] = Math.fround(amax / 127);
    const id = d[b] !== 0 ? Math.fround(1 / d[b]!) : 0;
    for (let j = 0; j < QK; j++) {
      q[b * QK + j] = roundHalfEven(Math.fround(v[j]! * id));
      sum[b]! += q[b * QK + j]!;
    }
  }
  return { d, sum, q };
}
