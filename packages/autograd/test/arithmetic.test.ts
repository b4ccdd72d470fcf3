import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { add, div, mul, neg, param, scale, sub, sum, type Variable } from "../src/index.js";
import { FAST, awayFromZero, broadcastPartner, expectClose, expectGradOk, rngOf, seedArb, shapeArb, uniform } from "./helpers.js";

describe("add/sub/mul/div", () => {
  it("pass gradCheck on equal random shapes", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => {
        const rng = rngOf(seed);
        const a = uniform(shape, rng);
        const b = awayFromZero(shape, rng);
        for (const op of [add, sub, mul, div]) expectGradOk((x, y) => op(x, y), [a, b], { seed });
      }),
      FAST,
    );
  });

  it("pass gradCheck with broadcasting either way", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, fc.boolean(), (shape, seed, swap) => {
        const rng = rngOf(seed);
        const big = uniform(shape, rng);
        const small = awayFromZero(broadcastPartner(shape, rng), rng);
        const [a, b] = swap ? [small, awayFromZero(shape, rng)] : [big, small];
        for (const op of [add, sub, mul, div]) expectGradOk((x, y) => op(x, y), [a, b], { seed });
      }),
      FAST,
    );
  });

  it("pass gradCheck with two-sided broadcasting ([n,1] with [1,m])", () => {
    const rng = rngOf(3);
    const a = uniform([4, 1], rng);
    const b = awayFromZero([1, 5], rng);
    for (const op of [add, sub, mul, div]) expectGradOk((x, y) => op(x, y), [a, b]);
  });

  it("treat same-size shapes that differ only by 1s ([1, 3, 2] with [3, 2]) as elementwise, either side", () => {
    const rng = rngOf(4);
    const a = uniform([1, 3, 2], rng);
    const b = awayFromZero([3, 2], rng);
    for (const op of [add, sub, mul, div]) {
      expectGradOk((x, y) => op(x, y), [a, b]);
      expectGradOk((x, y) => op(x, y), [b, a]);
      expect([...op(param(b), param(a)).shape]).toEqual([1, 3, 2]);
    }
    expectClose(add(param(a), param(b)).data, Array.from(a.data, (v, i) => v + b.data[i]!));
  });

  it("pass gradCheck with number operands on either side, and neg/scale", () => {
    fc.assert(
      fc.property(shapeArb(), seedArb, (shape, seed) => {
        const rng = rngOf(seed);
        const x = awayFromZero(shape, rng);
        const fns = [
          (v: Variable) => add(v, 1.5),
          (v: Variable) => add(-2, v),
          (v: Variable) => sub(v, 0.5),
          (v: Variable) => sub(3, v),
          (v: Variable) => mul(v, -1.5),
          (v: Variable) => mul(2, v),
          (v: Variable) => div(v, 4),
          (v: Variable) => div(2, v),
          (v: Variable) => neg(v),
          (v: Variable) => scale(v, 0.25),
        ];
        for (const f of fns) expectGradOk(f, [x], { seed });
      }),
      FAST,
    );
  });

  it("sums a broadcast input's gradient back to its shape", () => {
    // a [2, 3] + b [3]: every b element is used twice, so db = 2 (for loss = sum).
    const a = param(Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]));
    const b = param(Tensor.from([10, 20, 30], [3]));
    const y = add(a, b);
    expect([...y.shape]).toEqual([2, 3]);
    expectClose(y.data, [11, 22, 33, 14, 25, 36]);
    sum(mul(y, 1)).backward();
    expect([...b.grad!.shape]).toEqual([3]);
    expectClose(b.grad!.data, [2, 2, 2]);
    expectClose(a.grad!.data, [1, 1, 1, 1, 1, 1]);
    // mul with a column [2, 1]: d(sum(a·c))/dc = row sums of a.
    const c = param(Tensor.from([1, -1], [2, 1]));
    a.zeroGrad();
    sum(mul(a, c)).backward();
    expectClose(c.grad!.data, [6, 15]);
    expectClose(a.grad!.data, [1, 1, 1, -1, -1, -1]);
  });

  it("computes the forward values", () => {
    const a = param(Tensor.from([1, 2, 3, 4], [2, 2]));
    const b = param(Tensor.from([2, 4], [2]));
    expectClose(sub(a, b).data, [-1, -2, 1, 0]);
    expectClose(mul(a, b).data, [2, 8, 6, 16]);
    expectClose(div(a, b).data, [0.5, 0.5, 1.5, 1]);
    expectClose(div(1, b).data, [0.5, 0.25]);
    expectClose(sub(1, b).data, [-1, -3]);
  });

  it("throws a ShapeError naming the op and both shapes", () => {
    const a = param(Tensor.zeros([2, 3]));
    const b = param(Tensor.zeros([4]));
    for (const [op, name] of [
      [add, "add"],
      [sub, "sub"],
      [mul, "mul"],
      [div, "div"],
    ] as const) {
      expect(() => op(a, b)).toThrow(ShapeError);
      expect(() => op(a, b)).toThrow(new RegExp(`${name}.*\\[2, 3\\].*\\[4\\]`));
    }
  });

  it("rejects two numbers and non-finite scalars", () => {
    const a = param(Tensor.zeros([2]));
    expect(() => add(1, 2)).toThrow(/at least one operand must be a Variable/);
    expect(() => mul(a, Number.NaN)).toThrow(/finite/);
    expect(() => add(a, Infinity)).toThrow(/finite/);
    expect(() => div(a, 0)).toThrow(/division by the number 0/);
  });
});
