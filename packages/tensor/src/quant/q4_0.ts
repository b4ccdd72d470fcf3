import { f16ToF32, f32ToF16 } from "../io/half.js";

/**
 * Q4_0 (ggml-common.h block_q4_0): blocks of 32 values, 18 bytes each:
 *   [0, 2)   d: f16 scale
 *   [2, 18)  qs: 16 bytes; byte j holds value j in its low nibble and value j + 16 in its high one
 * value = d · (nibble − 8)
 */
export const Q4_0_BLOCK = 32;
export const Q4_0_BYTES = 18;

/** Reference dequantizer: n values (a multiple of 32) from src's n/32 blocks into out. */
export function dequantizeQ4_0(src: Uint8Array, n: number, out: Float32Array = new Float32Array(n)): Float32Array {
  for (let b = 0; b < n / Q4_0_BLOCK; b++) {
    const p = b * Q4_0_BYTES;
    const d = f16ToF32(src[p]! | (src[p + 1]! << 8));
    const o = b * Q4_0_BLOCK;
    for (let j = 0; j < 16; j++) {
      const q = src[p + 2 + j]!;
      out[o + j] = d * ((q & 0xf) - 8);
      out[o + j + 16] = d * ((q >> 4) - 8);
    }
  }
  return out;
}

/** The value of x[o, o+n) with the largest magnitude, sign kept (the first of equals; 0 for none): the block's scale anchor. */
export function largestMagnitude(x: Float32Array, o: number, n: number): number {
  let amax = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const v = x[o + i]!;
    if (Math.abs(v) > amax) {
      amax = Math.abs(v);
      max = v;
    }
  }
  return max;
}

/**
 * Reference quantizer (as llama.cpp's quantize_row_q4_0_ref): the value of largest magnitude m maps
 * to −8, so d = m / −8 and the range [−8, 7] is used on the side where it matters.
 */
export function quantizeQ4_0Reference(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q4_0_BLOCK) * Q4_0_BYTES)): Uint8Array {
  for (let b = 0; b < x.length / Q4_0_BLOCK; b++) {
    const o = b * Q4_0_BLOCK;
    const d = largestMagnitude(x, o, Q4_0_BLOCK) / -8;
    const id = d === 0 ? 0 : 1 / d;
    const h = f32ToF16(d);
    const p = b * Q4_0_BYTES;
    out[p] = h & 0xff;
    out[p + 1] = h >>> 8;
    for (let j = 0; j < 16; j++) {
      const lo = Math.min(15, Math.trunc(x[o + j]! * id + 8.5));
      const hi = Math.min(15, Math.trunc(x[o + j + 16]! * id + 8.5));
      out[p + 2 + j] = lo | (hi << 4);
    }
  }
  return out;
}

/**
 * mini's Q4_0 quantizer: llama.cpp's reference encoding, then per block a scale of smaller error
 * where one exists. The search and why: scale-search.reference.ts, whose readable loops this fuses
 * into one pass per block and must equal byte for byte (test/scale-search.test.ts): the block is read
 * once, the reference encoding's errors come without a decode pass, a candidate's exact errors stop
 * as soon as they cannot win (every term is ≥ 0, so a partial sum already past the bound is final),
 * and the winner's integers are kept instead of recomputed. Same format, so llama.cpp reads the
 * bytes as it reads its own.
 */
export function quantizeQ4_0(x: Float32Array, out: Uint8Array = new Uint8Array((x.length / Q4_0_BLOCK) * Q4_0_BYTES)): Uint8Array {
  for (let b = 0; b < x.length / Q4_0_BLOCK; b++) {
    const o = b * Q4_0_BLOCK;
    const p = b * Q4_0_BYTES;
    let amax = 0;
    let max = 0;
    for (let i = 0; i < 32; i++) {
      const v = x[o + i]!;
      xs[i] = v;
      if (Math.abs(v) > amax) {
        amax = Math.abs(v);
        max = v;
      }
    }
    // The reference encoding (quantizeQ4_0Reference's steps) and its errors as decoding computes them.
    const dRef = max / -8;
    const id = dRef === 0 ? 0 : 1 / dRef;
    const h0 = f32ToF16(dRef);
    out[p] = h0 & 0xff;
    out[p + 1] = h0 >>> 8;
    for (let j = 0; j < 16; j++) {
      const lo = Math.min(15, Math.trunc(xs[j]! * id + 8.5));
      const hi = Math.min(15, Math.trunc(xs[j + 16]! * id + 8.5));
      out[p + 2 + j] = lo | (hi << 4);
    }
    const d0 = f16ToF32(h0);
    for (let j = 0; j < 16; j++) {
      decoded[j] = d0 * ((out[p + 2 + j]! & 0xf) - 8);
      decoded[j + 16] = d0 * ((out[p + 2 + j]! >> 4) - 8);
    }
    let plainSquared = 0;
    let plainWeighted = 0;
    for (let i = 0; i < 32; i++) {
      const v = xs[i]!;
      const e = v - decoded[i]!;
      plainSquared += e * e;
      plainWeighted += v * v * (e * e); // as the search sums its candidates: equal decodings tie exactly
    }
    if (amax === 0) continue;
    // The search (searchBlockScale): candidates with the largest value on −8 − 0.1·k, k = −10, −8, …, 8.
    search.best = plainWeighted;
    search.bits = -1;
    search.plainSquared = plainSquared;
    let sww = 0;
    for (let i = 0; i < 32; i++) {
      ws[i] = xs[i]! * xs[i]!;
      sww += ws[i]! * ws[i]!;
    }
    search.sww = sww;
    // Candidates two at a time (k and k + 2 share the reads of the block; each sums in the same order).
    for (let k = -10; k < 9; k += 4) {
      const icA = (-8 - 0.1 * k) / max;
      const icB = (-8 - 0.1 * (k + 2)) / max;
      let sxqA = 0;
      let sqqA = 0;
      let sxqB = 0;
      let sqqB = 0;
      for (let i = 0; i < 32; i++) {
        const v = xs[i]!;
        const w = ws[i]!;
        const rA = Math.floor(v * icA + 0.5);
        const qA = clampQ(rA);
        const rB = Math.floor(v * icB + 0.5);
        const qB = clampQ(rB);
        const wqA = w * qA;
        const wqB = w * qB;
        sxqA += wqA * v;
        sqqA += wqA * qA;
        sxqB += wqB * v;
        sqqB += wqB * qB;
      }
      tryCandidate(sxqA, sqqA);
      if (k + 2 < 9) tryCandidate(sxqB, sqqB);
    }
    const bestBits = search.bits;
    if (bestBits < 0) continue;
    for (let j = 0; j < 32; j++) nibbles[j] = bestQs[j]! + 8;
    writeQ4_0Block(out, p, bestBits, nibbles);
  }
  return out;
}

