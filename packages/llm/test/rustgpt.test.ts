/**
 * RustGPT's architecture: the parameter count of RustGPT itself, the forward against a naive
 * loop implementation of RustGPT's equations (post-norm, ε on the std, single head without output
 * projection, ReLU MLP with biases, output bias), whole-model gradients against finite
 * differences, and the saved directory round trip.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { noGrad } from "@mini/autograd";
import { crossEntropyLoss, ParamSource } from "@mini/nn";
import { afterAll, describe, expect, it } from "vitest";
import { loadRustGptDir, RustGptModel, rustGptConfig, rustGptParameterCount, saveRustGptDir } from "../src/models/rustgpt/index.js";
import { buildWordLevelTokenizer } from "../src/tokenizers/index.js";

describe("size", () => {
  it("has RustGPT's 493,973 parameters on its 533-token vocabulary", () => {
    const c = rustGptConfig({ vocabSize: 533 });
    expect(rustGptParameterCount(c)).toBe(493_973);
    expect(new RustGptModel(c, ParamSource.init(1, { pinned: false })).numParameters()).toBe(493_973);
  });

  it("has 493,716 on our 532-token vocabulary of the same data (257 per token: embedding, output row, bias)", () => {
    const c = rustGptConfig({ vocabSize: 532 });
    expect(rustGptParameterCount(c)).toBe(493_973 - (128 + 128 + 1));
    expect(new RustGptModel(c, ParamSource.init(1, { pinned: false })).numParameters()).toBe(493_716);
  });
});

// A small model for the exact checks: d = 8, h = 12, 2 blocks, V = 10, 6 positions.
const small = rustGptConfig({ vocabSize: 10, hiddenSize: 8, intermediateSize: 12, numLayers: 2, numHeads: 1, maxSeqLen: 6 });

/** RustGPT's forward written as plain loops over the state dict (float64). */
function referenceLogits(sd: Record<string, Float32Array>, ids: number[]): number[][] {
  const { hiddenSize: d, intermediateSize: h, vocabSize: V, numLayers } = small;
  const linear = (x: number[], w: Float32Array, b: Float32Array | null, out: number): number[] =>
    Array.from({ length: out }, (_, o) => x.reduce((s, xi, i) => s + xi * w[o * x.length + i]!, b ? b[o]! : 0));
  const layerNorm = (x: number[], g: Float32Array, b: Float32Array): number[] => {
    const mean = x.reduce((s, v) => s + v, 0) / x.length;
    const std = Math.sqrt(x.reduce((s, v) => s + (v - mean) ** 2, 0) / x.length);
    return x.map((v, i) => ((v - mean) / (std + 1e-5)) * g[i]! + b[i]!);
  };
  let x = ids.map((id, t) => Array.from({ length: d }, (_, j) => sd["token_embedding.weight"]![id * d + j]! + sd["position_embedding.weight"]![t * d + j]!));
  for (let l = 0; l < numLayers; l++) {
    const p = (n: string): Float32Array => sd[`blocks.${l}.${n}`]!;
    const q = x.map((r) => linear(r, p("attention.q_proj.weight"), null, d));
    const k = x.map((r) => linear(r, p("attention.k_proj.weight"), null, d));
    const v = x.map((r) => linear(r, p("attention.v_proj.weight"), null, d));
    const att = q.map((qi, i) => {
      const s = k.slice(0, i + 1).map((kj) => qi.reduce((acc, a, c) => acc + a * kj[c]!, 0) / Math.sqrt(d));
      const m = Math.max(...s);
      const e = s.map((z) => Math.exp(z - m));
      const z = e.reduce((a, b) => a + b, 0);
      return Array.from({ length: d }, (_, c) => e.reduce((acc, w, j) => acc + (w / z) * v[j]![c]!, 0));
    });
    x = x.map((r, t) => layerNorm(r.map((val, c) => val + att[t]![c]!), p("norm1.weight"), p("norm1.bias")));
    const f = x.map((r) => linear(linear(r, p("feed_forward.up_proj.weight"), p("feed_forward.up_proj.bias"), h).map((z) => Math.max(0, z)), p("feed_forward.down_proj.weight"), p("feed_forward.down_proj.bias"), d));
    x = x.map((r, t) => layerNorm(r.map((val, c) => val + f[t]![c]!), p("norm2.weight"), p("norm2.bias")));
  }
  return x.map((r) => linear(r, sd["output.weight"]!, sd["output.bias"]!, V));
}

