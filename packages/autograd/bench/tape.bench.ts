import { bench, describe } from "vitest";
import { Tensor, createRng } from "@mini/tensor";
import {
  add,
  constant,
  crossEntropy,
  embedding,
  layerNorm,
  matmul,
  matmulTransB,
  noGrad,
  param,
  relu,
  reshape,
  scale,
  softmax,
  sum,
  transpose,
  type Variable,
} from "../src/index.js";

/**
 * Speed of the tape. Numbers only (never asserted): `npx vitest bench --run`.
 *  - overhead: 100 chained ops on a 4-element tensor, forward + backward (≈ pure bookkeeping).
 *  - mlp: x [64, 32] → relu(x·W1 + b1) [64, 64] → ·W2 [64, 16] → crossEntropy, forward + backward.
 *  - block: a RustGPT-sized training step on one sequence (T = 16, d = 128, FFN 256, vocab 256,
 *    single-head causal attention, post-norm), forward + backward + SGD.
 */

const rng = createRng(0);

function sgd(params: Variable[], lr: number): void {
  noGrad(() => {
    for (const p of params) {
      const v = p.data;
      const g = p.grad!.data;
      for (let i = 0; i < v.length; i++) v[i] -= lr * g[i]!;
      p.zeroGrad();
    }
  });
}

describe("tape overhead", () => {
  const x = param(Tensor.randn([4], rng));
  bench("100 chained scale ops on [4], forward + backward", () => {
    let y = x;
    for (let i = 0; i < 100; i++) y = scale(y, 1.0001);
    sum(y).backward();
    x.zeroGrad();
  });
  bench("100 chained scale ops on [4], forward only (noGrad)", () => {
    noGrad(() => {
      let y = x;
      for (let i = 0; i < 100; i++) y = scale(y, 1.0001);
      return y;
    });
  });
});

describe("mlp step", () => {
  const W1 = param(Tensor.randn([32, 64], rng, 0.2));
  const b1 = param(Tensor.zeros([64]));
  const W2 = param(Tensor.randn([64, 16], rng, 0.2));
  const x = constant(Tensor.randn([64, 32], rng));
  const targets = Int32Array.from({ length: 64 }, (_, i) => i % 16);
  bench("[64,32] → 64 → 16 + crossEntropy, forward + backward + SGD", () => {
    crossEntropy(matmul(relu(add(matmul(x, W1), b1)), W2), targets).backward();
    sgd([W1, b1, W2], 0.01);
  });
});

describe("transformer block step", () => {
  const [T, d, ff, V] = [16, 128, 256, 256];
  const p = (shape: number[], std = 0.05) => param(Tensor.randn(shape, rng, std));
  const emb = p([V, d]);
  const wq = p([d, d]);
  const wk = p([d, d]);
  const wv = p([d, d]);
  const wo = p([d, d]);
  const ln1w = param(Tensor.full([d], 1));
  const ln1b = param(Tensor.zeros([d]));
  const w1 = p([ff, d]);
  const b1 = param(Tensor.zeros([ff]));
  const w2 = p([d, ff]);
  const b2 = param(Tensor.zeros([d]));
  const ln2w = param(Tensor.full([d], 1));
  const ln2b = param(Tensor.zeros([d]));
  const head = p([V, d]);
  const params = [emb, wq, wk, wv, wo, ln1w, ln1b, w1, b1, w2, b2, ln2w, ln2b, head];
  const ids = Int32Array.from({ length: T + 1 }, () => rng.int(V));
  const input = ids.subarray(0, T);
  const targets = ids.subarray(1);

  const forward = (): Variable => {
    const x = embedding(emb, input); // [T, d]
    const q = matmulTransB(x, wq);
    const k = matmulTransB(x, wk);
    const v = matmulTransB(x, wv);
    const att = softmax(scale(matmulTransB(q, k), 1 / Math.sqrt(d)), { causal: true }); // [T, T]
    const h1 = layerNorm(add(x, matmulTransB(matmul(att, v), wo)), ln1w, ln1b);
    const f = add(matmulTransB(relu(add(matmulTransB(h1, w1), b1)), w2), b2);
    const h2 = layerNorm(add(h1, f), ln2w, ln2b);
    return crossEntropy(matmulTransB(h2, head), targets);
  };
  bench("T=16, d=128, ff=256, V=256: forward + backward + SGD", () => {
    forward().backward();
    sgd(params, 0.01);
  });
  bench("same, forward only (noGrad)", () => {
    noGrad(forward);
  });
  // Layout ops used by multi-head attention, [B, T, H, hd] ↔ [B, H, T, hd].
  const heads = param(Tensor.randn([4, 16, 8, 16], rng));
  bench("transpose(x, 1, 2) + reshape on [4, 16, 8, 16], forward + backward", () => {
    sum(reshape(transpose(heads, 1, 2), [4, 8, -1])).backward();
    heads.zeroGrad();
  });
});
