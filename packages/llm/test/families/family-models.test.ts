/**
 * Each family as a synthesized model directory (family-configs.ts: real tensor names and config
 * fields, 2 layers, GQA, every feature of the family on), loaded by loadModelDir and run by the
 * one inference forward, against the float64 reference forward (model.reference.ts):
 *   - last-position logits within 1e-4 relative to the reference's largest |logit|;
 *   - 30 greedy tokens decoded through the KV cache equal the reference's greedy tokens;
 *   - token-by-token decode and a chunked prefill give the logits of one full prefill.
 * And a Mixtral with one expert equals the dense model whose MLP is that expert.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WeightMatrix } from "@mini/tensor";
import { loadModelDir, type LoadedModelDir } from "../../src/loaders/index.js";
import { LlamaModel, llamaForwardReference } from "../../src/models/llama/index.js";
import { synthesizeModelDir } from "../../src/synth.js";
import { argmax, fileWeights, makeTempDir, maxAbsDiff, removeDir } from "../llama-helpers.js";
import { LLAMA3_CONFIG, MIXTRAL_CONFIG, QWEN2_CONFIG, QWEN3_CONFIG } from "./family-configs.js";

const FAMILIES = [
  { name: "llama3", config: LLAMA3_CONFIG },
  { name: "qwen2", config: QWEN2_CONFIG },
  { name: "qwen3", config: QWEN3_CONFIG },
  { name: "mixtral", config: MIXTRAL_CONFIG },
];
const GREEDY = 30;
const PROMPT = [5, 17, 42, 8, 91, 33, 60, 2, 77, 14, 50, 29];

let tmp: string;
const loaded = new Map<string, { dir: string; m: LoadedModelDir }>();

beforeAll(async () => {
  tmp = makeTempDir("families");
  for (const { name, config } of FAMILIES) {
    // std 0.2 and jittered norm weights: logits far enough apart for greedy to be decided, and a norm weight applied to the wrong element shows.
    const dir = synthesizeModelDir({ config, outDir: join(tmp, name), seed: 7, std: 0.2, normStd: 0.3 });
    loaded.set(name, { dir, m: await loadModelDir(dir) });
  }
});
afterAll(() => {
  for (const { m } of loaded.values()) m.model.dispose();
  removeDir(tmp);
});

/** max |a − b| over max(1, max |b|). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>, bOff = 0, n = a.length): number {
  let scale = 1;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(b[bOff + i]!));
  return maxAbsDiff(a, b, 0, bOff, n) / scale;
}

describe.each(FAMILIES.map((f) => f.name))("%s", (name) => {
  const get = () => loaded.get(name)!;

  it("last-position logits within 1e-4 of the float64 reference", () => {
    const { dir, m } = get();
    const V = m.config.vocabSize;
    const ref = llamaForwardReference(m.config, fileWeights(dir), PROMPT);
    const got = m.model.forward(PROMPT, m.model.newCache());
    const d = relDiff(got, ref, (PROMPT.length - 1) * V, V);
    console.log(`${name}: last logits vs float64 reference, relative max |Δ| = ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-4);
  });

  it(`${GREEDY} greedy tokens through the KV cache equal the reference's`, () => {
    const { dir, m } = get();
    const V = m.config.vocabSize;
    const weights = fileWeights(dir);
    const cache = m.model.newCache();
    let logits = m.model.forward(PROMPT, cache);
    const ids: number[] = [];
    for (let s = 0; s < GREEDY; s++) {
      ids.push(argmax(logits));
      logits = m.model.forward([ids[s]!], cache);
    }
    // The reference recomputes the whole sequence for every token.
    const refIds: number[] = [];
    for (let s = 0; s < GREEDY; s++) {
      const seq = [...PROMPT, ...refIds];
      refIds.push(argmax(llamaForwardReference(m.config, weights, seq), (seq.length - 1) * V, V));
    }
    expect(ids).toEqual(refIds);
    expect(new Set(ids).size).toBeGreaterThan(3); // not a degenerate repetition
  });

  it("token-by-token decode and a chunked prefill equal one full prefill", () => {
    const { m } = get();
    const V = m.config.vocabSize;
    const tokens = [...PROMPT, ...PROMPT.map((t) => (t * 3) % V), 4, 9];
    const full = m.model.forward(tokens, m.model.newCache(), { allLogits: true });
    const cache = m.model.newCache();
    let worst = 0;
    for (let t = 0; t < tokens.length; t++) worst = Math.max(worst, relDiff(m.model.forward([tokens[t]!], cache), full, t * V, V));
    expect(worst).toBeLessThanOrEqual(1e-5);
    const chunked = new LlamaModel(m.config, m.model.weights, { prefillChunk: 5 });
    const c2 = chunked.newCache();
    chunked.forward(tokens.slice(0, 3), c2);
    const rest = chunked.forward(tokens.slice(3), c2, { allLogits: true });
    expect(relDiff(rest, full, 3 * V, rest.length)).toBeLessThanOrEqual(1e-5);
  });
});

describe("mixtral routing", () => {
  it("routes unevenly: in each layer the experts get different numbers of the prompt's tokens", () => {
    const { dir, m } = loaded.get("mixtral")!;
    const counts = [new Array<number>(4).fill(0), new Array<number>(4).fill(0)];
    llamaForwardReference(m.config, fileWeights(dir), PROMPT, { onRoute: (l, _t, experts) => experts.forEach((e) => counts[l]![e]!++) });
    for (const layer of counts) {
      expect(layer.reduce((a, b) => a + b, 0)).toBe(2 * PROMPT.length);
      expect(new Set(layer).size).toBeGreaterThan(1);
    }
    console.log(`mixtral: tokens per expert, layer 0 / 1: ${counts.map((c) => c.join(" ")).join(" / ")}`);
  });

  it("compact weights (bf16) convert the experts too; decode still equals prefill", async () => {
    const { dir, m } = loaded.get("mixtral")!;
    const V = m.config.vocabSize;
    const { model } = await loadModelDir(dir, { dtype: "bf16" });
    expect(model.weights.layers[1]!.moe!.experts[3]!.w2).toBeInstanceOf(WeightMatrix);
    const full = model.forward(PROMPT, model.newCache(), { allLogits: true });
    const want = m.model.forward(PROMPT, m.model.newCache(), { allLogits: true });
    // bf16 keeps 8 bits of mantissa: the logits move by a few tenths of a percent of their range.
    expect(relDiff(full, want)).toBeLessThan(0.02);
    const cache = model.newCache();
    let worst = 0;
    for (let t = 0; t < PROMPT.length; t++) worst = Math.max(worst, relDiff(model.forward([PROMPT[t]!], cache), full, t * V, V));
    expect(worst).toBeLessThanOrEqual(1e-5);
    model.dispose();
  });

  it("a Mixtral with one expert equals the dense model whose MLP is that expert", async () => {
    const one = { ...MIXTRAL_CONFIG, num_local_experts: 1, num_experts_per_tok: 1 };
    const dir = synthesizeModelDir({ config: one, outDir: join(tmp, "mixtral-1"), seed: 9, std: 0.2, normStd: 0.3 });
    const moe = await loadModelDir(dir);
    // The dense twin: same tensors, the expert's w1/w3/w2 as gate/up/down (a Mistral config).
    const dense = new LlamaModel(
      { ...moe.config, modelType: "mistral", moe: null },
      {
        ...moe.model.weights,
        layers: moe.model.weights.layers.map((l) => ({ ...l, wGate: l.moe!.experts[0]!.w1, wUp: l.moe!.experts[0]!.w3, wDown: l.moe!.experts[0]!.w2, moe: null })),
      },
    );
    const tokens = [...PROMPT, 3, 1, 4, 1, 5];
    expect(Array.from(moe.model.forward(tokens, moe.model.newCache(), { allLogits: true }))).toEqual(Array.from(dense.forward(tokens, dense.newCache(), { allLogits: true })));
    const c1 = moe.model.newCache();
    const c2 = dense.newCache();
    for (const t of tokens) expect(Array.from(moe.model.forward([t], c1))).toEqual(Array.from(dense.forward([t], c2)));
    moe.model.dispose();
  });
});
