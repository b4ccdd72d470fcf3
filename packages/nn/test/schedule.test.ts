import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError, constantLr, warmupCosine, warmupLinear } from "../src/index.js";

describe("learning-rate schedules", () => {
  it("constant", () => {
    const s = constantLr(0.01);
    expect([s(0), s(10), s(1e6)]).toEqual([0.01, 0.01, 0.01]);
  });

  it("warm-up is linear from peak/warmup to peak, never 0", () => {
    const s = warmupCosine({ peakLr: 1, warmupSteps: 4, totalSteps: 10 });
    expect([0, 1, 2, 3].map(s)).toEqual([0.25, 0.5, 0.75, 1]);
  });

  it("cosine: peak at the end of warm-up, halfway at the middle, minLr at and after totalSteps", () => {
    const s = warmupCosine({ peakLr: 1, warmupSteps: 2, totalSteps: 12, minLr: 0.1 });
    expect(s(2)).toBeCloseTo(1, 12);
    expect(s(7)).toBeCloseTo(0.55, 12); // 0.1 + 0.9·(1 + cos(π/2))/2
    expect(s(12)).toBeCloseTo(0.1, 12);
    expect(s(1000)).toBeCloseTo(0.1, 12);
  });

  it("linear decay: straight line from peak to minLr", () => {
    const s = warmupLinear({ peakLr: 2, warmupSteps: 0, totalSteps: 4 });
    expect([0, 1, 2, 3, 4, 5].map(s)).toEqual([2, 1.5, 1, 0.5, 0, 0]);
  });

  it("warm-up stays in (0, peakLr]; decay never increases and stays in [minLr, peakLr]", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 400 }), (w, extra, step) => {
        for (const make of [warmupCosine, warmupLinear]) {
          const s = make({ peakLr: 3e-4, warmupSteps: w, totalSteps: w + extra, minLr: 3e-5 });
          const v = s(step);
          expect(v).toBeLessThanOrEqual(3e-4 + 1e-15);
          if (step < w) expect(v).toBeGreaterThan(0);
          else {
            expect(v).toBeGreaterThanOrEqual(3e-5 - 1e-15);
            expect(s(step + 1)).toBeLessThanOrEqual(v + 1e-15);
          }
        }
      }),
    );
  });

  it("rejects bad arguments with the field name", () => {
    expect(() => warmupCosine({ peakLr: 1, warmupSteps: 10, totalSteps: 5 })).toThrow(/totalSteps must be an integer ≥ warmupSteps \(10\), got 5/);
    expect(() => warmupLinear({ peakLr: 1, warmupSteps: 0, totalSteps: 5, minLr: 2 })).toThrow(ConfigError);
    expect(() => warmupCosine({ peakLr: 1, warmupSteps: 0, totalSteps: 5 })(-1)).toThrow(/step must be an integer ≥ 0, got -1/);
    expect(() => constantLr(-1)).toThrow(/lr/);
  });
});
