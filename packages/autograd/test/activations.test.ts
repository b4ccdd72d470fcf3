import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { constant, exp, gelu, log, param, relu, sigmoid, silu, sqrt, sum, swiglu, tanh, type Variable } from "../src/index.js";
import { FAST, awayFromZero, expectClose, expectGradOk, rngOf, seedArb, shapeArb, uniform } from "./helpers.js";

type Unary = (x: Variable) => Variable;

// Input ranges: log and sqrt need x > 0 (and away from 0, where the curvature is large);
// relu needs |x| away from its kink at 0 (the FD step is ~1e-2).
const cases: [string, Unary, (shape: number[], seed: number) => Tensor][] = [
  ["exp", exp, (s, seed) => uniform(s, rngOf(seed), -2, 2)],
  ["log", log, (s, seed) => uniform(s, rngOf(seed), 0.5, 3)],
  ["sqrt", sqrt, (s, seed) => uniform(s, rngOf(seed), 0.5, 3)],
  ["tanh", tanh, (s, seed) => uniform(s, rngOf(seed), -2, 2)],
  ["sigmoid", sigmoid, (s, seed) => uniform(s, rngOf(seed), -3, 3)],
  ["relu", relu, (s, seed) => awayFromZero(s, rngOf(seed), 0.1, 2)],
  ["gelu", gelu, (s, seed) => uniform(s, rngOf(seed), -3, 3)],
  ["silu", silu, (s, seed) => uniform(s, rngOf(seed), -3, 3)],
];

describe("activations", () => {
  for (const [name, f, gen] of cases) {
    it(`${name} passes gradCheck over random shapes`, () => {
      fc.assert(
        fc.property(shapeArb(), seedArb, (shape, seed) => expectGradOk(f, [gen(shape, seed)], { seed })),
        FAST,
      );
    });
  }

  it("swiglu passes gradCheck for both inputs", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => {
        const rng = rngOf(seed);
        expectGradOk((g, u) => swiglu(g, u), [uniform(shape, rng, -3, 3), uniform(shape, rng)], { seed });
      }),
      FAST,
    );
  });

  it("swiglu differentiates one side when the other is a constant", () => {
    const rng = rngOf(5);
    const gate = param(uniform([6], rng));
    const up = constant(uniform([6], rng));
    sum(swiglu(gate, up)).backward();
    expect(gate.grad).not.toBeNull();
    expect(up.grad).toBeNull();
  });

  it("computes known values", () => {
    const x = param(Tensor.from([-1, 0, 2]));
    expectClose(relu(x).data, [0, 0, 2]);
    expectClose(exp(x).data, [Math.exp(-1), 1, Math.exp(2)]);
    expectClose(sigmoid(x).data, [1 / (1 + Math.E), 0.5, 1 / (1 + Math.exp(-2))]);
    expectClose(silu(x).data, [-1 / (1 + Math.E), 0, 2 / (1 + Math.exp(-2))]);
    // relu's gradient at the kink is 0, and 1 on the positive side.
    sum(relu(x)).backward();
    expectClose(x.grad!.data, [0, 0, 1]);
  });

  it("swiglu rejects mismatched shapes", () => {
    expect(() => swiglu(param(Tensor.zeros([2, 3])), param(Tensor.zeros([3, 2])))).toThrow(ShapeError);
    expect(() => swiglu(param(Tensor.zeros([2, 3])), param(Tensor.zeros([3, 2])))).toThrow(/swiglu.*\[2, 3\].*\[3, 2\]/);
  });
});
