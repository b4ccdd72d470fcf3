import { Tensor } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { ConfigError, Parameter, SGD } from "../src/index.js";

function steps(opt: SGD, p: Parameter, grads: number[][]): number[][] {
  return grads.map((g) => {
    p.grad = Tensor.from(new Float32Array(g), [g.length]);
    opt.step();
    return p.value.toArray();
  });
}

describe("SGD", () => {
  it("plain: p ← p − lr·g", () => {
    const p = new Parameter(Tensor.from(new Float32Array([1, 2]), [2]), "w");
    const out = steps(new SGD([p], { lr: 0.5 }), p, [[0.2, -0.4]]);
    expect(out[0]![0]).toBeCloseTo(0.9, 6);
    expect(out[0]![1]).toBeCloseTo(2.2, 6);
  });

  it("momentum: the buffer starts at g, then b ← μ·b + (1 − dampening)·g (PyTorch)", () => {
    // μ 0.9, lr 0.1, g1 = 1, g2 = 1: b1 = 1 → p = 1 − 0.1 = 0.9; b2 = 0.9 + 1 = 1.9 → p = 0.9 − 0.19 = 0.71
    const p = new Parameter(Tensor.from(new Float32Array([1]), [1]), "w");
    const out = steps(new SGD([p], { lr: 0.1, momentum: 0.9 }), p, [[1], [1]]);
    expect(out[0]![0]).toBeCloseTo(0.9, 6);
    expect(out[1]![0]).toBeCloseTo(0.71, 6);
  });

  it("nesterov and weight decay", () => {
    // wd 0.5: d = g + 0.5·p = 1 + 0.5 = 1.5; b = 1.5; nesterov d = 1.5 + 0.9·1.5 = 2.85; p = 1 − 0.1·2.85 = 0.715
    const p = new Parameter(Tensor.from(new Float32Array([1]), [1]), "w");
    const out = steps(new SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.5 }), p, [[1]]);
    expect(out[0]![0]).toBeCloseTo(0.715, 6);
    expect(() => new SGD([p], { lr: 0.1, nesterov: true })).toThrow(ConfigError);
  });

  it("skips parameters without a grad", () => {
    const p = new Parameter(Tensor.from(new Float32Array([1]), [1]), "w");
    new SGD([p], { lr: 1 }).step();
    expect(p.value.toArray()).toEqual([1]);
  });
});
