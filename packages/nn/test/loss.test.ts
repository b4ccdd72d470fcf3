import { Variable, gradCheck } from "@mini/autograd";
import { Tensor } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { crossEntropyLoss } from "../src/index.js";
import { expectGradOk, randn } from "./helpers.js";

describe("crossEntropyLoss", () => {
  it("hand example over [B, T, V], ignored positions not counted", () => {
    // logits rows: [0, 0] (target 0) → ln 2; [ln 3, 0] (target 1) → −log(1/4) = ln 4; third row ignored.
    const logits = new Variable(Tensor.from(new Float32Array([0, 0, Math.log(3), 0, 5, -5]), [1, 3, 2]), { requiresGrad: true });
    const loss = crossEntropyLoss(logits, [0, 1, -100]);
    expect(loss.item()).toBeCloseTo((Math.log(2) + Math.log(4)) / 2, 6);
    loss.backward();
    expect(Array.from(logits.grad!.data.subarray(4))).toEqual([0, 0]);
  });

  it("custom ignoreIndex, and a batch of padding only gives 0", () => {
    const logits = new Variable(randn([2, 2, 3], 1));
    expect(crossEntropyLoss(logits, [0, 0, 0, 0], { ignoreIndex: 0 }).item()).toBe(0);
  });

  it("gradCheck of the logits", () => {
    expectGradOk(gradCheck((l) => crossEntropyLoss(l!, [1, -100, 2, 0]), [randn([2, 2, 3], 2)]));
  });

  it("wrong target count or a target out of range is an error naming them", () => {
    const logits = new Variable(randn([2, 3, 5], 1));
    expect(() => crossEntropyLoss(logits, [1, 2])).toThrow("crossEntropyLoss: logits [2, 3, 5] have 6 positions, targets have 2");
    expect(() => crossEntropyLoss(logits, [1, 2, 3, 4, 5, 0])).toThrow("crossEntropyLoss: targets[4] = 5 is neither a class in [0, 5) nor ignoreIndex (-100)");
  });
});
