import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dequantize, f16ToF32, f32ToF16, ggmlTypeInfo, quantize, type GgmlType } from "../src/index.js";
import { quantizeQ4_0Reference } from "../src/quant/q4_0.js";
import { seededFloats } from "./helpers.js";

/** Largest |x − dequantize(quantize(x))| over a row, relative to the row's max |x|. */
function relError(t: GgmlType, x: Float32Array): number {
  const y = dequantize(t, quantize(t, x), x.length);
  let err = 0;
  let amax = 0;
  for (let i = 0; i < x.length; i++) {
    err = Math.max(err, Math.abs(x[i]! - y[i]!));
    amax = Math.max(amax, Math.abs(x[i]!));
  }
  return amax === 0 ? err : err / amax;
}

const h16 = (x: number): [number, number] => {
  const h = f32ToF16(x);
  return [h & 0xff, h >> 8];
};

describe("ggml block formats: reference encoders and decoders", () => {
  // Bounds: half a quantization step of the block's range (with slack for the f16-rounded scales
  // and, for the K types, the 6- or 8-bit sub-block scales).
  // Q5_0 and Q4_0 map the largest magnitude to the negative end, so its opposite may clamp a whole
  // step off; IQ4_NL's grid ends at −127 and 113 (a gap of 14 at the top), its widest gap is 24.
  const bound: Record<GgmlType, number> = {
    F32: 0, F16: 1e-3, BF16: 8e-3, Q8_0: 0.5 / 127 + 1e-3, Q4_0: 1 / 8 + 2e-3, Q4_K: 0.12, Q6_K: 0.04,
    Q4_1: 1 / 15 + 2e-3, Q5_0: 1 / 16 + 2e-3, Q5_1: 1 / 31 + 2e-3, Q5_K: 0.06, IQ4_NL: 14 / 127 + 2e-3,
    // Q3_K: Q5_0's clamp on 8 levels (1/4), 6-bit sub-block scales; Q2_K: half of a 3-step range
    // (1/3), 4-bit scales and mins; IQ4_XS: IQ4_NL's grid, and a sub-block scale opposite to the
    // largest one clamps at 31 instead of 32 (1/32).
    Q3_K: 0.3, Q2_K: 0.45, IQ4_XS: 14 / 127 + 1 / 32 + 2e-3,
  };
  for (const t of Object.keys(bound) as GgmlType[]) {
    it(`${t}: dequantize(quantize(x)) is within ${bound[t]} of x (relative to max |x|), and decoding is deterministic`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 }), fc.integer(), fc.float({ min: Math.fround(0.05), max: 100, noNaN: true }), (blocks, seed, scale) => {
          const n = blocks * Math.max(256, ggmlTypeInfo(t).blockValues);
          const x = seededFloats(n, seed, scale);
          expect(relError(t, x)).toBeLessThanOrEqual(bound[t]);
          const q = quantize(t, x);
          expect(q.length).toBe((n / ggmlTypeInfo(t).blockValues) * ggmlTypeInfo(t).blockBytes);
        }),
        { seed: 1, numRuns: 30 },
      );
    });
  }

  it("zeros encode and decode to zeros in every format", () => {
    for (const t of Object.keys(bound) as GgmlType[]) expect(Array.from(dequantize(t, quantize(t, new Float32Array(256)), 256)).every((v) => v === 0)).toBe(true);
  });

  it("Q8_0 block by hand: value i = d · int8", () => {
    const b = new Uint8Array(34);
    b.set(h16(0.5));
    for (let i = 0; i < 32; i++) b[2 + i] = (i - 16) & 0xff;
    expect(Array.from(dequantize("Q8_0", b, 32))).toEqual(Array.from({ length: 32 }, (_, i) => 0.5 * (i - 16)));
  });

  it("Q4_0 block by hand: low nibbles are values 0-15, high nibbles 16-31, offset 8", () => {
    const b = new Uint8Array(18);
    b.set(h16(2));
    for (let j = 0; j < 16; j++) b[2 + j] = j | ((15 - j) << 4);
    const want = [...Array.from({ length: 16 }, (_, j) => 2 * (j - 8)), ...Array.from({ length: 16 }, (_, j) => 2 * (7 - j))];
    expect(Array.from(dequantize("Q4_0", b, 32))).toEqual(want);
  });

  it("Q4_K block by hand: 6-bit scales/mins (both packings), chunks of 64 in nibbles", () => {
    const b = new Uint8Array(144);
    b.set(h16(1), 0); // d
    b.set(h16(0.5), 2); // dmin
    // Sub-block s: scale s + 1 (and 40 + s for s ≥ 4, using the high bits), min 2s.
    const sc = [1, 2, 3, 4, 44, 45, 46, 47];
    const mn = [0, 2, 4, 6, 48, 50, 52, 54];
    for (let s = 0; s < 4; s++) {
      b[4 + s] = sc[s]! | ((sc[s + 4]! >> 4) << 6);
      b[4 + s + 4] = mn[s]! | ((mn[s + 4]! >> 4) << 6);
      b[4 + s + 8] = (sc[s + 4]! & 0xf) | ((mn[s + 4]! & 0xf) << 4);
    }
    // Quant of value v: v % 16.
    for (let c = 0; c < 4; c++) for (let l = 0; l < 32; l++) b[16 + c * 32 + l] = ((c * 64 + l) % 16) | (((c * 64 + 32 + l) % 16) << 4);
    const y = dequantize("Q4_K", b, 256);
    for (let v = 0; v < 256; v++) {
      const s = v >> 5;
      expect(y[v]).toBeCloseTo(sc[s]! * (v % 16) - 0.5 * mn[s]!, 5);
    }
  });

  it("Q6_K block by hand: ql/qh bit positions, int8 scales per 16, d last", () => {
    const b = new Uint8Array(210);
    const q = Array.from({ length: 256 }, (_, v) => (v * 7) % 64); // 6-bit quants
    for (let h = 0; h < 2; h++) {
      for (let l = 0; l < 32; l++) {
        const v = h * 128 + l;
        b[h * 64 + l] = (q[v]! & 0xf) | ((q[v + 64]! & 0xf) << 4);
        b[h * 64 + l + 32] = (q[v + 32]! & 0xf) | ((q[v + 96]! & 0xf) << 4);
        b[128 + h * 32 + l] = (q[v]! >> 4) | ((q[v + 32]! >> 4) << 2) | ((q[v + 64]! >> 4) << 4) | ((q[v + 96]! >> 4) << 6);
      }
    }
    for (let s = 0; s < 16; s++) b[192 + s] = (s % 2 === 0 ? s + 1 : -(s + 1)) & 0xff;
    b.set(h16(0.25), 208);
    const y = dequantize("Q6_K", b, 256);
    for (let v = 0; v < 256; v++) {
      const s = v >> 4;
      const scale = s % 2 === 0 ? s + 1 : -(s + 1);
      expect(y[v]).toBe(0.25 * scale * (q[v]! - 32));
    }
  });

  it("Q8_0 and Q4_0 quantizers follow llama.cpp's reference rounding", () => {
    const x = Float32Array.from({ length: 32 }, (_, i) => (i - 10) / 3);
    const q8 = quantize("Q8_0", x);
    const d8 = f16ToF32(q8[0]! | (q8[1]! << 8));
    expect(d8).toBe(f16ToF32(f32ToF16(21 / 3 / 127)));
    expect((q8[2]! << 24) >> 24).toBe(-Math.round((10 / 3) * (127 / 7))); // round half away from zero
    const q4 = quantizeQ4_0Reference(x);
    expect(f16ToF32(q4[0]! | (q4[1]! << 8))).toBe(f16ToF32(f32ToF16(-7 / 8))); // max-magnitude value 7 → −8
  });
});
