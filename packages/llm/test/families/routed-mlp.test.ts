/**
 * The inference path's routed MLP (routed-mlp.ts) against a float64 computation of Mixtral's
 * block as transformers writes it, for one decoded token, for prompts whose tokens the experts
 * share unevenly (the grouped prefill path), and with k = all experts (every expert takes every
 * token: the path without gather/scatter).
 */
import { createRng, Tensor } from "@mini/tensor";
import { describe, expect, it } from "vitest";
import { RoutedMlp, type RoutedMlpWeights } from "../../src/models/llama/routed-mlp.js";

const H = 16;
const I = 12;

function randomWeights(E: number, seed: number, routerStd = 1): RoutedMlpWeights {
  const rng = createRng(seed);
  const mat = (rows: number, cols: number, std: number) => {
    const t = Tensor.pinned([rows, cols]);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = rng.normal() * std;
    return t;
  };
  return {
    router: mat(E, H, routerStd),
    experts: Array.from({ length: E }, () => ({ w1: mat(I, H, 0.3), w2: mat(H, I, 0.3), w3: mat(I, H, 0.3) })),
  };
}

/** softmax over all experts → top k → renormalise → Σ w·w2(silu(w1 x) ⊙ w3 x), in float64. */
function reference(xb: Float32Array, w: RoutedMlpWeights, k: number): Float64Array {
  const E = w.experts.length;
  const dot = (m: Float32Array, row: number, v: ArrayLike<number>, off: number, len: number) => {
    let s = 0;
    for (let i = 0; i < len; i++) s += m[row * len + i]! * v[off + i]!;
    return s;
  };
  const n = xb.length / H;
  const out = new Float64Array(n * H);
  for (let t = 0; t < n; t++) {
    const logits = Array.from({ length: E }, (_, e) => dot(w.router.data, e, xb, t * H, H));
    const max = Math.max(...logits);
    const p = logits.map((l) => Math.exp(l - max));
    const chosen = p.map((v, e) => ({ v, e })).sort((a, b) => b.v - a.v || a.e - b.e).slice(0, k);
    const total = chosen.reduce((s, c) => s + c.v, 0);
    for (const { v, e } of chosen) {
      const ex = w.experts[e] as { w1: Tensor; w2: Tensor; w3: Tensor };
      const h = Array.from({ length: I }, (_, i) => {
        const a = dot(ex.w1.data, i, xb, t * H, H);
        return (a / (1 + Math.exp(-a))) * dot(ex.w3.data, i, xb, t * H, H);
      });
      for (let o = 0; o < H; o++) out[t * H + o] += (v / total) * dot(ex.w2.data, o, h, 0, I);
    }
  }
  return out;
}

describe("RoutedMlp", () => {
  it.each([
    [4, 2, 1],
    [4, 2, 7],
    [4, 2, 24],
    [4, 1, 24],
    [8, 2, 33],
    [3, 3, 9],
  ])("%i experts, top %i, %i tokens: x += the routed MLP, as transformers computes it", (E, k, n) => {
    const w = randomWeights(E, 100 + E * 10 + k + n);
    const rng = createRng(n);
    const xb = Float32Array.from({ length: n * H }, () => rng.normal());
    const x0 = Float32Array.from({ length: n * H }, () => rng.normal());
    const mlp = new RoutedMlp(H, I, { numExperts: E, topK: k }, 40);
    const x = Tensor.pinned([40, H]);
    x.data.set(x0);
    const xbT = Tensor.pinned([40, H]);
    xbT.data.set(xb);
    mlp.run(xbT.data, x.data, n, w);
    const ref = reference(xb, w, k);
    let worst = 0;
    for (let i = 0; i < n * H; i++) worst = Math.max(worst, Math.abs(x.data[i]! - x0[i]! - ref[i]!));
    expect(worst).toBeLessThan(1e-5);
    expect(Array.from(x.data.subarray(n * H, n * H + H)).every((v) => v === 0)).toBe(true); // rows past n untouched
    mlp.dispose();
  });

  it("refuses a pass larger than its buffers", () => {
    const mlp = new RoutedMlp(H, I, { numExperts: 2, topK: 1 }, 4);
    expect(() => mlp.run(new Float32Array(5 * H), new Float32Array(5 * H), 5, randomWeights(2, 1))).toThrow("5 tokens, expected 1 … 4");
  });
});
