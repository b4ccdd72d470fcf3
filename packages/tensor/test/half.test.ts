import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { f16ToF32, f32ToF16, bf16ToF32, f32ToBf16, f16BitsToF32Array, bf16BitsToF32Array, f32ToF16Array, f32ToBf16Array } from "../src/index.js";

/** The value of a half bit pattern straight from the IEEE 754 definition. */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  if (exp === 0) return sign * mant * 2 ** -24;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => ((f32[0] = x), u32[0]!);
const fromBits = (b: number) => ((u32[0] = b >>> 0), f32[0]!);
/** Any float32, drawn by bit pattern (covers subnormals, huge values, inf, NaN). */
const anyF32 = fc.integer({ min: 0, max: 0xffffffff }).map(fromBits);

describe("f16", () => {
  it("every half converts exactly (subnormals, ±0, ±inf, NaN) and the array form agrees", () => {
    const arr = f16BitsToF32Array(all);
    for (let h = 0; h < 65536; h++) {
      const want = halfValue(h);
      const got = f16ToF32(h);
      if (!Object.is(got, want)) expect.fail(`f16 0x${h.toString(16)}: got ${got}, expected ${want}`);
      if (!Object.is(arr[h], got)) expect.fail(`array form differs at 0x${h.toString(16)}`);
    }
  });

  it("f32 → f16 → f32 is the identity on every half value", () => {
    for (let h = 0; h < 65536; h++) {
      const back = f32ToF16(f16ToF32(h));
      if (Number.isNaN(halfValue(h))) {
        if (!Number.isNaN(halfValue(back))) expect.fail(`NaN 0x${h.toString(16)} came back as 0x${back.toString(16)}`);
      } else if (back !== h) expect.fail(`0x${h.toString(16)} came back as 0x${back.toString(16)}`);
    }
  });

  it("rounds to the nearest half, ties to even; overflow to inf", () => {
    fc.assert(
      fc.property(anyF32, (x) => {
        const h = f32ToF16(x);
        if (Number.isNaN(x)) {
          expect(Number.isNaN(halfValue(h))).toBe(true);
          return;
        }
        const v = halfValue(h);
        if (Math.abs(x) >= 65520) {
          expect(v).toBe(Math.sign(x) * Infinity);
          return;
        }
        expect(Math.sign(v) === Math.sign(x) || v === 0).toBe(true);
        const mag = h & 0x7fff;
        for (const other of [mag - 1, mag + 1]) {
          if (other < 0 || other >= 0x7c00) continue;
          const ov = halfValue(other | (h & 0x8000));
          const d = Math.abs(v - x);
          const od = Math.abs(ov - x);
          expect(d).toBeLessThanOrEqual(od);
          if (d === od) expect(mag % 2).toBe(0);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("edge cases around the subnormal and overflow thresholds", () => {
    expect(f32ToF16(2 ** -25)).toBe(0); // exact tie between 0 and the smallest subnormal → even (0)
    expect(f32ToF16(Math.fround(2 ** -25 * 1.0001))).toBe(1);
    expect(f32ToF16(3 * 2 ** -25)).toBe(2); // tie between 1 and 2 → 2
    expect(f32ToF16(-0)).toBe(0x8000);
    expect(f32ToF16(65519)).toBe(0x7bff); // 65504
    expect(f32ToF16(65520)).toBe(0x7c00);
    expect(f32ToF16Array(Float32Array.from([1, -2, 0.5]))).toEqual(Uint16Array.from([0x3c00, 0xc000, 0x3800]));
  });
});

describe("bf16", () => {
  it("every bfloat16 converts exactly and round-trips", () => {
    const arr = bf16BitsToF32Array(all);
    for (let b = 0; b < 65536; b++) {
      const v = bf16ToF32(b);
      if (!Number.isNaN(v) && bitsOf(v) !== (b << 16) >>> 0) expect.fail(`bf16 0x${b.toString(16)}: wrong bits`);
      if (!Object.is(arr[b], v)) expect.fail(`array form differs at 0x${b.toString(16)}`);
      const back = f32ToBf16(v);
      if (Number.isNaN(v)) {
        if (!Number.isNaN(bf16ToF32(back))) expect.fail(`NaN 0x${b.toString(16)} came back as a number`);
      } else if (back !== b) expect.fail(`0x${b.toString(16)} came back as 0x${back.toString(16)}`);
    }
  });

  it("rounds to nearest, ties to even, by the dropped 16 bits", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const x = fromBits(bits);
        const b = f32ToBf16(x);
        if (Number.isNaN(x)) {
          expect(Number.isNaN(bf16ToF32(b))).toBe(true);
          return;
        }
        const hi = bits >>> 16;
        const lo = bits & 0xffff;
        const up = lo > 0x8000 || (lo === 0x8000 && (hi & 1) === 1);
        expect(b).toBe((hi + (up ? 1 : 0)) & 0xffff);
      }),
      { numRuns: 3000 },
    );
    expect(f32ToBf16Array(Float32Array.from([1, -2]))).toEqual(Uint16Array.from([0x3f80, 0xc000]));
    expect(bf16ToF32(f32ToBf16(3.4e38))).toBe(Infinity); // rounds past the largest finite bf16
  });
});
