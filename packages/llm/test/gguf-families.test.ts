/**
 * Llama 3.x (rope scaling as `rope_freqs.weight`) and Mixtral (experts stacked as
 * `blk.N.ffn_{gate,up,down}_exps.weight`, or an older file's per-expert 2-D tensors) through GGUF:
 * a synthesized HF model directory → GGUF → mini gives the directory's logits, and llama.cpp
 * (node-llama-cpp's prebuilt binary) gives mini's log-probabilities and greedy tokens.
 */
import { join } from "node:path";
import { readGguf, WeightMatrix, writeGguf, type GgmlType, type GgufTensorEntry } from "@mini/tensor";
import { afterAll, describe, expect, it } from "vitest";
import { tokenizerFromJson } from "../src/index.js";
import { loadGgufModel, loadModelDir, openSafetensorsSource, writeModelGguf, type GgufWriteType, type LoadedModelDir } from "../src/models/index.js";
import { synthesizeModelDir } from "../src/synth.js";
import { ggufTokenizerMetadata } from "../src/tokenizers/index.js";
import { LLAMA3_CONFIG, MIXTRAL_CONFIG } from "./families/family-configs.js";
import { expectHfGgufAgrees, maxLogProbGap, miniGreedy, miniLogProbs, openOracle, oracleGreedy, oracleLogProbs } from "./gguf-oracle-helpers.js";
import { makeTempDir, maxAbsDiff, removeDir } from "./llama-helpers.js";
import { CONFIG, gpt2Json } from "./tokenizers/byte-level-fixtures.js";

const dir = makeTempDir("gguf-families");
afterAll(() => removeDir(dir));

const tokJson = gpt2Json();
const tok = tokenizerFromJson(tokJson, CONFIG);
const vocab = Math.ceil(tok.vocabSize / 32) * 32;
const md = ggufTokenizerMetadata(tokJson, tok, vocab);
const prompt = [...tok.encode("Once upon a time, 日本語 😀 they'll say: the mountains rise", { addSpecialTokens: false })];

/** A synthesized model directory of `config` with the fixture tokenizer's vocabulary, loaded. */
async function synthDir(name: string, config: Record<string, unknown>): Promise<{ path: string; m: LoadedModelDir }> {
  const path = synthesizeModelDir({ config: { ...config, vocab_size: vocab }, outDir: join(dir, name), seed: 5, std: 0.2, normStd: 0.3 });
  return { path, m: await loadModelDir(path) };
}

async function toGguf(src: { path: string; m: LoadedModelDir }, name: string, type: GgufWriteType): Promise<string> {
  const out = join(dir, `${name}.gguf`);
  writeModelGguf(out, { config: src.m.config, source: await openSafetensorsSource(src.path), tokenizer: md, type, name });
  return out;
}

/** max |a − b| / max(1, max |b|). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  return maxAbsDiff(a, b) / scale;
}

/** llama.cpp's log-probs within 1e-4 of mini's and the same 20 greedy tokens (an F32 file). */
async function expectLlamaCppAgrees(path: string): Promise<void> {
  const mini = loadGgufModel(path);
  const oracle = await openOracle(path);
  try {
    const ours = miniLogProbs(mini.model, prompt);
    expect(Math.max(...ours) - Math.min(...ours)).toBeGreaterThan(5); // the comparison means something
    const gap = maxLogProbGap(ours, await oracleLogProbs(oracle, prompt, vocab));
    console.log(`${path}: max |Δ log p| mini vs llama.cpp = ${gap.toExponential(2)}`);
    expect(gap).toBeLessThan(1e-4);
    expect(await oracleGreedy(oracle, prompt, 20)).toEqual(miniGreedy(mini.model, prompt, 20));
  } finally {
    await oracle.dispose();
    mini.model.dispose();
  }
}

describe("Llama 3.x rope scaling through GGUF (rope_freqs.weight)", () => {
  it("is written as llama.cpp's converter writes it, read back to the directory's logits, and llama.cpp agrees", async () => {
    const src = await synthDir("llama3", LLAMA3_CONFIG);
    const path = await toGguf(src, "llama3", "F32");
    const f = readGguf(path);
    const t = f.tensor("rope_freqs.weight");
    expect([t.type.name, ...t.shape]).toEqual(["F32", 8]);
    const factors = f.getF32("rope_freqs.weight").data;
    // head_dim 16, θ 500000, original 64: pair 0 kept (factor 1), pair 1 blended, pairs 2… slowed by 8.
    expect(factors[0]).toBe(1);
    expect(factors[1]).toBeGreaterThan(1);
    expect(factors[1]).toBeLessThan(8);
    expect([...factors.slice(2)]).toEqual(Array(6).fill(8));

    const fromGguf = loadGgufModel(path);
    expect(fromGguf.config.ropeScaling?.type).toBe("factors");
    const ours = fromGguf.model.forward(prompt, fromGguf.model.newCache());
    const theirs = src.m.model.forward(prompt, src.m.model.newCache());
    // The same f32 weights; inv_freq of the blended pair differs by float32 rounding (θ^(−2i/d)/f vs HF's blend).
    const d = relDiff(ours, theirs);
    console.log(`llama3 via GGUF vs the HF directory: relative max |Δlogit| = ${d.toExponential(2)}`);
    expect(d).toBeLessThan(1e-5);
    // Without the factors the logits are far off: the test sees the scaling.
    const plain = await synthDir("llama3-plain", { ...LLAMA3_CONFIG, rope_scaling: null });
    expect(relDiff(plain.m.model.forward(prompt, plain.m.model.newCache()), theirs)).toBeGreaterThan(1e-3);
    plain.m.model.dispose();
    fromGguf.model.dispose();
    src.m.model.dispose();

    await expectLlamaCppAgrees(path);
    await expectHfGgufAgrees(path);
  });
});

