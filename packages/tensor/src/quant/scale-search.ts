import { f16ToF32, f32ToF16 } from "../io/half.js";

/**
 * The scale of a symmetric block (Q4_0: value = d · q, d one f16, q an integer in [qmin, qmax])
 * chosen to minimise the block's error. The format fixes how a block is decoded, not how d is
 * chosen: llama.cpp's reference quantizer takes d = max / qmin (the value of largest magnitude lands
 * exactly on qmin), which wastes levels when the other values sit between them. As ggml's
 * make_qx_quants does, this tries scales that put that value on qmin − 0.1·k (k = −9..9), refits each
 * by weighted least squares on the integers it gives (d = Σw·x·q / Σw·q²), rounds d to f16 and
 * re-rounds the integers to it (for a fixed d, clamp(round(x/d)) is the best q).
 *
 * The error minimised is Σ x²·(x − d·q)² (weights x², make_qx_quants' rmse_type 1: large weights
 * matter most to a product; on the story model it beat the plain Σ (x − d·q)² on perplexity), among
 * the scales whose plain squared error is no larger than the reference encoding's, so the search
 * never loses on either measure, block by block. Errors are measured as decoding computes them
 * (f16 d times q).
 */

/** How many scales around the plain one are tried on each side (steps of 0.1 of a level). */
const STEPS = 9;

export interface BlockError {
  /** Σ (x − y)² */
  squared: number;
  /** Σ x²·(x − y)² */
  weighted: number;
}

/** The errors of y against x over x[o, o+n) (y indexed from 0). */
export function blockError(x: ArrayLike<number>, o: number, n: number, y: ArrayLike<number>): BlockError {
  let squared = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    const e = (v - y[i]!) ** 2;
    squared += e;
    weighted += v * v * e;
  }
  return { squared, weighted };
}

/** blockError of x[o, o+n) decoded as d·clamp(round(x/d), qmin, qmax) (d ≠ 0). */
function roundedError(x: ArrayLike<number>, o: number, n: number, d: number, qmin: number, qmax: number): BlockError {
  let squared = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    const e = (v - d * Math.min(qmax, Math.max(qmin, Math.round(v / d)))) ** 2;
    squared += e;
    weighted += v * v * e;
  }
  return { squared, weighted };
}

/**
 * The f16 bits of the best scale found for x[o, o+n) with integers in [qmin, qmax] (qmin < 0), or
 * −1 when none beats `plain` (the errors of the caller's reference encoding). The caller encodes
 * q = clamp(round(x/d), qmin, qmax) with d the returned scale.
 */
export function searchBlockScale(x: ArrayLike<number>, o: number, n: number, qmin: number, qmax: number, plain: BlockError): number {
  let amax = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    if (Math.abs(v) > amax) {
      amax = Math.abs(v);
      max = v;
    }
  }
  if (amax === 0) return -1;
  let best = plain.weighted;
  let bestBits = -1;
  for (let k = -STEPS; k <= STEPS; k++) {
    const c = max / (qmin - 0.1 * k);
    let sxq = 0;
    let sqq = 0;
    for (let i = 0; i < n; i++) {
      const v = x[o + i]!;
      const q = Math.min(qmax, Math.max(qmin, Math.round(v / c)));
      sxq += v * v * v * q;
      sqq += v * v * q * q;
    }
    if (sqq === 0 || sxq === 0) continue;
    const bits = f32ToF16(sxq / sqq);
    const d = f16ToF32(bits);
    if (!(d !== 0 && Number.isFinite(d))) continue;
    const err = roundedError(x, o, n, d, qmin, qmax);
    if (err.weighted < best && err.squared <= plain.squared) {
      best = err.weighted;
      bestBits = bits;
    }
  }
  return bestBits;
}