/**
 * Writes one Q4_0 block at out[p]: the f16 scale's bits, then the 32 stored nibbles (integer + 8)
 * two a byte, element j in the low half of byte j and j + 16 in the high half.
 */
export function writeQ4_0Block(out: Uint8Array, p: number, scaleBits: number, nibbles: Uint8Array): void {
  let usesMinus8 = false;
  for (let j = 0; j < 32; j++) if (nibbles[j] === 0) usesMinus8 = true;
  // Without a −8 the integers lie in [−7, 7] and (−d, −q) decodes to the same values: take d > 0,
  // so a decoded block re-encodes to these very bytes whichever of two equal-magnitude values
  // is met first (the search's first candidate puts the largest value on −7).
  const flip = !usesMinus8 && f16ToF32(scaleBits) < 0;
  const bits = flip ? scaleBits ^ 0x8000 : scaleBits;
  out[p] = bits & 0xff;
  out[p + 1] = bits >>> 8;
  for (let j = 0; j < 16; j++) {
    const lo = flip ? 16 - nibbles[j]! : nibbles[j]!;
    const hi = flip ? 16 - nibbles[j + 16]! : nibbles[j + 16]!;
    out[p + 2 + j] = lo | (hi << 4);
  }
}

/** r clamped to Q4_0's integers [−8, 7] (NaN stays NaN, as with Math.max/min, which measured ~1.5× slower in these loops). */
function clampQ(r: number): number {
  // biome-ignore lint/complexity/useMathMinMax: the branches are faster here, with the same results
  return r < -8 ? -8 : r > 7 ? 7 : r;
}

/** The search's state for the current block (module scratch: no allocation per block). */
const search = { best: 0, bits: -1, plainSquared: 0, sww: 0 };

/**
 * One candidate, whose integers give Σw·x·q = sxq and Σw·q² = sqq: unless the least-squares bound
 * rules it out, its f16 scale's exact errors, and it becomes the best if they are smaller.
 */
function tryCandidate(sxq: number, sqq: number): void {
  const best = search.best;
  if (sqq === 0 || sxq === 0 || search.sww - (sxq * sxq) / sqq > 1.01 * best) return;
  const bits = f32ToF16(sxq / sqq);
  const d = f16ToF32(bits);
  if (!(d !== 0 && Number.isFinite(d))) return;
  const plainSquared = search.plainSquared;
  let squared = 0;
  let weighted = 0;
  for (let i = 0; i < 32; i++) {
    const v = xs[i]!;
    const r = Math.floor(v / d + 0.5);
    const q = clampQ(r);
    qs[i] = q;
    const e = v - d * q;
    const e2 = e * e;
    squared += e2;
    weighted += ws[i]! * e2;
    // every term is ≥ 0: a partial sum past the bound is final
    if (weighted >= best || squared > plainSquared) return;
  }
  if (weighted < best && squared <= plainSquared) {
    search.best = weighted;
    search.bits = bits;
    bestQs.set(qs);
  }
}

// One block's values, their weights x², a candidate's integers and the best one's (no allocation per block).
const xs = new Float64Array(Q4_0_BLOCK);
const ws = new Float64Array(Q4_0_BLOCK);
const qs = new Float64Array(Q4_0_BLOCK);
const bestQs = new Float64Array(Q4_0_BLOCK);
const decoded = new Float32Array(Q4_0_BLOCK);
const nibbles = new Uint8Array(Q4_0_BLOCK);
