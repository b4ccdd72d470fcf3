/**
 * Llama 3.x's rope_scaling ("llama3"): the remapped inverse frequencies equal the formula of
 * transformers' _compute_llama3_parameters (written out here in float64) on random configs, each
 * band (kept, scaled, blended) is hit, and the config parser reads and refuses the fields.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultRopeFrequencies, llama3RopeFrequencies } from "@mini/tensor";
import { parseRopeScaling, ropeFrequencies, type Llama3RopeScaling } from "../../src/models/llama/rope-scaling.js";

/** The formula, band by band, in float64 from the same base frequencies. */
function formula(inv: number, s: Llama3RopeScaling): { value: number; band: "high" | "low" | "mid" } {
  const wavelen = (2 * Math.PI) / inv;
  const L = s.originalMaxPositionEmbeddings;
  if (wavelen < L / s.highFreqFactor) return { value: inv, band: "high" };
  if (wavelen > L / s.lowFreqFactor) return { value: inv / s.factor, band: "low" };
  const smooth = (L / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
  return { value: (1 - smooth) * (inv / s.factor) + smooth * inv, band: "mid" };
}

const scalingCase = fc.record({
  headDim: fc.integer({ min: 1, max: 64 }).map((h) => 2 * h),
  theta: fc.oneof(fc.constantFrom(10000, 500000, 1000000), fc.double({ min: 2, max: 1e7, noNaN: true })),
  factor: fc.double({ min: 1, max: 64, noNaN: true }),
  lowFreqFactor: fc.double({ min: 0.25, max: 4, noNaN: true }),
  gap: fc.double({ min: 0.01, max: 8, noNaN: true }),
  originalMaxPositionEmbeddings: fc.integer({ min: 16, max: 65536 }),
});

describe("llama3 rope frequencies", () => {
  it("equal the formula on random configs", () => {
    const bands = new Set<string>();
    fc.assert(
      fc.property(scalingCase, ({ headDim, theta, gap, ...rest }) => {
        const s: Llama3RopeScaling = { type: "llama3", ...rest, highFreqFactor: rest.lowFreqFactor + gap };
        const base = defaultRopeFrequencies(theta)(headDim);
        const got = ropeFrequencies({ ropeTheta: theta, ropeScaling: s })(headDim);
        expect(got.length).toBe(headDim / 2);
        base.forEach((inv, i) => {
          const { value, band } = formula(inv, s);
          bands.add(band);
          // transformers computes this in float32, step by step: a few float32 roundings of the
          // result, and in the blended band the smooth factor's own rounding, amplified by
          // 1 / (high_freq_factor − low_freq_factor) (x = L/λ is at most high_freq_factor there).
          const x = (s.originalMaxPositionEmbeddings * inv) / (2 * Math.PI);
          const smoothErr = band === "mid" ? (inv * 3e-7 * (x + s.lowFreqFactor + 1)) / (s.highFreqFactor - s.lowFreqFactor) : 0;
          expect(Math.abs(got[i]! - value)).toBeLessThanOrEqual(Math.abs(value) * 4e-7 + smoothErr);
        });
      }),
      { numRuns: 300, seed: 3 },
    );
    expect([...bands].sort()).toEqual(["high", "low", "mid"]);
  });

  it("Llama-3.2-1B's parameters: high frequencies kept, low ones divided by 32", () => {
    const s = parseRopeScaling({ factor: 32.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 8192, rope_type: "llama3" }, "rope_scaling", "config.json") as Llama3RopeScaling;
    const base = defaultRopeFrequencies(500000)(64);
    const got = llama3RopeFrequencies(500000, s)(64);
    expect(got[0]).toBe(base[0]); // wavelength 2π < 2048
    expect(got[31]).toBeCloseTo(base[31]! / 32, 12); // wavelength ≈ 2.1M > 8192
  });

  it("parses default / llama3 and refuses other kinds and bad fields, naming the field", () => {
    expect(parseRopeScaling(null, "rope_scaling", "c.json")).toBeNull();
    expect(parseRopeScaling({ rope_type: "default" }, "rope_scaling", "c.json")).toBeNull();
    expect(parseRopeScaling({ type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 }, "rope_scaling", "c.json")).toEqual({
      type: "llama3",
      factor: 8,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 8192,
    });
    expect(() => parseRopeScaling({ rope_type: "dynamic", factor: 4 }, "rope_scaling", "c.json")).toThrow('c.json: field "rope_scaling": rope_type "dynamic" is not supported');
    expect(() => parseRopeScaling({ rope_type: "llama3", factor: 8, low_freq_factor: 1, high_freq_factor: 4 }, "rope_scaling", "c.json")).toThrow(
      'needs "original_max_position_embeddings" as a positive integer',
    );
    expect(() => parseRopeScaling({ rope_type: "llama3", factor: 8, low_freq_factor: 4, high_freq_factor: 4, original_max_position_embeddings: 8 }, "rope_scaling", "c.json")).toThrow(
      "high_freq_factor > low_freq_factor",
    );
  });
});
