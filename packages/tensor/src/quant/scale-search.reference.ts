import { f16ToF32, f32ToF16 } from "../io/half.js";
import { largestMagnitude, Q4_0_BLOCK, Q4_0_BYTES, quantizeQ4_0Reference, writeQ4_0Block } from "./q4_0.js";

/**
 * The scale of a symmetric block (Q4_0: value = d · q, d one f16, q an integer in [qmin, qmax])
 * chosen to minimise the block's error. The format fixes how a block is decoded, not how d is
 * chosen: llama.cpp's reference quantizer takes d = max / qmin (the value of largest magnitude lands
 * exactly on qmin), which wastes levels when the other values sit between them. As ggml's
 * make_qx_quants does, this tries scales that put that value on qmin − 0.1·k (k = −10, −8, …, 8: ten
 * candidates; make_qx_quants' nineteen take twice the time for no gain on the story model), refits each
 * by weighted least squares on the integers it gives (d = Σw·x·q / Σw·q²), rounds d to f16 and
 * re-rounds the integers to it (for a fixed d, clamp(round(x/d)) is the best q).
 *
 * The error minimised is Σ x²·(x − d·q)² (weights x², make_qx_quants' rmse_type 1: large weights
 * matter most to a product; on the story model it beat the plain Σ (x − d·q)² on perplexity), among
 * the scales whose plain squared error is no larger than the reference encoding's, so the search
 * never loses on either measure, block by block. Errors are measured as decoding computes them
 * (f16 d times q). k = −10 (the value on qmin + 1) makes encoding idempotent: a decoded block,
 * whose largest value sits on qmin (the reference encoding's own scale) or qmin + 1, re-encodes to
 * the same values (GGUF files decoded and re-encoded give the same model, bit for bit) — where d is
 * a normal f16: a subnormal d (blocks of max |x| below ~2^-11) is a multiple of 2^-24 as coarse as d
 * itself, which can leave the largest value on neither. Plain and weighted errors are summed the
 * same way on both sides (w·e² as w·(e·e)), so a candidate that decodes to the reference's very
 * values ties and the reference's bytes stay.
 */

/** The scales tried put the largest value on qmin − 0.1·k, k = −STEPS − 1, −STEPS + 1, …, STEPS − 1. */
const STEPS = 9;

// One block's values and their weights x² (n ≤ 32), read once per block.
const xs = new Float64Array(32);
const ws = new Float64Array(32);

/** Plain and x²-weighted squared errors of a block (module scratch: no allocation per block). */
export const blockErr = { squared: 0, weighted: 0 };

/** Sets blockErr to the errors of y [n] (from yo) against x [n] (from o). */
export function blockError(x: Float32Array, o: number, n: number, y: Float32Array, yo = 0): void {
  let squared = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    const e = v - y[yo + i]!;
    squared += e * e;
    weighted += v * v * (e * e); // w·e² as searchBlockScale sums it, so equal decodings tie exactly
  }
  blockErr.squared = squared;
  blockErr.weighted = weighted;
}

/** clamp(round(v/d), qmin, qmax): the integer a value gets under scale d (encoders use this too). */
export function roundClamped(v: number, d: number, qmin: number, qmax: number): number {
  const q = Math.floor(v / d + 0.5);
  return Math.max(qmin, Math.min(qmax, q));
}

/** Sets blockErr to the errors of the block in xs/ws decoded as d·roundClamped(x, d) (d ≠ 0). */
function roundedError(n: number, d: number, qmin: number, qmax: number): void {
  let squared = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    const v = xs[i]!;
    const e = v - d * roundClamped(v, d, qmin, qmax);
    const e2 = e * e;
    squared += e2;
    weighted += ws[i]! * e2;
  }
  blockErr.squared = squared;
  blockErr.weighted = weighted;
}

/**
 * The f16 bits of the best scale found for x[o, o+n) with integers in [qmin, qmax] (qmin < 0), or
 * −1 when none beats the caller's reference encoding, whose errors are plainSquared / plainWeighted.
 * The caller encodes q = roundClamped(x, d, qmin, qmax) with d the returned scale.
 */
export function searchBlockScale(x: Float32Array, o: number, n: number, qmin: number, qmax: number, plainSquared: number, plainWeighted: number): number {
  if (n > 32) throw new RangeError(`searchBlockScale: blocks of at most 32 values, got ${n}`);
  const max = largestMagnitude(x, o, n);
  const amax = Math.abs(max);
  if (amax === 0) return -1;
  let best = plainWeighted;
  let bestBits = -1;
  let sww = 0; // Σ x⁴ (the weighted Σ w·x²)
  for (let i = 0; i < n; i++) {
    xs[i] = x[o + i]!;
    ws[i] = xs[i]! * xs[i]!;
    sww += ws[i]! * ws[i]!;
  }
  for (let k = -STEPS - 1; k < STEPS; k += 2) {
    const ic = (qmin - 0.1 * k) / max;
    let sxq = 0;
    let sqq = 0;
    for (let i = 0; i < n; i++) {
      const v = xs[i]!;
      let q = Math.floor(v * ic + 0.5);
      q = Math.max(qmin, Math.min(qmax, q));
      const wq = ws[i]! * q;
      sxq += wq * v;
      sqq += wq * q;
    }
    // Σw·x² − (Σw·x·q)²/Σw·q² is the weighted error at the least-squares d with these q: a
    // candidate that cannot come within 1 % of the best even there is not measured exactly.
    if (sqq === 0 || sxq === 0 || sww - (sxq * sxq) / sqq > 1.01 * best) continue;
    const bits = f32ToF16(sxq / sqq);
    const d = f16ToF32(bits);
    if (!(d !== 0 && Number.isFinite(d))) continue;
    roundedError(n, d, qmin, qmax);
    if (blockErr.weighted < best && blockErr.squared <= plainSquared) {
      best = blockErr.weighted;
      bestBits = bits;
    }
  }
  return bestBits;
}

/**
 * The readable reference of mini's Q4_0 quantizer (quantizeQ4_0, scale-search.ts, must give these
 * bytes exactly): llama.cpp's reference encoding, then per block a scale of smaller error
 * (searchBlockScale) where one exists.
 */
export function quantizeQ4_0SearchedReference(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q4_0_BLOCK) * Q4_0_BYTES)): Uint8Array {
  quantizeQ4_0Reference(x, out);
  for (let b = 0; b < x.length / Q4_0_BLOCK; b++) {
    const o = b * Q4_0_BLOCK;
    const p = b * Q4_0_BYTES;
    const d0 = f16ToF32(out[p]! | (out[p + 1]! << 8));
    for (let j = 0; j < 16; j++) {
      decoded[j] = d0 * ((out[p + 2 + j]! & 0xf) - 8);
      decoded[j + 16] = d0 * ((out[p + 2 + j]! >> 4) - 8);
    }
    blockError(x, o, Q4_0_BLOCK, decoded);
    const h = searchBlockScale(x, o, Q4_0_BLOCK, -8, 7, blockErr.squared, blockErr.weighted);
    if (h < 0) continue;
    const d = f16ToF32(h);
    for (let j = 0; j < 32; j++) nibbles[j] = nibble(x[o + j]!, d);
    writeQ4_0Block(out, p, h, nibbles);
  }
  return out;
}

const decoded = new Float32Array(Q4_0_BLOCK);
const nibbles = new Uint8Array(Q4_0_BLOCK);

/** The nibble of v under scale d: the integer searchBlockScale measured, + 8. */
function nibble(v: number, d: number): number {
  return roundClamped(v, d, -8, 7) + 8;
}
