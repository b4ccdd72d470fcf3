/**
 * The ggml types mini decodes at load (Q4_1, Q5_0, Q5_1, Q3_K, Q2_K, IQ4_NL, IQ4_XS) and Q5_K (held as stored since
 * q5_k, its decoder still the reference of row()): each reference decoder
 * against a plain float64 reading of the block format written here from ggml-common.h's structs
 * (a bit stream read LSB first, not the decoders' loops), llama.cpp's reference rounding for the
 * legacy quantizers, and Q5_0 / IQ4_NL as Q8_0 bit for bit.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dequantize, f16ToF32, f32ToF16, ggmlTypeInfo, ggufHeldDtype, quantize, type GgmlType } from "../src/index.js";
import { toQ8_0 } from "../src/quant/to-q8_0.js";

/** n bits of b read LSB first from bit k after byte p (the layout's bit numbering). */
const bits = (b: Uint8Array, p: number, k: number, n: number): number => {
  let v = 0;
  for (let i = 0; i < n; i++) v |= ((b[p + ((k + i) >> 3)]! >> ((k + i) & 7)) & 1) << i;
  return v;
};
const half = (b: Uint8Array, p: number): number => f16ToF32(bits(b, p, 0, 16));
/** The 4-bit field of value i (0…31) in 16 bytes of nibbles at p: byte i mod 16, low half for i < 16. */
const nibble = (b: Uint8Array, p: number, i: number): number => bits(b, p, (i % 16) * 8 + (i < 16 ? 0 : 4), 4);
/** ggml-common.h kvalues_iq4nl. */
const GRID = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113];

/** Block readers: the value i of one block at byte 0 of b, in float64. */
const READERS: Partial<Record<GgmlType, (b: Uint8Array, i: number) => number>> = {
  // block_q4_1 { half d; half m; u8 qs[16]; }
  Q4_1: (b, i) => half(b, 0) * nibble(b, 4, i) + half(b, 2),
  // block_q5_0 { half d; u8 qh[4]; u8 qs[16]; }: bit i of qh is value i's bit 4
  Q5_0: (b, i) => half(b, 0) * (nibble(b, 6, i) + 16 * bits(b, 2, i, 1) - 16),
  // block_q5_1 { half d; half m; u8 qh[4]; u8 qs[16]; }
  Q5_1: (b, i) => half(b, 0) * (nibble(b, 8, i) + 16 * bits(b, 4, i, 1)) + half(b, 2),
  // block_iq4_nl { half d; u8 qs[16]; }
  IQ4_NL: (b, i) => half(b, 0) * GRID[nibble(b, 2, i)]!,
  // block_q5_K { half d; half dmin; u8 scales[12]; u8 qh[32]; u8 qs[128]; }
  Q5_K: (b, v) => {
    const [c, w, s] = [v >> 6, v & 63, v >> 5];
    const low = bits(b, 48, (c * 32 + (w & 31)) * 8 + (w < 32 ? 0 : 4), 4);
    const high = bits(b, 16, (w & 31) * 8 + 2 * c + (w < 32 ? 0 : 1), 1);
    const [sc, m] = kScaleMin(b, 4, s);
    return half(b, 0) * sc * (low + 16 * high) - half(b, 2) * m;
  },
  // block_q3_K { u8 hmask[32]; u8 qs[64]; u8 scales[12]; half d; }: value v's high bit is bit v of
  // the 256-bit hmask read column-wise (byte v mod 32, bit v / 32); its 2 low bits are field v mod
  // 32 of 32 two-bit fields per bit plane, plane v / 32 mod 4, in half v / 128 of qs
  Q3_K: (b, v) => {
    const low = bits(b, 32 + 32 * (v >> 7), (v & 31) * 8 + 2 * ((v >> 5) & 3), 2);
    const high = bits(b, 0, (v & 31) * 8 + (v >> 5), 1);
    const s = v >> 4;
    const scale = bits(b, 96, s < 8 ? 8 * s : 8 * (s - 8) + 4, 4) | (bits(b, 104, 8 * (s % 4) + 2 * (s >> 2), 2) << 4);
    return half(b, 108) * (scale - 32) * (low + 4 * high - 4);
  },
  // block_q2_K { u8 scales[16]; u8 qs[64]; half d; half dmin; }
  Q2_K: (b, v) => {
    const q = bits(b, 16 + 32 * (v >> 7), (v & 31) * 8 + 2 * ((v >> 5) & 3), 2);
    return half(b, 80) * bits(b, v >> 4, 0, 4) * q - half(b, 82) * bits(b, v >> 4, 4, 4);
  },
  // block_iq4_xs { half d; u16 scales_h; u8 scales_l[4]; u8 qs[128]; }
  IQ4_XS: (b, v) => {
    const s = v >> 5;
    const ls = bits(b, 4, 4 * s, 4) | (bits(b, 2, 2 * s, 2) << 4);
    return half(b, 0) * (ls - 32) * GRID[nibble(b, 8 + 16 * s, v & 31)]!;
  },
};

/** get_scale_min_k4 as bit fields: s < 4 in bytes s and s + 4; s ≥ 4 in byte s + 4's nibbles, top bits from bytes s − 4 and s. */
function kScaleMin(b: Uint8Array, p: number, s: number): [number, number] {
  if (s < 4) return [bits(b, p, 8 * s, 6), bits(b, p, 8 * (s + 4), 6)];
  return [bits(b, p, 8 * (s + 4), 4) | (bits(b, p, 8 * (s - 4) + 6, 2) << 4), bits(b, p, 8 * (s + 4) + 4, 4) | (bits(b, p, 8 * s + 6, 2) << 4)];
}

