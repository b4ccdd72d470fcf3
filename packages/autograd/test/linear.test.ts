import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { add, constant, linear, matmulTransB, mul, param, sum, type Variable } from "../src/index.js";
import { FAST, expectClose, expectGradOk, rngOf, seedArb, uniform } from "./helpers.js";

const dims = fc.record({
  lead: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
  K: fc.integer({ min: 1, max: 6 }),
  N: fc.integer({ min: 1, max: 6 }),
});

describe("linear", () => {
  it("equals matmulTransB + bias, values and gradients", () => {
    fc.assert(
      // matmulTransB needs rank ≥ 2 (linear also takes a plain vector x [in]: see gradCheck below)
      fc.property(dims.filter((d) => d.lead.length > 0), seedArb, fc.boolean(), ({ lead, K, N }, seed, withBias) => {
        const rng = rngOf(seed);
        const x = uniform([...lead, K], rng);
        const w = uniform([N, K], rng);
        const b = uniform([N], rng);
        const r = uniform([...lead, N], rng);
        const run = (f: (xv: Variable, wv: Variable, bv: Variable | null) => Variable) => {
          const [xv, wv, bv] = [param(x), param(w), withBias ? param(b) : null];
          const y = f(xv, wv, bv);
          sum(mul(y, constant(r))).backward();
          return { y, grads: [xv.grad!.data, wv.grad!.data, ...(bv ? [bv.grad!.data] : [])] };
        };
        const fused = run((xv, wv, bv) => linear(xv, wv, bv));
        const composed = run((xv, wv, bv) => (bv ? add(matmulTransB(xv, wv), bv) : matmulTransB(xv, wv)));
        expect(fused.y.shape).toEqual([...lead, N]);
        expectClose(fused.y.data, composed.y.data);
        fused.grads.forEach((g, i) => expectClose(g, composed.grads[i]!));
      }),
      FAST,
    );
  });

  it("passes gradCheck for x, weight and bias", () => {
    fc.assert(
      fc.property(dims, seedArb, ({ lead, K, N }, seed) => {
        const rng = rngOf(seed);
        expectGradOk((xv, wv, bv) => linear(xv, wv, bv), [uniform([...lead, K], rng), uniform([N, K], rng), uniform([N], rng)], { seed });
        expectGradOk((xv, wv) => linear(xv, wv), [uniform([...lead, K], rng), uniform([N, K], rng)], { seed });
      }),
      FAST,
    );
  });

  it("hand example: [1, 2]·[[1, 0], [1, 1], [0, 2]]ᵀ + [10, 20, 30] = [11, 23, 34]", () => {
    const y = linear(param(Tensor.from([1, 2], [1, 2])), param(Tensor.from([1, 0, 1, 1, 0, 2], [3, 2])), param(Tensor.from([10, 20, 30])));
    expectClose(y.data, [11, 23, 34]);
  });

  it("throws ShapeError naming the op and the shapes", () => {
    const x = param(Tensor.zeros([2, 4]));
    expect(() => linear(x, param(Tensor.zeros([3, 5])))).toThrow(ShapeError);
    expect(() => linear(x, param(Tensor.zeros([3, 5])))).toThrow(/linear: x \[2, 4\] must end in 5 \(in features of weight \[3, 5\]\)/);
    expect(() => linear(x, param(Tensor.zeros([4])))).toThrow(/linear: weight must be \[out, in\], got \[4\]/);
    expect(() => linear(x, param(Tensor.zeros([3, 4])), param(Tensor.zeros([4])))).toThrow(/linear: bias must be \[3\] for weight \[3, 4\], got \[4\]/);
  });
});
