/**
 * fmaF32(a, b, c): the float32 fused multiply-add a·b + c rounded ONCE to nearest-even, for the
 * reference loops of the fused (relaxed-SIMD) gemm. a, b, c must be float32 values.
 * `Math.fround(a * b + c)` rounds twice (to double, then to float32) and can land one ulp off
 * when the double sum sits on a float32 midpoint. Here: a·b is exact in a double (two 24-bit
 * significands need 48 of its 53 bits); TwoSum gives the sum's rounding error e exactly
 * (p + c = s + e); if e ≠ 0 and s is even in its last bit, s moves one double-ulp towards e
 * ("round to odd": s then stands for the whole interval, never a midpoint), and a double rounded
 * to odd has ≥ 24 + 2 bits, so one fround of it equals the single rounding of p + c.
 */
const word = new Float64Array(1);
const wordBits = new BigInt64Array(word.buffer);

export function fmaF32(a: number, b: number, c: number): number {
  const p = a * b; // exact
  const s = p + c;
  if (!Number.isFinite(s)) return Math.fround(s);
  const bb = s - p;
  const e = p - (s - bb) + (c - bb); // p + c = s + e exactly (Knuth's TwoSum)
  if (e === 0) return Math.fround(s);
  word[0] = s;
  if ((wordBits[0]! & 1n) === 0n) wordBits[0]! += e > 0 === s > 0 ? 1n : -1n; // one ulp towards the exact sum
  return Math.fround(word[0]!);
}
