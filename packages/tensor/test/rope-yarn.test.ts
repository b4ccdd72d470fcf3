/**
 * YaRN frequencies (kernels/rope-yarn.ts) against transformers' `_compute_yarn_parameters` written
 * out in float64 on random configs (float32 tolerance), every region (kept, ramp, interpolated)
 * hit; the correction range's truncation; the attention factor's three sources.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultRopeFrequencies, yarnAttentionFactor, yarnCorrectionRange, yarnRopeFrequencies, type YarnRopeScaling } from "../src/index.js";

/** The formula in float64 from the same (float32) base frequencies; region of pair i. */
function formula(theta: number, s: YarnRopeScaling, d: number): { inv: number[]; regions: string[]; low: number; high: number } {
  const corr = (r: number) => (d * Math.log(s.originalMaxPositionEmbeddings / (r * 2 * Math.PI))) / (2 * Math.log(theta));
  const round = (x: number, up: boolean) => (s.truncate ? (up ? Math.ceil(x) : Math.floor(x)) : x);
  const low = Math.max(round(corr(s.betaFast), false), 0);
  let high = Math.min(round(corr(s.betaSlow), true), d - 1);
  if (low === high) high += 0.001;
  const regions: string[] = [];
  const inv = Array.from(defaultRopeFrequencies(theta)(d), (base, i) => {
    const ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
    regions.push(ramp === 0 ? "kept" : ramp === 1 ? "interpolated" : "ramp");
    return (base / s.factor) * ramp + base * (1 - ramp);
  });
  return { inv, regions, low, high };
}

describe("yarn rope frequencies", () => {
  it("equal transformers' formula on random configs", () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.record({
          half: fc.integer({ min: 1, max: 64 }),
          theta: fc.constantFrom(10000, 1e6, 5e5, 150),
          factor: fc.double({ min: 1, max: 64, noNaN: true }),
          originalMaxPositionEmbeddings: fc.integer({ min: 16, max: 131072 }),
          betaFast: fc.double({ min: 2, max: 64, noNaN: true }),
          betaSlow: fc.double({ min: 0.25, max: 2, noNaN: true }),
          truncate: fc.boolean(),
        }),
        ({ half, theta, ...s }) => {
          const d = 2 * half;
          const got = yarnRopeFrequencies(theta, s)(d);
          const { inv, regions, low, high } = formula(theta, s, d);
          regions.forEach((r) => seen.add(r));
          // torch's float32 steps: a few roundings of each term of the blend, and in the ramp the
          // rounding of (i − low) / (high − low), amplified by 1 / (high − low).
          const base = defaultRopeFrequencies(theta)(d);
          inv.forEach((v, i) => {
            const rampErr = regions[i] === "ramp" ? (base[i]! * (i + low + 1) * 3e-7) / (high - low) : 0;
            expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(v * 1e-6 + rampErr);
          });
        },
      ),
      { numRuns: 300, seed: 11 },
    );
    expect([...seen].sort()).toEqual(["interpolated", "kept", "ramp"]);
  });

  it("Qwen2.5's yarn (θ 1e6, d 128, ×4 over 32768): range [floor, ceil], fast pairs kept, slow ones ÷ 4", () => {
    const s = { factor: 4, originalMaxPositionEmbeddings: 32768, betaFast: 32, betaSlow: 1, truncate: true };
    const corr = (r: number) => (128 * Math.log(32768 / (r * 2 * Math.PI))) / (2 * Math.log(1e6));
    expect(yarnCorrectionRange(1e6, s, 128)).toEqual([Math.floor(corr(32)), Math.ceil(corr(1))]);
    expect(yarnCorrectionRange(1e6, { ...s, truncate: false }, 128)).toEqual([corr(32), corr(1)]);
    const base = defaultRopeFrequencies(1e6)(128);
    const got = yarnRopeFrequencies(1e6, s)(128);
    expect(got[0]).toBe(base[0]);
    expect(got[63]).toBe(Math.fround(1 / Math.fround(4 * Math.fround(Math.pow(1e6, 126 / 128))))); // 1 / (factor · pos_freq)
  });

  it("attention factor: attention_factor, else mscale ratio when both set, else 0.1·ln(factor) + 1", () => {
    expect(yarnAttentionFactor(4)).toBeCloseTo(1 + 0.1 * Math.log(4), 15);
    expect(yarnAttentionFactor(4, { attentionFactor: 0.8, mscale: 1, mscaleAllDim: 1 })).toBe(0.8);
    expect(yarnAttentionFactor(40, { mscale: 1, mscaleAllDim: 1 })).toBe(1);
    expect(yarnAttentionFactor(40, { mscale: 1 })).toBeCloseTo(1 + 0.1 * Math.log(40), 15);
    expect(yarnAttentionFactor(0.5)).toBe(1);
    expect(() => yarnRopeFrequencies(1e4, { ...{ factor: 0, originalMaxPositionEmbeddings: 64, betaFast: 32, betaSlow: 1, truncate: true } })).toThrow("yarn scaling factor must be a positive number");
  });
});
