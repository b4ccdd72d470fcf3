import { Tensor } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { Linear, ParamSource } from "../src/index.js";
import { closeTo, expectGradOk, layerGradCheck, randn, v } from "./helpers.js";

describe("Linear", () => {
  it("y = x·Wᵀ + b with W [out, in] (hand example)", () => {
    // W = [[1, 2], [3, 4], [5, 6]], b = [0.5, −0.5, 1], x = [1, −1]:
    // y = [1 − 2 + 0.5, 3 − 4 − 0.5, 5 − 6 + 1] = [−0.5, −1.5, 0]
    const ps = ParamSource.fromTensors({
      weight: Tensor.from(new Float32Array([1, 2, 3, 4, 5, 6]), [3, 2]),
      bias: Tensor.from(new Float32Array([0.5, -0.5, 1]), [3]),
    });
    const lin = new Linear(ps, 2, 3);
    const y = lin.forward(v([1, -1, 2, 0], [2, 2]));
    expect(y.shape).toEqual([2, 3]);
    closeTo(y.data, [-0.5, -1.5, 0, 2.5, 5.5, 11]);
  });

  it("works over leading dims [B, T, in] and without bias", () => {
    const lin = new Linear(ParamSource.init(3), 4, 5, { bias: false });
    expect(lin.bias).toBeNull();
    expect(lin.forward(v(new Array(2 * 3 * 4).fill(1), [2, 3, 4])).shape).toEqual([2, 3, 5]);
  });

  it("PyTorch default init lies in ±1/√in", () => {
    const lin = new Linear(ParamSource.init(3), 16, 32);
    for (const x of [...lin.weight.value.data, ...lin.bias!.value.data]) expect(Math.abs(x)).toBeLessThanOrEqual(0.25);
  });

  it("gradients w.r.t. input, weight and bias pass gradCheck", () => {
    const lin = new Linear(ParamSource.init(5), 4, 3);
    expectGradOk(layerGradCheck(lin, [randn([2, 3, 4], 1)], (x) => lin.forward(x!)));
  });

  it("a wrong input width names the layer", () => {
    const lin = new Linear(ParamSource.init(1).pp("q_proj"), 4, 3);
    expect(() => lin.forward(v([1, 2, 3], [1, 3]))).toThrow("Linear q_proj: input [1, 3] must end in 4 (in features), got 3");
  });
});
