import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { add, constant, div, layerNorm, mean, mul, param, rmsNorm, sqrt, sub, sum, type Variable } from "../src/index.js";
import { FAST, awayFromZero, expectClose, expectGradOk, rngOf, seedArb, shapeArb, uniform } from "./helpers.js";

/**
 * Rows with a spread of values: a ramp (step 1) plus small noise and a random shift per row, so no
 * row has a tiny variance (1/std blows up the curvature, and FD with a 1e-2 step would fail).
 */
function spreadRows(shape: number[], seed: number): Tensor {
  const rng = rngOf(seed);
  const cols = shape[shape.length - 1]!;
  const t = Tensor.zeros(shape);
  const d = t.data;
  for (let r = 0; r < d.length / cols; r++) {
    const shift = rng.uniform() * 2 - 1;
    for (let j = 0; j < cols; j++) d[r * cols + j] = shift + (j - (cols - 1) / 2) + 0.25 * (rng.uniform() * 2 - 1);
  }
  return t;
}

const normShape = shapeArb(1, 4, 7).filter((s) => s[s.length - 1]! >= 2);

describe("layerNorm / rmsNorm", () => {
  it("layerNorm (with and without bias) passes gradCheck for x, weight and bias", () => {
    fc.assert(
      fc.property(normShape, seedArb, (shape, seed) => {
        const rng = rngOf(seed);
        const C = shape[shape.length - 1]!;
        const x = spreadRows(shape, seed);
        const w = uniform([C], rng, 0.5, 1.5);
        const b = uniform([C], rng);
        expectGradOk((xv, wv, bv) => layerNorm(xv, wv, bv), [x, w, b], { seed });
        expectGradOk((xv, wv) => layerNorm(xv, wv, null, 1e-5), [x, w], { seed });
      }),
      FAST,
    );
  });

  it('layerNorm with epsPlacement "outside" (RustGPT: σ + ε) passes gradCheck and matches the composed form', () => {
    fc.assert(
      fc.property(normShape, seedArb, (shape, seed) => {
        const rng = rngOf(seed);
        const C = shape[shape.length - 1]!;
        const x = spreadRows(shape, seed);
        const w = uniform([C], rng, 0.5, 1.5);
        const b = uniform([C], rng);
        const outside = { epsPlacement: "outside" } as const;
        expectGradOk((xv, wv, bv) => layerNorm(xv, wv, bv, 1e-5, outside), [x, w, b], { seed });
        expectGradOk((xv, wv) => layerNorm(xv, wv, null, 0.1, outside), [x, w], { seed });
        // The same function composed from primitive ops: equal values and gradients.
        const composed = (xv: Variable, wv: Variable, bv: Variable, eps: number): Variable => {
          const c = sub(xv, mean(xv, -1, { keepdim: true }));
          const sigma = sqrt(mean(mul(c, c), -1, { keepdim: true }));
          return add(mul(div(c, add(sigma, eps)), wv), bv);
        };
        const r = uniform(shape, rng);
        const grads = (f: (xv: Variable, wv: Variable, bv: Variable) => Variable) => {
          const [xv, wv, bv] = [param(x), param(w), param(b)];
          const y = f(xv, wv, bv);
          sum(mul(y, constant(r))).backward();
          return [y.data, xv.grad!.data, wv.grad!.data, bv.grad!.data];
        };
        const fused = grads((xv, wv, bv) => layerNorm(xv, wv, bv, 0.1, outside));
        const ref = grads((xv, wv, bv) => composed(xv, wv, bv, 0.1));
        fused.forEach((a, i) => expectClose(a, ref[i]!, 1e-4));
      }),
      FAST,
    );
    expect(() => layerNorm(param(Tensor.zeros([2, 4])), param(Tensor.zeros([4])), null, 1e-5, { epsPlacement: "middle" as "inside" })).toThrow(
      /layerNorm: epsPlacement must be "inside" or "outside", got "middle"/,
    );
  });

  it("rmsNorm passes gradCheck for x and weight", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => {
        const rng = rngOf(seed);
        const C = shape[shape.length - 1]!;
        expectGradOk((xv, wv) => rmsNorm(xv, wv, 1e-6), [awayFromZero(shape, rng), uniform([C], rng, 0.5, 1.5)], { seed });
      }),
      FAST,
    );
  });

  it("normalizes rows and differentiates a constant weight side-free", () => {
    const x = param(Tensor.from([1, 2, 3, 4, -1, 0, 1, 2], [2, 4]));
    const w = constant(Tensor.from([1, 1, 1, 1]));
    const y = layerNorm(x, w, null, 0);
    for (let r = 0; r < 2; r++) {
      const row = Array.from(y.data.subarray(r * 4, r * 4 + 4));
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 5);
      expect(row.reduce((a, b) => a + b * b, 0) / 4).toBeCloseTo(1, 4);
    }
    const z = rmsNorm(x, w, 0);
    const rms = Math.sqrt((1 + 4 + 9 + 16) / 4);
    expectClose(z.data.subarray(0, 4), [1 / rms, 2 / rms, 3 / rms, 4 / rms]);
    sum(z).backward();
    expect(x.grad).not.toBeNull();
    expect(w.grad).toBeNull();
  });

  it("throws ShapeError naming the op and shapes for a wrong weight or bias", () => {
    const x = param(Tensor.zeros([2, 4]));
    expect(() => layerNorm(x, param(Tensor.zeros([3])))).toThrow(ShapeError);
    expect(() => layerNorm(x, param(Tensor.zeros([3])))).toThrow(/layerNorm: weight must be \[4\] for x \[2, 4\], got \[3\]/);
    expect(() => layerNorm(x, param(Tensor.zeros([4])), param(Tensor.zeros([5])))).toThrow(/layerNorm: bias must be \[4\]/);
    expect(() => rmsNorm(x, param(Tensor.zeros([2, 4])))).toThrow(/rmsNorm: weight must be \[4\]/);
  });
});
