import { chooseKScalesDirect } from "../quant/k-scales-direct.js";
import { dequantizeQ4_K, quantizeQ4_K, Q4_K_BLOCK, Q4_K_BYTES } from "../quant/q4_k.js";
import { dequantizeQ5_K, quantizeQ5_K, Q5_K_BYTES } from "../quant/q5_k.js";
import { dequantizeQ6_K, quantizeQ6_K, Q6_K_BYTES } from "../quant/q6_k.js";
import { roundHalfEven } from "./blocks.js";

/**
 * Rows of llama.cpp's K-quants (Q4_K, Q5_K, Q6_K) as a weight matrix keeps them: each row is K/256
 * super-blocks exactly as in a GGUF file (the formats, reference quantizers and dequantizers live
 * in src/quant/q4_k.ts, q5_k.ts and q6_k.ts). Unlike q8_0 / q4_0 (32-wide blocks, the last one zero-padded),
 * a row here must be whole super-blocks: padding a 64- or 312-wide row to 256 would hold more bytes
 * than f16, so such a row is refused (KQuantRowError) and q8_0 / q4_0 are the dtypes for it.
 * The product (kquant.wat) quantizes the activations per call into one 8-bit block per super-block
 * (like llama.cpp's Q8_K), ACT_Q8K_BYTES = 276 bytes:
 *   q: int8[256] @0 | d: f32 @256 | Σq of each 32: int16[8] @260     x[j] ≈ d·q[j], d = max|x|/127
 */

export type KQuantDtype = "q4_k" | "q5_k" | "q6_k";

/** Weights per super-block. */
export const SUPER_BLOCK = Q4_K_BLOCK;

/** Bytes per super-block of each K-quant dtype. */
export const KQUANT_BYTES: Readonly<Record<KQuantDtype, number>> = { q4_k: Q4_K_BYTES, q5_k: Q5_K_BYTES, q6_k: Q6_K_BYTES };

export function isKQuant(dtype: string): dtype is KQuantDtype {
  return dtype === "q4_k" || dtype === "q5_k" || dtype === "q6_k";
}

/** A row length a K-quant cannot hold; `what` names the tensor (or option) it came from. */
export class KQuantRowError extends RangeError {
  constructor(what: string, dtype: KQuantDtype, K: number) {
    super(`${what}: ${dtype} needs rows of whole ${SUPER_BLOCK}-weight super-blocks, got rows of ${K} weights (q8_0 and q4_0 take any row length)`);
    this.name = "KQuantRowError";
  }
}

/** Throws KQuantRowError unless K is a positive multiple of 256. */
export function checkKQuantRow(dtype: KQuantDtype, K: number, what = "weight"): void {
  if (!(K > 0 && K % SUPER_BLOCK === 0)) throw new KQuantRowError(what, dtype, K);
}

/**
 * Quantizes one row x [K] (K a multiple of 256) into out[offset …], as weights are converted at
 * load: q4_k / q5_k with the direct scale choice (quant/k-scales-direct.ts: ggml's search would take
 * minutes per billion weights), q6_k with ggml's quantize_row_q6_K_ref (~6× q8_0's time).
 */
export function quantizeKQuantRow(dtype: KQuantDtype, x: ArrayLike<number>, K: number, out: Uint8Array, offset = 0): void {
  const row = x instanceof Float32Array ? x.subarray(0, K) : Float32Array.from({ length: K }, (_, k) => x[k]!);
  const n = (K / SUPER_BLOCK) * KQUANT_BYTES[dtype];
  const dst = out.subarray(offset, offset + n);
  if (dtype === "q4_k") quantizeQ4_K(row, dst, chooseKScalesDirect);
  else if (dtype === "q5_k") quantizeQ5_K(row, dst, chooseKScalesDirect);
  else quantizeQ6_K(row, dst);
}

/** The row at w[offset …] with K weights, dequantized by the reference dequantizer into out [K] at outOffset. */
export function dequantizeKQuantRow(dtype: KQuantDtype, w: Uint8Array, offset: number, K: number, out: Float32Array, outOffset = 0): void {
  const n = (K / SUPER_BLOCK) * KQUANT_BYTES[dtype];
  const src = w.subarray(offset, offset + n);
  const dst = out.subarray(outOffset, outOffset + K);
  if (dtype === "q4_k") dequantizeQ4_K(src, K, dst);
  else if (dtype === "q5_k") dequantizeQ5_K(src, K, dst);
  else dequantizeQ6_K(src, K, dst);
}

/** Bytes of one activation block (256 values). */
export const ACT_Q8K_BYTES = 256 + 4 + 2 * 8;

/**
 * Reference of kquant.wat's quantizeActsK for one row x [K] (K a multiple of 256): K/256 blocks as
 * { d, q } (d float32, q int8 in [−127, 127]), by the same float32 steps as the kernel.
 */
export function quantizeActRowK(x: ArrayLike<number>, K: number): { d: Float32Array; q: Int8Array } {
  const nsb = K / SUPER_BLOCK;
  const d = new Float32Array(nsb), q = new Int8Array(K);
  for (let b = 0; b < nsb; b++) {
    let amax = 0;
    for (let j = 0; j < SUPER_BLOCK; j++) amax = Math.max(amax, Math.abs(x[b * SUPER_BLOCK + j]!));
    d[b] = Math.fround(amax / 127);
    const id = d[b] !== 0 ? Math.fround(1 / d[b]!) : 0;
    for (let j = 0; j < SUPER_BLOCK; j++) q[b * SUPER_BLOCK + j] = roundHalfEven(Math.fround(x[b * SUPER_BLOCK + j]! * id));
  }
  return { d, q };
}
