import { describe, expect, it } from "vitest";
import { Tensor } from "@mini/tensor";
import { Variable, add, constant, mul, param, sum, zeroGrad } from "../src/index.js";

describe("Variable", () => {
  it("param and constant make leaves with the right flags, shape and label", () => {
    const w = param(Tensor.zeros([2, 3]), "w");
    expect(w.requiresGrad).toBe(true);
    expect(w.isLeaf).toBe(true);
    expect(w.grad).toBeNull();
    expect([...w.shape]).toEqual([2, 3]);
    expect(w.size).toBe(6);
    expect(w.label).toBe("w");
    expect(w.op).toBeUndefined();
    expect(Variable.param(Tensor.zeros([1])).requiresGrad).toBe(true);
    const c = constant(Tensor.zeros([2]));
    expect(c.requiresGrad).toBe(false);
    expect(new Variable(Tensor.zeros([2])).requiresGrad).toBe(false);
    expect(() => new Variable([1, 2] as unknown as Tensor)).toThrow(/Variable: value must be a Tensor, got Array/);
  });

  it("op outputs are non-leaves that require grad only if an input does", () => {
    const w = param(Tensor.from([1, 2]));
    const c = constant(Tensor.from([3, 4]));
    const y = mul(w, c);
    expect(y.isLeaf).toBe(false);
    expect(y.op).toBe("mul");
    expect(y.requiresGrad).toBe(true);
    const z = mul(c, c);
    expect(z.requiresGrad).toBe(false);
    expect(z.isLeaf).toBe(true);
    expect(() => (y.requiresGrad = false)).toThrow(/requiresGrad can only be set on a leaf \(this one was made by mul\)/);
  });

  it("detach shares the value and stops gradients", () => {
    const w = param(Tensor.from([1, 2]));
    const d = mul(w, 3).detach();
    expect(d.requiresGrad).toBe(false);
    const loss = sum(add(mul(w, d), w));
    loss.backward();
    // d is a constant [3, 6]: dloss/dw = d + 1.
    expect(Array.from(w.grad!.data)).toEqual([4, 7]);
  });

  it("freezing a leaf (requiresGrad = false) keeps its grad null", () => {
    const a = param(Tensor.from([1, 2]));
    const b = param(Tensor.from([3, 4]));
    b.requiresGrad = false;
    sum(mul(a, b)).backward();
    expect(b.grad).toBeNull();
    expect(Array.from(a.grad!.data)).toEqual([3, 4]);
  });

  it("item() reads a one-element variable and names the shape otherwise", () => {
    expect(sum(param(Tensor.from([1, 2, 3]))).item()).toBe(6);
    expect(() => param(Tensor.zeros([2]), "v").item()).toThrow(/Variable "v".item: needs one element, shape is \[2\]/);
  });

  it("grads of pinned values are pinned; zeroGrad keeps the buffer", () => {
    const w = param(Tensor.pinned([3]));
    w.value.data.set([1, 2, 3]);
    const x = param(Tensor.from([1, 1, 1]));
    sum(mul(w, w)).backward();
    expect(w.grad!.isPinned).toBe(true);
    expect(x.grad).toBeNull();
    expect(Array.from(w.grad!.data)).toEqual([2, 4, 6]);
    const buf = w.grad!;
    zeroGrad([w, x]);
    expect(w.grad).toBe(buf);
    expect(Array.from(w.grad!.data)).toEqual([0, 0, 0]);
    sum(mul(x, 2)).backward();
    expect(x.grad!.isPinned).toBe(false);
  });
});