describe("Mixtral through GGUF (llama architecture, expert_count, stacked experts)", () => {
  // intermediate 64: every expert row is whole Q8_0 blocks.
  const mixtral = { ...MIXTRAL_CONFIG, intermediate_size: 64 };

  it("F32: the directory's logits, llama.cpp's log-probs and greedy tokens; @huggingface/gguf reads it", async () => {
    const src = await synthDir("mixtral", mixtral);
    const path = await toGguf(src, "mixtral", "F32");
    const f = readGguf(path);
    expect(f.value("llama.expert_count")).toBe(4);
    expect(f.value("llama.expert_used_count")).toBe(2);
    expect([...f.tensor("blk.1.ffn_down_exps.weight").shape]).toEqual([4, 64, 64]);
    expect(f.tensor("blk.0.ffn_gate_inp.weight").type.name).toBe("F32");

    const fromGguf = loadGgufModel(path);
    expect(fromGguf.config.moe).toEqual({ numExperts: 4, topK: 2 });
    const d = relDiff(fromGguf.model.forward(prompt, fromGguf.model.newCache()), src.m.model.forward(prompt, src.m.model.newCache()));
    expect(d).toBe(0); // the same weights, the same forward
    fromGguf.model.dispose();
    src.m.model.dispose();
    await expectLlamaCppAgrees(path);
    await expectHfGgufAgrees(path);
  });

  it("Q8_0: experts held as the file's blocks; llama.cpp's log-probs within its Q8 activation error", async () => {
    const src = await synthDir("mixtral-q8", mixtral);
    src.m.model.dispose();
    const path = await toGguf(src, "mixtral-q8", "Q8_0");
    expect(readGguf(path).tensor("blk.0.ffn_up_exps.weight").type.name).toBe("Q8_0");
    const mini = loadGgufModel(path);
    const expert = mini.model.weights.layers[0]!.moe!.experts[3]!.w3;
    expect(expert instanceof WeightMatrix && expert.dtype).toBe("q8_0");
    const oracle = await openOracle(path);
    try {
      const gap = maxLogProbGap(miniLogProbs(mini.model, prompt), await oracleLogProbs(oracle, prompt, vocab));
      console.log(`mixtral Q8_0: max |Δ log p| mini (as stored) vs llama.cpp = ${gap.toExponential(2)}`);
      expect(gap).toBeLessThan(0.4);
    } finally {
      await oracle.dispose();
      mini.model.dispose();
    }
  });

  it("an older file's per-expert 2-D tensors (blk.N.ffn_gate.E.weight) load to the same logits", async () => {
    const stacked = readGguf(join(dir, "mixtral.gguf"));
    const entries: GgufTensorEntry[] = stacked.tensors.flatMap((t): GgufTensorEntry[] => {
      const type = t.type.name as GgmlType;
      const m = /^(blk\.\d+\.ffn_(?:gate|up|down))_exps\.weight$/.exec(t.name);
      if (m === null) return [{ name: t.name, type, shape: t.shape, data: () => stacked.bytes(t.name) }];
      const per = t.byteLength / t.shape[0]!;
      return Array.from({ length: t.shape[0]! }, (_, e) => ({ name: `${m[1]}.${e}.weight`, type, shape: t.shape.slice(1), data: () => stacked.bytes(t.name, e * per, per) }));
    });
    const split = join(dir, "mixtral-split.gguf");
    writeGguf(split, stacked.metadata, entries);
    expect(readGguf(split).has("blk.0.ffn_gate.3.weight")).toBe(true);
    const a = loadGgufModel(join(dir, "mixtral.gguf"));
    const b = loadGgufModel(split);
    expect(maxAbsDiff(b.model.forward(prompt, b.model.newCache()), a.model.forward(prompt, a.model.newCache()))).toBe(0);
    a.model.dispose();
    b.model.dispose();
  });
});
