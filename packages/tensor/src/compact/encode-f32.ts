import { f32ToF16 } from "../io/half.js";
import { Q8_0_BYTES } from "../quant/q8_0.js";

/**
 * Fast paths of encodeWeightsInto (encode.ts) for a float32 source W [rows, K]: the same bytes as
 * its per-value loop, which stays the readable reference (test/compact-encode-fast.test.ts compares
 * them), but reading W's bit patterns directly and with no per-row copy or per-value call.
 *   bf16 / f16: half.ts's rounding (to nearest, ties to even) on the float32 bits; f16 refuses
 *     |w| > 65504, inf and NaN exactly where the reference does (|w| ≤ 65504 ⟺ |bits| ≤ 0x477fe000).
 *   q8_0: quantizeQ8_0's float64 steps in the same order (d = amax / 127, id = 1 / d, q rounded
 *     half away from zero), the last block of a row zero-padded past K as blocks.ts pads it.
 */

/** The bits of 65504, the largest finite half: a float32 |w| fits iff its magnitude bits are ≤ this. */
const F16_MAX_BITS = 0x477fe000;

/** The refusal of a weight f16 cannot hold (every encoding path throws this same line). */
export function f16RefusalMessage(name: string, row: number, k: number, v: number): string {
  return `${name}: weight [${row}, ${k}] = ${v} does not fit in f16 (|w| ≤ 65504, finite); use bf16 or f32`;
}

/** W [rows, K] float32 → bfloat16 bit patterns into out [rows·K]. */
export function encodeBf16Rows(w: Float32Array, n: number, out: Uint16Array): void {
  const bits = new Uint32Array(w.buffer, w.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const u = bits[i]!;
    // NaN: quieted, as f32BitsToBf16 does; else round to nearest even on the low 16 bits
    out[i] = (u & 0x7fffffff) > 0x7f800000 ? (u >>> 16) | 0x40 : (u + 0x7fff + ((u >>> 16) & 1)) >>> 16;
  }
}

/**
 * W [rows, K] float32 → half bit patterns into out [rows·K]; the first value that does not fit
 * throws, naming weight [firstRow + r, k] of `name` as the reference does.
 */
export function encodeF16Rows(w: Float32Array, rows: number, K: number, out: Uint16Array, name: string, firstRow: number): void {
  const n = rows * K;
  const bits = new Uint32Array(w.buffer, w.byteOffset, n);
  for (let i = 0; i < n; i++) {
    const u = bits[i]!;
    const a = u & 0x7fffffff;
    if (a > F16_MAX_BITS) {
      const r = Math.floor(i / K);
      throw new Error(f16RefusalMessage(name, firstRow + r, i - r * K, w[i]!));
    }
    const sign = (u >>> 16) & 0x8000;
    const e = (a >>> 23) - 112; // the half's biased exponent (127 − 15)
    if (e > 0) {
      // normal half: 10 mantissa bits, the 13 dropped ones rounded to nearest even (a carry is exact)
      const h = (e << 10) | ((a >>> 13) & 0x3ff);
      const rem = a & 0x1fff;
      out[i] = sign | (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1) ? h + 1 : h);
    } else {
      const shift = 14 - e;
      if (shift > 24) out[i] = sign;
      else {
        const full = (a & 0x7fffff) | 0x800000;
        const h = full >>> shift;
        const rem = full & ((1 << shift) - 1);
        const halfway = 1 << (shift - 1);
        out[i] = sign | (rem > halfway || (rem === halfway && (h & 1) === 1) ? h + 1 : h);
      }
    }
  }
}

/** W [rows, K] float32 → Q8_0 rows (⌈K/32⌉·34 bytes each) into out. */
export function encodeQ8_0Rows(w: Float32Array, rows: number, K: number, out: Uint8Array): void {
  const nb = Math.ceil(K / 32);
  const rb = nb * Q8_0_BYTES;
  for (let r = 0; r < rows; r++) {
    const row = r * K;
    for (let b = 0; b < nb; b++) {
      const o = row + b * 32;
      const len = Math.min(32, K - b * 32); // < 32 only in a padded last block, whose zeros add nothing
      let amax = 0;
      for (let i = 0; i < len; i++) amax = Math.max(amax, Math.abs(w[o + i]!));
      const d = amax / 127;
      const id = d === 0 ? 0 : 1 / d;
      const h = f32ToF16(d);
      const p = r * rb + b * Q8_0_BYTES;
      out[p] = h & 0xff;
      out[p + 1] = h >>> 8;
      for (let i = 0; i < len; i++) {
        const v = w[o + i]! * id;
        out[p + 2 + i] = v < 0 ? -Math.round(-v) : Math.round(v); // a Uint8Array store wraps as & 0xff does
      }
      for (let i = len; i < 32; i++) out[p + 2 + i] = 0;
    }
  }
}
