import { Tensor } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { ConfigError, LayerNorm, ParamSource, RMSNorm } from "../src/index.js";
import { closeTo, expectGradOk, layerGradCheck, randn, v } from "./helpers.js";

// x = [1, 2, 3, 4]: mean 2.5, biased variance (2.25 + 0.25 + 0.25 + 2.25)/4 = 1.25, σ = √1.25 = 1.1180340
const x = () => v([1, 2, 3, 4], [1, 4]);
const wb = { weight: Tensor.from(new Float32Array([1, 2, 1, 1]), [4]), bias: Tensor.from(new Float32Array([0, 0, 1, 0]), [4]) };

describe("LayerNorm", () => {
  it("PyTorch form (x − μ)/√(σ² + ε)·w + b (hand example, ε = 1: divide by 1.5)", () => {
    const ln = new LayerNorm(ParamSource.fromTensors(wb), 4, { eps: 1 });
    closeTo(ln.forward(x()).data, [-1.5 / 1.5, (-0.5 / 1.5) * 2, 0.5 / 1.5 + 1, 1.5 / 1.5]);
  });

  it('RustGPT form "outside": (x − μ)/(σ + ε)·w + b (ε = 1: divide by 2.1180340)', () => {
    const ln = new LayerNorm(ParamSource.fromTensors(wb), 4, { eps: 1, epsPlacement: "outside" });
    const d = Math.sqrt(1.25) + 1;
    closeTo(ln.forward(x()).data, [-1.5 / d, (-0.5 / d) * 2, 0.5 / d + 1, 1.5 / d]);
  });

  it("the two forms differ by about ε/(2σ²) relative at the default ε", () => {
    const ps = ParamSource.init(0);
    const a = new LayerNorm(ps.pp("a"), 4).forward(x()).data;
    const b = new LayerNorm(ps.pp("b"), 4, { epsPlacement: "outside" }).forward(x()).data;
    expect(Math.abs(a[0]! - b[0]!)).toBeGreaterThan(0);
    expect(Math.abs(a[0]! / b[0]! - 1)).toBeLessThan(1e-4);
  });

  it("gradCheck over input, weight and bias, both forms", () => {
    for (const epsPlacement of ["inside", "outside"] as const) {
      const ln = new LayerNorm(ParamSource.init(2), 5, { epsPlacement });
      expectGradOk(layerGradCheck(ln, [randn([2, 3, 5], 3)], (h) => ln.forward(h!)));
    }
  });

  it("no bias; bad options name the field", () => {
    expect(new LayerNorm(ParamSource.init(0), 4, { bias: false }).namedParameters().map(([n]) => n)).toEqual(["weight"]);
    expect(() => new LayerNorm(ParamSource.init(0), 4, { epsPlacement: "middle" as "inside" })).toThrow(ConfigError);
  });
});

describe("RMSNorm", () => {
  it("x / √(mean(x²) + ε)·w (hand example: [3, 4] → [3, 4]/√12.5)", () => {
    const rn = new RMSNorm(ParamSource.fromTensors({ weight: Tensor.from(new Float32Array([1, 2]), [2]) }), 2, { eps: 0 });
    closeTo(rn.forward(v([3, 4], [1, 2])).data, [3 / Math.sqrt(12.5), 8 / Math.sqrt(12.5)]);
  });

  it("gradCheck over input and weight", () => {
    const rn = new RMSNorm(ParamSource.init(1), 6);
    expectGradOk(layerGradCheck(rn, [randn([3, 6], 4)], (h) => rn.forward(h!)));
  });
});
