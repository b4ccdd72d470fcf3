import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dequantize, quantize } from "../src/index.js";
import { dequantizeQ4_0, quantizeQ4_0, quantizeQ4_0Reference } from "../src/quant/q4_0.js";
import { quantizeQ4_0SearchedReference } from "../src/quant/scale-search.reference.js";

/** Errors of each 32-value block of x as decoded from Q4_0 bytes: Σ e² and Σ x²·e² (e = x − decoded). */
function blockErrors(x: Float32Array, bytes: Uint8Array): { squared: number; weighted: number }[] {
  const y = dequantizeQ4_0(bytes, x.length);
  const out: { squared: number; weighted: number }[] = [];
  for (let b = 0; b < x.length / 32; b++) {
    let squared = 0;
    let weighted = 0;
    for (let i = b * 32; i < b * 32 + 32; i++) {
      squared += (x[i]! - y[i]!) ** 2;
      weighted += x[i]! ** 2 * (x[i]! - y[i]!) ** 2;
    }
    out.push({ squared, weighted });
  }
  return out;
}

// Blocks of every character: one outlier among small values, uniform, all one sign, all equal, mostly zeros.
const block = fc.oneof(
  fc.array(fc.float({ min: -100, max: 100, noNaN: true }), { minLength: 32, maxLength: 32 }),
  fc.tuple(fc.float({ min: -1, max: 1, noNaN: true }), fc.array(fc.float({ min: Math.fround(-0.05), max: Math.fround(0.05), noNaN: true }), { minLength: 31, maxLength: 31 })).map(([o, r]) => [o, ...r]),
  fc.array(fc.float({ min: 0, max: Math.fround(1e-3), noNaN: true }), { minLength: 32, maxLength: 32 }),
  fc.float({ min: -1e4, max: 1e4, noNaN: true }).map((v) => Array.from({ length: 32 }, () => v)),
  fc.array(fc.constantFrom(0, 0, 0, 0.5, -0.25), { minLength: 32, maxLength: 32 }),
);
const rows = fc.array(block, { minLength: 1, maxLength: 4 }).map((bs) => Float32Array.from(bs.flat()));

describe("Q4_0 scale search", () => {
  it("quantizeQ4_0 (the fused search) gives the bytes of its readable reference, block for block", () => {
    // every character of block above, at scales from f16-subnormal to f16-overflowing, and non-finite values
    const scaled = fc.tuple(rows, fc.constantFrom(1, 1e-7, 3e-5, 0.02, 70, 6e4, 1e6)).map(([x, k]) => x.map((v) => v * k));
    const odd = fc.array(fc.oneof(fc.float(), fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 65504, 1e-8)), { minLength: 32, maxLength: 32 }).map((b) => Float32Array.from(b));
    fc.assert(
      fc.property(fc.oneof(scaled, odd), (x) => {
        expect(Array.from(quantizeQ4_0(x))).toEqual(Array.from(quantizeQ4_0SearchedReference(x)));
      }),
      { seed: 6, numRuns: 600 },
    );
    // and on 4,096 Gaussian blocks (most of them take a searched scale)
    let s = 777;
    const rand = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const g = Float32Array.from({ length: 32 * 4096 }, () => 0.02 * Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
    expect(Buffer.compare(Buffer.from(quantizeQ4_0(g)), Buffer.from(quantizeQ4_0SearchedReference(g)))).toBe(0);
  });

  it("every block's squared error, plain and x²-weighted, is at most the plain max-scale encoding's (llama.cpp's reference)", () => {
    fc.assert(
      fc.property(rows, (x) => {
        const searched = blockErrors(x, quantizeQ4_0(x));
        const plain = blockErrors(x, quantizeQ4_0Reference(x));
        for (let b = 0; b < searched.length; b++) {
          expect(searched[b]!.squared).toBeLessThanOrEqual(plain[b]!.squared);
          expect(searched[b]!.weighted).toBeLessThanOrEqual(plain[b]!.weighted);
        }
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it("decode(encode(x)) is within one quantization step of the block's range (max |x| / 7), and zeros stay zeros", () => {
    fc.assert(
      fc.property(rows, (x) => {
        const y = dequantize("Q4_0", quantize("Q4_0", x), x.length);
        for (let b = 0; b < x.length / 32; b++) {
          let amax = 0;
          for (let i = b * 32; i < b * 32 + 32; i++) amax = Math.max(amax, Math.abs(x[i]!));
          // A searched scale is at most max/7.1 in magnitude, so an in-range value is off by ≤ d/2 and the clamped
          // extreme by ≤ 0.9·d; f16 rounding of d adds a relative 2^-11. A block with max |x| < 2^-22 may have
          // its scale underflow f16 (decoding to zeros): an absolute 2^-22 more covers it.
          for (let i = b * 32; i < b * 32 + 32; i++) expect(Math.abs(x[i]! - y[i]!)).toBeLessThanOrEqual(amax / 7 + 2 ** -22);
          if (amax === 0) for (let i = b * 32; i < b * 32 + 32; i++) expect(Math.abs(y[i]!)).toBe(0);
        }
      }),
      { seed: 4, numRuns: 300 },
    );
  });

  it("re-encoding decoded blocks gives the same values and bytes (a GGUF model decoded to f32 and re-encoded is the same model)", () => {
    fc.assert(
      fc.property(rows, (x) => {
        const first = quantizeQ4_0(x);
        const decoded = dequantizeQ4_0(first, x.length);
        const again = quantizeQ4_0(decoded);
        expect(Array.from(dequantizeQ4_0(again, x.length), (v) => v + 0)).toEqual(Array.from(decoded, (v) => v + 0));
        // Bytes too, unless a block's scale underflows f16 (max |x| < 2^-22: it decodes to zeros, whose
        // reference encoding has other nibbles).
        let underflow = false;
        for (let i = 0; i < x.length; i++) if (x[i] !== 0 && Math.abs(x[i]!) < 2 ** -22) underflow = true;
        if (!underflow) expect(Array.from(again)).toEqual(Array.from(first));
      }),
      { seed: 5, numRuns: 300 },
    );
  });

  it("on Gaussian-like rows the search lowers the total errors (it finds better scales, not only equal ones)", () => {
    let s = 12345;
    const rand = () => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      return s / 2 ** 32;
    };
    const x = Float32Array.from({ length: 32 * 256 }, () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
    const sum = (a: { squared: number; weighted: number }[], k: "squared" | "weighted") => a.reduce((p, c) => p + c[k], 0);
    const searched = blockErrors(x, quantizeQ4_0(x));
    const plain = blockErrors(x, quantizeQ4_0Reference(x));
    expect(sum(searched, "squared")).toBeLessThan(0.99 * sum(plain, "squared"));
    expect(sum(searched, "weighted")).toBeLessThan(0.9 * sum(plain, "weighted"));
  });
});