function perturbed(seed: number): RustGptModel {
  const m = new RustGptModel(small, ParamSource.init(seed, { pinned: false }));
  // Biases and norm parameters away from their 0/1 init, so every term of the equations matters.
  for (const p of m.parameters()) {
    if (p.name.endsWith("bias") || p.name.includes("norm")) p.value.data.forEach((_, i, a) => (a[i] = a[i]! + 0.2 * Math.sin(3 * i + p.name.length)));
  }
  return m;
}

describe("forward", () => {
  it("matches RustGPT's equations computed with plain loops", () => {
    const m = perturbed(5);
    const sd = Object.fromEntries(Object.entries(m.module.stateDict()).map(([n, t]) => [n, t.data]));
    const ids = [3, 1, 4, 1, 5, 9];
    const ours = noGrad(() => m.logits(Int32Array.from(ids), 1, ids.length)).data;
    const ref = referenceLogits(sd, ids).flat();
    let maxDiff = 0;
    ref.forEach((r, i) => (maxDiff = Math.max(maxDiff, Math.abs(r - ours[i]!))));
    expect(maxDiff).toBeLessThan(1e-4);
  });
});

describe("gradients", () => {
  it("every parameter's gradient matches central finite differences of the loss", () => {
    const m = perturbed(7);
    const ids = Int32Array.from([2, 7, 1, 8, 2]);
    const targets = Int32Array.from([7, 1, 8, 2, 8]);
    const lossOf = (): number => noGrad(() => crossEntropyLoss(m.logits(ids, 1, 5), targets).item());
    for (const p of m.parameters()) p.zeroGrad();
    crossEntropyLoss(m.logits(ids, 1, 5), targets).backward();
    let checked = 0;
    for (const p of m.parameters()) {
      const data = p.value.data;
      const grad = p.grad!.data;
      // Step relative to the tensor's scale: embeddings are N(0, 0.02²) and LayerNorm divides by
      // their small std, so a fixed step of 1e-2 would leave the linear regime.
      const rms = Math.sqrt(data.reduce((s, v) => s + v * v, 0) / data.length);
      const h = 1e-2 * Math.max(1e-2, rms);
      // A few elements per parameter, spread over the tensor.
      for (let k = 0; k < 4; k++) {
        const i = Math.floor(((k + 0.5) / 4) * data.length);
        const x0 = data[i]!;
        data[i] = x0 + h;
        const up = lossOf();
        data[i] = x0 - h;
        const down = lossOf();
        data[i] = x0;
        const numeric = (up - down) / (2 * h);
        expect(Math.abs(numeric - grad[i]!), `${p.name}[${i}]: analytic ${grad[i]}, numeric ${numeric}`).toBeLessThan(2e-3 + 5e-2 * Math.abs(numeric));
        checked++;
      }
    }
    expect(checked).toBe(4 * m.parameters().length);
  });
});

describe("saved directory", () => {
  const dir = mkdtempSync(join(tmpdir(), "mini-rustgpt-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reloads to the same logits and refuses a mismatched tokenizer", () => {
    const built = buildWordLevelTokenizer(["a b c d e f g </s>"]);
    const m = new RustGptModel(rustGptConfig({ ...small, vocabSize: built.tokenizer.vocabSize }), ParamSource.init(3));
    saveRustGptDir(dir, m, { tokenizerJson: built.json, tokenizerConfig: built.config });
    const back = loadRustGptDir(dir);
    const ids = [3, 4, 5];
    expect(Array.from(back.model.forward(ids, back.model.newCache()))).toEqual(Array.from(m.forward(ids, m.newCache())));
    expect(back.model.config).toEqual(m.config);
    const other = buildWordLevelTokenizer(["x y </s>"]);
    saveRustGptDir(dir, m, { tokenizerJson: other.json, tokenizerConfig: other.config });
    expect(() => loadRustGptDir(dir)).toThrow(/tokenizer\.json: has 5 tokens, rustgpt\.json says vocabSize 10/);
  });
});