/** Where each type's f16 fields are (byte offsets in a block): made finite in random blocks. */
const HALVES: Partial<Record<GgmlType, number[]>> = { Q4_1: [0, 2], Q5_0: [0], Q5_1: [0, 2], IQ4_NL: [0], Q5_K: [0, 2], Q3_K: [108], Q2_K: [80, 82], IQ4_XS: [0] };

/** `blocks` random blocks of t, their f16 fields finite (exponent < 31) and at most 2^8 in magnitude. */
function randomBlocks(t: GgmlType, bytes: Uint8Array, blocks: number): Uint8Array {
  const info = ggmlTypeInfo(t);
  const b = bytes.slice(0, blocks * info.blockBytes);
  for (let k = 0; k < blocks; k++) {
    for (const p of HALVES[t]!) {
      const at = k * info.blockBytes + p;
      b[at + 1] = (b[at + 1]! & 0x83) | (Math.min((b[at + 1]! >> 2) & 31, 23) << 2); // exponent ≤ 23: |x| < 2^9
    }
  }
  return b;
}

describe("decoders against a float64 reading of ggml's block structs", () => {
  for (const t of Object.keys(READERS) as GgmlType[]) {
    it(`${t}: every value of random blocks`, () => {
      const info = ggmlTypeInfo(t);
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 3 }), fc.uint8Array({ minLength: 3 * info.blockBytes, maxLength: 3 * info.blockBytes }), (blocks, raw) => {
          const b = randomBlocks(t, raw, blocks);
          const got = dequantize(t, b, blocks * info.blockValues);
          for (let k = 0; k < blocks; k++) {
            const block = b.subarray(k * info.blockBytes);
            for (let i = 0; i < info.blockValues; i++) expect(got[k * info.blockValues + i]).toBe(Math.fround(READERS[t]!(block, i)));
          }
        }),
        { seed: 7, numRuns: 60 },
      );
    });
  }
});

describe("legacy quantizers round as llama.cpp's quantize_row_*_ref", () => {
  const x = Float32Array.from({ length: 32 }, (_, i) => (i - 10) / 3); // max magnitude 7 (value 31), min −10/3
  const f16 = (v: number) => f16ToF32(f32ToF16(v));

  it("Q5_0: d = max / −16, q = min(31, trunc(x/d + 16.5)), the 5th bits in qh", () => {
    const q = quantize("Q5_0", x);
    const d = Math.fround(7 / -16);
    expect(half(q, 0)).toBe(f16(d));
    for (let i = 0; i < 32; i++) {
      const want = Math.min(31, Math.trunc(Math.fround(Math.fround(x[i]! * Math.fround(1 / d)) + 16.5)));
      expect(nibble(q, 6, i) + 16 * bits(q, 2, i, 1)).toBe(want);
    }
    expect(nibble(q, 6, 31) + 16 * bits(q, 2, 31, 1)).toBe(0); // the largest value on −16
  });

  for (const [t, levels, qs, qh] of [["Q4_1", 15, 4, -1], ["Q5_1", 31, 8, 4]] as const) {
    it(`${t}: d = (max − min) / ${levels}, m = min, q = round((x − min) / d)`, () => {
      const q = quantize(t, x);
      const d = Math.fround((7 + 10 / 3) / levels);
      expect(half(q, 0)).toBe(f16(d));
      expect(half(q, 2)).toBe(f16(-10 / 3));
      for (let i = 0; i < 32; i++) {
        const want = Math.trunc(Math.fround(Math.fround(Math.fround(x[i]! - x[0]!) * Math.fround(1 / d)) + 0.5));
        expect(nibble(q, qs, i) + (qh < 0 ? 0 : 16 * bits(q, qh, i, 1))).toBe(want);
      }
    });
  }
});

describe("Q5_0 and IQ4_NL held as Q8_0", () => {
  for (const t of ["Q5_0", "IQ4_NL"] as const) {
    it(`${t} → Q8_0 decodes to the same float32s, bit for bit (same f16 scale, same integers)`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 4 }), fc.uint8Array({ minLength: 4 * 22, maxLength: 4 * 22 }), (blocks, raw) => {
          const b = randomBlocks(t, raw, blocks);
          const n = 32 * blocks;
          const want = dequantize(t, b, n);
          const q8 = toQ8_0(t, b, n);
          const got = dequantize("Q8_0", q8, n);
          for (let i = 0; i < n; i++) expect(Object.is(got[i], want[i])).toBe(true);
          for (let k = 0; k < blocks; k++) expect(bits(q8, 34 * k, 0, 16)).toBe(bits(b, ggmlTypeInfo(t).blockBytes * k, 0, 16));
        }),
        { seed: 3, numRuns: 100 },
      );
    });
  }

  it("ggufHeldDtype: as stored where mini multiplies the type, q8_0 where exact, else f16", () => {
    const types = ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K", "Q4_1", "Q5_0", "Q5_1", "Q5_K", "Q3_K", "Q2_K", "IQ4_NL", "IQ4_XS"] as const;
    expect(Object.fromEntries(types.map((t) => [t, ggufHeldDtype(t)]))).toEqual({
      F32: "f32", F16: "f16", BF16: "bf16", Q8_0: "q8_0", Q4_0: "q4_0", Q4_K: "q4_k", Q6_K: "q6_k",
      Q4_1: "f16", Q5_0: "q8_0", Q5_1: "f16", Q5_K: "q5_k", Q3_K: "f16", Q2_K: "f16", IQ4_NL: "q8_0", IQ4_XS: "f16",
    });
  });
});
