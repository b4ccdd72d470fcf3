import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { kernels as k, ShapeError } from "../src/index.js";
import { expectClose, floats } from "./helpers.js";

const hyper = fc.record({
  lr: fc.double({ min: 1e-4, max: 0.1, noNaN: true }),
  beta1: fc.double({ min: 0, max: 0.99, noNaN: true }),
  beta2: fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
  eps: fc.constantFrom(1e-8, 1e-6),
  weightDecay: fc.constantFrom(0, 0.01, 0.1),
  decoupled: fc.boolean(),
});

const state = fc.integer({ min: 1, max: 67 }).chain((n) => fc.tuple(floats(n, 2), floats(n, 1), floats(n, 0.1)));

describe("adamStep", () => {
  it("equals the reference over several steps (Adam and AdamW), in place", () => {
    fc.assert(
      fc.property(hyper, state, (h, [p0, g, m0]) => {
        const [p, m, v] = [Float32Array.from(p0), Float32Array.from(m0), m0.map((x) => x * x)];
        const [rp, rm, rv] = [Float32Array.from(p), Float32Array.from(m), Float32Array.from(v)];
        for (let step = 1; step <= 3; step++) {
          const gs = g.map((x) => x * step); // a different gradient each step
          k.adamStep(p, gs, m, v, { ...h, step });
          k.adamStepReference(rp, gs, rm, rv, { ...h, step });
          // The update multiplies by 1/√(1 − β2ᵗ) where the reference divides: p may differ in the last
          // float32 bits (up to the 1e-7 absolute allowed below, when p cancels to ~0), and through
          // Adam's L2 term (g + wd·p) that difference reaches the next step's moments: by at most
          // wd·δp per step in m, and 2·|g + wd·p|·wd·δp in v (three steps: 3 δp).
          let gMax = 0;
          for (let i = 0; i < gs.length; i++) gMax = Math.max(gMax, Math.abs(gs[i]!) + h.weightDecay * Math.abs(rp[i]!));
          const dp = 3e-7 * h.weightDecay;
          expectClose(m, rm, 1e-30 + dp, 1e-6);
          expectClose(v, rv, 1e-30 + 2 * (gMax + 1) * dp, 1e-6);
          expectClose(p, rp, 1e-7, 1e-6);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("first step moves each parameter by lr·sign(g) (no decay, |g| ≫ ε)", () => {
    const p = Float32Array.of(1, -2, 0.5);
    k.adamStep(p, Float32Array.of(0.1, -0.2, 0.3), new Float32Array(3), new Float32Array(3), {
      lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1,
    });
    expectClose(p, [0.9, -1.9, 0.4], 1e-6, 0);
  });

  it("checks lengths and the step number, naming the kernel", () => {
    const a = new Float32Array(3);
    const o = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, decoupled: false, step: 1 };
    expect(() => k.adamStep(a, new Float32Array(2), a, a, o)).toThrow(ShapeError);
    expect(() => k.adamStep(a, new Float32Array(2), a, a, o)).toThrow(/adamStep: param, grad, expAvg, expAvgSq must have the same length, got 3, 2, 3, 3/);
    expect(() => k.adamStep(a, a, a, a, { ...o, step: 0 })).toThrow(/adamStep: step must be an integer ≥ 1, got 0/);
  });
});
