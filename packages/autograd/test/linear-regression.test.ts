import { describe, expect, it } from "vitest";
import { Tensor, createRng } from "@mini/tensor";
import { add, constant, matmul, mean, mul, noGrad, param, sub } from "../src/index.js";

describe("end to end: linear regression by gradient descent", () => {
  it("fits y = x·W + b: the loss falls and the parameters approach the truth", () => {
    const rng = createRng(123);
    const [n, d] = [64, 3];
    const trueW = Tensor.from([2, -1, 0.5], [d, 1]);
    const trueB = 0.3;
    const x = Tensor.randn([n, d], rng);
    const y = Tensor.zeros([n, 1]);
    for (let i = 0; i < n; i++) {
      let s = trueB + 0.01 * rng.normal(); // a little noise
      for (let j = 0; j < d; j++) s += x.data[i * d + j]! * trueW.data[j]!;
      y.data[i] = s;
    }

    const W = param(Tensor.zeros([d, 1]), "W");
    const b = param(Tensor.zeros([1]), "b");
    const X = constant(x);
    const Y = constant(y);
    const losses: number[] = [];
    for (let step = 0; step < 200; step++) {
      const err = sub(add(matmul(X, W), b), Y); // [n, 1]
      const loss = mean(mul(err, err));
      losses.push(loss.item());
      loss.backward();
      noGrad(() => {
        for (const p of [W, b]) {
          const v = p.data;
          const g = p.grad!.data;
          for (let i = 0; i < v.length; i++) v[i] -= 0.1 * g[i]!;
          p.zeroGrad();
        }
      });
    }
    expect(losses[0]).toBeGreaterThan(1);
    expect(losses[199]).toBeLessThan(1e-3);
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThanOrEqual(losses[i - 1]! * (1 + 1e-4));
    for (let j = 0; j < d; j++) expect(W.data[j]).toBeCloseTo(trueW.data[j]!, 1);
    expect(b.data[0]).toBeCloseTo(trueB, 1);
  });
});
