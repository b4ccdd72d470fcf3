/**
 * Sequential and the activation modules: the same function as the layers applied by hand,
 * gradients against finite differences (inputs and every parameter), plain Tensor inputs, the
 * base Module.forward contract, and optimizers over autograd's own param() variables.
 */
import { backward, constant, gelu, mean, mul, param, sigmoid, silu, sub, tanh, type Variable } from "@mini/autograd";
import { Tensor } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { AdamW, ConfigError, GELU, Linear, Module, ParamSource, ReLU, Sequential, Sigmoid, SiLU, SGD, Tanh } from "../src/index.js";
import { closeTo, expectGradOk, layerGradCheck, randn } from "./helpers.js";

describe("Sequential", () => {
  const build = () => {
    const ps = ParamSource.init(7, { pinned: false });
    return new Sequential(new Linear(ps.pp("0"), 3, 5), new Tanh(), new Linear(ps.pp("2"), 5, 2), new SiLU());
  };

  it("applies the layers in order, keeps their names, and takes a plain Tensor", () => {
    const mlp = build();
    const [l0, , l2] = mlp.layers as [Linear, Tanh, Linear, SiLU];
    const x = randn([4, 3], 1);
    const byHand = silu(l2.forward(tanh(l0.forward(x))));
    closeTo(mlp.forward(x).value.data, byHand.value.data, 0);
    expect(mlp.namedParameters().map(([n]) => n)).toEqual(["0.weight", "0.bias", "2.weight", "2.bias"]);
  });

  it("gradCheck over the input and every parameter", () => {
    const mlp = build();
    expectGradOk(layerGradCheck(mlp, [randn([2, 3], 3)], (x) => mlp.forward(x!)));
  });

  it("refuses a layer that is not a Module", () => {
    expect(() => new Sequential(new Tanh(), (() => 1) as unknown as Module)).toThrow(new ConfigError("Sequential: layer 1 is not a Module (got function)"));
  });
});

describe("activation modules", () => {
  const x = randn([3, 4], 5);
  it.each([
    ["ReLU", new ReLU(), (v: Tensor) => v.data.map((a) => Math.max(0, a))],
    ["GELU", new GELU(), (v: Tensor) => gelu(param(v)).value.data],
    ["SiLU", new SiLU(), (v: Tensor) => silu(param(v)).value.data],
    ["Tanh", new Tanh(), (v: Tensor) => v.data.map(Math.tanh)],
    ["Sigmoid", new Sigmoid(), (v: Tensor) => sigmoid(param(v)).value.data],
  ] as const)("%s computes its op and has no parameters", (_name, m, want) => {
    closeTo(m.forward(x).value.data, want(x), 1e-6);
    expect(m.numParameters()).toBe(0);
  });

  it.each([new GELU(), new SiLU(), new Tanh(), new Sigmoid()])("gradCheck of %o", (m) => {
    expectGradOk(layerGradCheck(m, [randn([2, 3], 9)], (v) => m.forward(v!)));
  });
});

describe("the forward contract", () => {
  it("a module that only groups parts says it has no forward", () => {
    class Parts extends Module {}
    expect(() => new Parts().forward(randn([1], 1))).toThrow(/Parts\.forward: this module defines no forward/);
  });
});

describe("optimizers over any trainable tensor", () => {
  it("AdamW fits autograd's param() (the autograd README's leaf), and names its state by label", () => {
    const w = param(Tensor.from(new Float32Array([0, 0]), [2]), "w");
    const target = Tensor.from(new Float32Array([3, -1]), [2]);
    const opt = new AdamW([w], { lr: 0.1, weightDecay: 0 });
    for (let i = 0; i < 300; i++) {
      opt.zeroGrad();
      const d: Variable = sub(w, constant(target));
      backward(mean(mul(d, d)));
      opt.step();
    }
    closeTo(w.value.data, [3, -1], 1e-2);
    expect(Object.keys(opt.stateDict().tensors).sort()).toEqual(["w.exp_avg", "w.exp_avg_sq"]);
  });

  it("names unlabeled variables by position and refuses one listed twice", () => {
    const a = param(Tensor.zeros([1]));
    const b = param(Tensor.zeros([1]));
    expect(new SGD([a, b], { lr: 0.1 }).names).toEqual(["param0", "param1"]);
    expect(() => new SGD([a, a], { lr: 0.1 })).toThrow(/SGD: parameter param1 is listed twice/);
  });
});
