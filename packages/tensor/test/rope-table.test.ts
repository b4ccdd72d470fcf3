/**
 * The RoPE frequencies and cos/sin table (kernels/rope.ts): frequency functions against the
 * formulas of transformers' rope_init_fns written out in float64, the table against angles
 * recomputed from scratch, and the kernel with a scaled table against the reference.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultRopeFrequencies, kernels as k, linearRopeFrequencies, llama3RopeFrequencies, RopeTable, ShapeError } from "../src/index.js";
import { expectClose, floats } from "./helpers.js";

const LLAMA3 = { factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 8192 };

describe("RoPE frequencies", () => {
  it("default: inv_freq_i = theta^(−2i/d), float32", () => {
    for (const [d, theta] of [[64, 10000], [128, 500000], [16, 100]] as const) {
      const inv = defaultRopeFrequencies(theta)(d);
      expect(inv.length).toBe(d / 2);
      expectClose(inv, Array.from(inv, (_, i) => Math.pow(theta, (-2 * i) / d)), 0, 2e-7);
    }
  });

  it("linear: the default divided by factor", () => {
    const base = defaultRopeFrequencies(10000)(32);
    expectClose(linearRopeFrequencies(10000, 4)(32), Array.from(base, (v) => v / 4), 0, 1e-7);
  });

  it("llama3: transformers' _compute_llama3_parameters (float64 formula, float32 tolerance)", () => {
    const d = 128;
    const theta = 500000;
    const got = llama3RopeFrequencies(theta, LLAMA3)(d);
    const { factor, lowFreqFactor: lo, highFreqFactor: hi, originalMaxPositionEmbeddings: old } = LLAMA3;
    let kept = 0, slowed = 0, smoothed = 0;
    for (let i = 0; i < d / 2; i++) {
      const inv = Math.pow(theta, (-2 * i) / d);
      const wavelen = (2 * Math.PI) / inv;
      let want: number;
      if (wavelen < old / hi) (want = inv), kept++;
      else if (wavelen > old / lo) (want = inv / factor), slowed++;
      else {
        const s = (old / wavelen - lo) / (hi - lo);
        want = ((1 - s) * inv) / factor + s * inv;
        smoothed++;
      }
      expect(Math.abs(got[i]! - want), `pair ${i}`).toBeLessThanOrEqual(1e-6 * want);
    }
    // Llama 3's 128-dim heads cover all three bands.
    expect(kept).toBeGreaterThan(0);
    expect(slowed).toBeGreaterThan(0);
    expect(smoothed).toBeGreaterThan(0);
  });

  it("bad parameters are refused with the field named", () => {
    expect(() => defaultRopeFrequencies(0)).toThrow(/theta must be a positive number, got 0/);
    expect(() => linearRopeFrequencies(1e4, -1)).toThrow(/linear scaling factor/);
    expect(() => llama3RopeFrequencies(1e4, { ...LLAMA3, lowFreqFactor: 4, highFreqFactor: 1 })).toThrow(/highFreqFactor > lowFreqFactor/);
    expect(() => new RopeTable(8, () => new Float32Array(3))).toThrow(/gave 3 inv_freq values for headDim 8, expected 4/);
    expect(() => k.rope(new Float32Array(8), 1, 1, 8, 0, new RopeTable(4, 1e4), "half")).toThrow(ShapeError);
  });
});

describe("RopeTable", () => {
  it("cos/sin are float32 cos/sin of float32 angles, whatever order the table grew in", () => {
    const grown = new RopeTable(16, 10000);
    grown.ensure(3);
    grown.ensure(70);
    grown.ensure(1000);
    const direct = new RopeTable(16, 10000);
    direct.ensure(1000);
    expect(grown.maxPos).toBeGreaterThanOrEqual(1000);
    for (let p = 0; p < 1000; p++) {
      for (let i = 0; i < 8; i++) {
        const angle = Math.fround(p * grown.invFreq[i]!);
        expect(grown.cos[p * 8 + i]).toBe(Math.fround(Math.cos(angle)));
        expect(grown.sin[p * 8 + i]).toBe(Math.fround(Math.sin(angle)));
        expect(direct.cos[p * 8 + i]).toBe(grown.cos[p * 8 + i]);
      }
    }
  });

  it("a scaled table (llama3, attention scaling) rotates as the reference, JS and WASM paths", () => {
    fc.assert(
      fc.property(
        fc.record({ seq: fc.integer({ min: 1, max: 6 }), nHeads: fc.integer({ min: 1, max: 8 }), startPos: fc.integer({ min: 0, max: 9000 }) }),
        fc.constantFrom("half" as const, "interleaved" as const),
        fc.boolean(),
        (p, style, inverse) => {
          const d = 64;
          const table = new RopeTable(d, llama3RopeFrequencies(500000, LLAMA3), 1.25);
          return fc.assert(
            fc.property(floats(p.seq * p.nHeads * d, 2), (x) => {
              const want = k.ropeReference(x, p.seq, p.nHeads, d, p.startPos, table, style, undefined, inverse);
              expectClose(k.rope(x, p.seq, p.nHeads, d, p.startPos, table, style, undefined, inverse), want, 1e-6, 1e-5);
            }),
            { numRuns: 3 },
          );
        },
      ),
      { numRuns: 20 },
    );
  });
});
