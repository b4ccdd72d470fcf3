import { describe, expect, it } from "vitest";
import { Tensor } from "@mini/tensor";
import { add, backward, exp, isGradEnabled, matmul, mul, noGrad, param, reshape, sum, tanh } from "../src/index.js";
import { expectClose } from "./helpers.js";

describe("tape: backward", () => {
  it("a value used twice receives both contributions", () => {
    const x = param(Tensor.from([1, -2, 3]));
    // y = x·x + x  →  dy/dx = 2x + 1
    sum(add(mul(x, x), x)).backward();
    expectClose(x.grad!.data, [3, -3, 7]);
    // diamond: a = 2x; b = a + a·a  →  db/dx = 2 + 8x
    const z = param(Tensor.from([0.5, 1]));
    const a = mul(z, 2);
    sum(add(a, mul(a, a))).backward();
    expectClose(z.grad!.data, [6, 10]);
  });

  it("runs only from a scalar, or from a non-scalar with a seed of its shape", () => {
    const x = param(Tensor.from([1, 2, 3]));
    const y = mul(x, x);
    expect(() => y.backward()).toThrow(/not a scalar; backward\(\) without a seed needs a one-element loss .* shape \[3\]/);
    expect(() => y.backward(Tensor.zeros([2]))).toThrow(/seed gradient must have the shape of .*\[3\].*, got shape \[2\]/);
    y.backward(Tensor.from([1, 0, -1]));
    expectClose(x.grad!.data, [2, 0, -6]);
    const s = sum(x);
    backward(s, 2); // a scalar seed scales the gradient
    expectClose(x.grad!.data, [4, 2, -4]);
  });

  it("throws a clear error when backward runs twice after release; retainGraph allows it", () => {
    const x = param(Tensor.from([1, 2]));
    const loss = sum(mul(x, x));
    loss.backward();
    expect(() => loss.backward()).toThrow(/backward: called twice on .*already released|was already released|called twice/);
    const loss2 = sum(mul(x, x));
    loss2.backward(undefined, { retainGraph: true });
    loss2.backward();
    expectClose(x.grad!.data, [2 + 4, 4 + 8]); // 1 pass of loss + 2 passes of loss2, each 2x
    expect(() => loss2.backward()).toThrow(/called twice/);
  });

  it("throws when a second loss reaches an intermediate already released by the first", () => {
    const x = param(Tensor.from([1, 2]), "x");
    const h = tanh(x);
    h.label = "h";
    const l1 = sum(h);
    const l2 = sum(mul(h, h));
    l1.backward();
    expect(() => l2.backward()).toThrow(/cannot differentiate through "h" of shape \[2\] made by tanh: its graph was already released/);
  });

  it("grads accumulate across backward calls until zeroed", () => {
    const w = param(Tensor.from([1, 2, 3, 4], [2, 2]));
    const x = Tensor.from([1, 1], [1, 2]);
    for (let i = 0; i < 3; i++) sum(matmul(param(x), w)).backward();
    expectClose(w.grad!.data, [3, 3, 3, 3]);
    w.zeroGrad();
    sum(matmul(param(x), w)).backward();
    expectClose(w.grad!.data, [1, 1, 1, 1]);
  });

  it("drops non-leaf grads after use unless retainGrad() was called", () => {
    const x = param(Tensor.from([0.5, -1]));
    const h = exp(x);
    const kept = mul(h, 3).retainGrad();
    const loss = sum(mul(kept, kept));
    loss.backward();
    expect(h.grad).toBeNull();
    expect(loss.grad).toBeNull();
    expectClose(kept.grad!.data, Array.from(kept.data, (v) => 2 * v));
    expect(x.grad).not.toBeNull();
  });

  it("reuses dead non-leaf grad buffers within a pass without mixing values (retained ones are kept)", () => {
    // A chain of same-length intermediates: each grad buffer is free for the next one once used.
    // h1 = 2x, h2 = tanh(h1), h3 = exp(h2), L = Σ h3·c  →  dL/dx = c·exp(h2)·(1 − h2²)·2
    const xs = [0.3, -0.5, 0.1, 0.7];
    const c = [1, 2, -1, 0.5];
    const x = param(Tensor.from(xs));
    const h1 = mul(x, 2);
    const h2 = tanh(h1).retainGrad();
    const h3 = exp(h2);
    sum(mul(h3, param(Tensor.from(c)))).backward();
    const t = xs.map((v) => Math.tanh(2 * v));
    expectClose(h2.grad!.data, t.map((tv, i) => c[i]! * Math.exp(tv)));
    expectClose(x.grad!.data, t.map((tv, i) => c[i]! * Math.exp(tv) * (1 - tv * tv) * 2));
    expect(h1.grad).toBeNull();
    expect(h2.grad!.data).not.toBe(x.grad!.data);
  });

  it("a view op hands its gradient buffer to its input without mixing in later contributions", () => {
    // h = 2x (non-leaf), used through a reshape and directly: dL/dh = c + d, dL/dx = 2(c + d)
    const c = [1, 2, 3, 4, 5, 6];
    const d = [0.5, -1, 0, 2, 1, -3];
    for (const retain of [false, true]) {
      for (const viewFirst of [false, true]) {
        const x = param(Tensor.from([1, 2, 3, 4, 5, 6], [2, 3]));
        const h = mul(x, 2);
        const r = reshape(h, [3, 2]);
        if (retain) r.retainGrad();
        const viaView = sum(mul(r, param(Tensor.from(c, [3, 2]))));
        const direct = sum(mul(h, param(Tensor.from(d, [2, 3]))));
        add(viewFirst ? viaView : direct, viewFirst ? direct : viaView).backward();
        expectClose(x.grad!.data, c.map((ci, i) => 2 * (ci + d[i]!)));
        if (retain) expectClose(r.grad!.data, c); // a retained view grad keeps only its own gradient
      }
    }
  });

  it("refuses to differentiate something that does not require grad", () => {
    const c = sum(mul(param(Tensor.from([1])).detach(), 2));
    expect(() => c.backward()).toThrow(/does not require grad/);
  });

  it("handles a deep chain without recursion limits", () => {
    const x = param(Tensor.from([0.1]));
    let y = x;
    for (let i = 0; i < 20000; i++) y = add(y, 0.001);
    sum(y).backward();
    expect(x.grad!.data[0]).toBe(1);
  });

  it("backward from a leaf seeds its grad", () => {
    const x = param(Tensor.from([5]));
    x.backward();
    expect(x.grad!.data[0]).toBe(1);
  });
});

describe("noGrad", () => {
  it("records nothing: outputs are constants without an op, and backward is refused", () => {
    const w = param(Tensor.from([1, 2]));
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      return sum(mul(w, w));
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.op).toBeUndefined();
    expect(y.item()).toBe(5);
    expect(() => y.backward()).toThrow(/does not require grad/);
    expect(w.grad).toBeNull();
    expect(isGradEnabled()).toBe(true);
  });

  it("nests and restores recording after a throw", () => {
    noGrad(() => noGrad(() => expect(isGradEnabled()).toBe(false)));
    expect(() =>
      noGrad(() => {
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(isGradEnabled()).toBe(true);
    expect(mul(param(Tensor.from([1])), 2).requiresGrad).toBe(true);
  });
});
