import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShapeError, Tensor } from "@mini/tensor";
import { crossEntropy, logSoftmax, mean, mul, param, sum } from "../src/index.js";
import { FAST, expectClose, expectGradOk, rngOf, seedArb, uniform } from "./helpers.js";

const dims = fc.record({
  lead: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 2 }),
  V: fc.integer({ min: 1, max: 7 }),
});

describe("crossEntropy", () => {
  it("passes gradCheck over random shapes, with some targets ignored", () => {
    fc.assert(
      fc.property(dims, seedArb, ({ lead, V }, seed) => {
        const rng = rngOf(seed);
        const rows = lead.reduce((a, b) => a * b, 1);
        const targets = Int32Array.from({ length: rows }, () => (rng.uniform() < 0.25 ? -100 : rng.int(V)));
        expectGradOk((x) => crossEntropy(x, targets), [uniform([...lead, V], rng, -3, 3)], { seed });
      }),
      FAST,
    );
  });

  it("matches a hand computation with ignoreIndex", () => {
    // Row 0: logits [1, 2, 3], target 2; row 1 ignored (−1); row 2: logits [0, 0, 0], target 0.
    const logits = param(Tensor.from([1, 2, 3, 5, 5, 5, 0, 0, 0], [3, 3]));
    const targets = Int32Array.from([2, -1, 0]);
    const loss = crossEntropy(logits, targets, { ignoreIndex: -1 });
    const lse0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    const l0 = lse0 - 3;
    const l2 = Math.log(3);
    expect(loss.item()).toBeCloseTo((l0 + l2) / 2, 6);
    loss.backward();
    const p0 = [1, 2, 3].map((v) => Math.exp(v - lse0));
    expectClose(logits.grad!.data, [p0[0]! / 2, p0[1]! / 2, (p0[2]! - 1) / 2, 0, 0, 0, (1 / 3 - 1) / 2, 1 / 6, 1 / 6], 1e-5);
  });

  it("equals the mean of −logSoftmax at the targets (composed ops) in value and gradient", () => {
    const rng = rngOf(8);
    const x = uniform([2, 3, 5], rng, -3, 3);
    const targets = Int32Array.from({ length: 6 }, () => rng.int(5));
    const onehot = Tensor.zeros([2, 3, 5]);
    targets.forEach((t, r) => (onehot.data[r * 5 + t] = -1));
    const a = param(x.clone());
    const b = param(x.clone());
    const fused = crossEntropy(a, targets);
    const composed = mul(sum(mul(logSoftmax(b), param(onehot))), 1 / 6);
    expect(fused.item()).toBeCloseTo(composed.item(), 5);
    fused.backward();
    composed.backward();
    expectClose(a.grad!.data, b.grad!.data, 1e-5);
  });

  it("returns 0 with zero gradients when every target is ignored", () => {
    const logits = param(uniform([2, 4], rngOf(1)));
    const loss = crossEntropy(logits, [-100, -100]);
    expect(loss.item()).toBe(0);
    loss.backward();
    expect(Array.from(logits.grad!.data)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("is stable for huge logits (no log of an underflowed probability)", () => {
    const logits = param(Tensor.from([1000, 0, -1000], [1, 3]));
    const loss = crossEntropy(logits, [2]);
    expect(loss.item()).toBeCloseTo(2000, 1);
    loss.backward();
    expectClose(logits.grad!.data, [1, 0, -1]);
    expect(mean(logits).item()).toBe(0);
  });

  it("rejects wrong target counts and out-of-range targets", () => {
    const logits = param(Tensor.zeros([2, 3]));
    expect(() => crossEntropy(logits, [0])).toThrow(ShapeError);
    expect(() => crossEntropy(logits, [0])).toThrow(/1 targets for logits \[2, 3\] \(2 rows of 3\)/);
    expect(() => crossEntropy(logits, [0, 3])).toThrow(/targets\[1\] = 3 is not a class in \[0, 3\)/);
    expect(() => crossEntropy(logits, [0, -100], { ignoreIndex: -1 })).toThrow(/targets\[1\] = -100/);
  });
});
