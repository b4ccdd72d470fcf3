import { describe, expect, it } from "vitest";
import { Tensor, kernels } from "@mini/tensor";
import { gradCheck, gradOf, log, matmul, mul, record, scale, sum, tanh, type Variable } from "../src/index.js";
import { rngOf, uniform } from "./helpers.js";

/** x³ with a backward scaled by `factor` (1 = correct) and optionally wrong at one element only. */
function cube(x: Variable, factor = 1, wrongAt = -1): Variable {
  const xd = x.data;
  const y = Tensor.from(
    xd.map((v) => v * v * v),
    x.shape,
  );
  return record("cube", y, [x], (dy) => {
    const dx = gradOf(x);
    for (let i = 0; i < dx.length; i++) dx[i] += dy[i]! * 3 * xd[i]! * xd[i]! * (i === wrongAt ? 1.5 : factor);
  });
}

describe("gradCheck", () => {
  it("accepts a correct gradient and reports small errors", () => {
    const x = uniform([3, 4], rngOf(1));
    const r = gradCheck((v) => cube(v), [x]);
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(12);
    expect(r.maxRelError).toBeLessThan(1e-3);
    expect(r.worst).not.toBeNull();
  });

  it("rejects a gradient that is 5% off and points at the worst element", () => {
    const x = uniform([3, 4], rngOf(2), 0.5, 2);
    const r = gradCheck((v) => cube(v, 1.05), [x]);
    expect(r.ok).toBe(false);
    expect(r.maxRelError).toBeGreaterThan(0.04);
    const w = r.worst!;
    expect(w.input).toBe(0);
    expect(Math.abs(w.analytic / w.numeric - 1.05)).toBeLessThan(0.01);
  });

  it("catches an error in one element of a non-scalar output (random projection)", () => {
    const x = uniform([2, 5], rngOf(3), 0.5, 2);
    const r = gradCheck((v) => cube(v, 1, 7), [x]);
    expect(r.ok).toBe(false);
    expect(r.worst!.index).toBe(7);
  });

  it("catches a missing constant factor, like an attention backward without 1/√d", () => {
    // Correct: d/dq of sum(tanh(q·kᵀ/√d)); the wrong variant drops the 1/√d in backward only.
    const q = uniform([3, 4], rngOf(4), -1, 1);
    const k = uniform([4, 5], rngOf(5), -1, 1);
    const scaleNoGrad = (v: Variable, s: number) =>
      record("scale", Tensor.from(kernels.mulScalar(v.data, s), v.shape), [v], (dy) => kernels.axpy(1, dy, gradOf(v)));
    expect(gradCheck((a, b) => tanh(scale(matmul(a, b), 0.5)), [q, k]).ok).toBe(true);
    expect(gradCheck((a, b) => tanh(scaleNoGrad(matmul(a, b), 0.5)), [q, k]).ok).toBe(false);
  });

  it("checks a seeded subset with maxPerInput, only the `wrt` inputs, and an unused input", () => {
    const a = uniform([10, 10], rngOf(6));
    const b = uniform([3], rngOf(7));
    const r = gradCheck((x) => sum(mul(x, x)), [a, b], { maxPerInput: 20 });
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(20 + 3); // b is unused: analytic 0 and numeric 0
    expect(gradCheck((x) => sum(mul(x, x)), [a, b], { wrt: [1] }).checked).toBe(3);
    expect(() => gradCheck((x) => x, [a], { wrt: [2] })).toThrow(/wrt index 2 is not an input/);
  });

  it("fails (instead of passing silently) when the numeric derivative is NaN", () => {
    // log at x ≈ 0.005: the step 1e-2 crosses 0, so L(x − h) is NaN.
    const r = gradCheck((v) => log(v), [Tensor.from([0.005, 1])]);
    expect(r.ok).toBe(false);
    expect(r.worst!.index).toBe(0);
  });
});
