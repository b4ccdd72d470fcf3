/**
 * llama.cpp as an oracle, through node-llama-cpp's prebuilt CPU binary (devDependency, pinned;
 * nothing is downloaded or built at run time), and the small GGUF files the oracle tests write.
 */
import { readFileSync } from "node:fs";
import { gguf as hfGguf } from "@huggingface/gguf";
import { expect } from "vitest";
import { join } from "node:path";
import { createRng, readGguf, Tensor, type GgufValue } from "@mini/tensor";
import type { LlamaContext, LlamaContextSequence, LlamaModel as LlamaCppModel } from "node-llama-cpp";
import { tokenizerFromJson, type CausalLM } from "../src/index.js";
import {
  expectedTensors,
  loadModelDir,
  openSafetensorsSource,
  parseLlamaConfig,
  writeModelGguf,
  type GgufWriteType,
  type LlamaConfig,
} from "../src/models/index.js";
import { ggufTokenizerMetadata, loadTokenizerSync } from "../src/tokenizers/index.js";
import { tensorRecordSource } from "../src/testing.js";
import { llamaCpp } from "./llamacpp-native.js";
import { CONFIG as BYTE_LEVEL_CONFIG, gpt2Json } from "./tokenizers/byte-level-fixtures.js";

const SHARED = process.env["MINI_SHARED"]!;
export const STORY = join(SHARED, "models", "story");

export { llamaCpp };

export interface Oracle {
  model: LlamaCppModel;
  context: LlamaContext;
  sequence: LlamaContextSequence;
  dispose(): Promise<void>;
}

export async function openOracle(path: string): Promise<Oracle> {
  const model = await (await llamaCpp()).loadModel({ modelPath: path, gpuLayers: 0 });
  // An F32 KV cache (llama.cpp's default is F16), so that F32 weights are an all-f32 computation.
  const context = await model.createContext({
    contextSize: 128, batchSize: 128, threads: 1, sequences: 1, flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
  });
  const sequence = context.getSequence();
  return { model, context, sequence, dispose: async () => { await context.dispose(); await model.dispose(); } };
}

/** llama.cpp's greedy continuation (n tokens, no stop) of the prompt ids. */
export async function oracleGreedy(o: Oracle, prompt: readonly number[], n: number): Promise<number[]> {
  const seq = o.sequence;
  await seq.clearHistory();
  const out: number[] = [];
  for await (const t of seq.evaluate([...prompt] as never, { temperature: 0 })) {
    out.push(t as number);
    if (out.length >= n) break;
  }
  return out;
}

/** llama.cpp's next-token log-probabilities after the prompt (the full vocabulary). */
export async function oracleLogProbs(o: Oracle, prompt: readonly number[], vocab: number): Promise<Float64Array> {
  const seq = o.sequence;
  await seq.clearHistory();
  {
    const input = [...prompt.slice(0, -1), [prompt.at(-1)!, { generateNext: { probabilities: true } }]];
    const res = await seq.controlledEvaluate(input as never);
    const probs = (res.at(-1) as { next: { probabilities: Map<number, number> } }).next.probabilities;
    const out = new Float64Array(vocab).fill(-Infinity);
    for (const [id, p] of probs) out[id] = Math.log(p);
    return out;
  }
}

/** Largest |log p_mini − log p_llama.cpp| over the tokens llama.cpp gives p > 1e-4. */
export function maxLogProbGap(mini: Float64Array, ref: Float64Array): number {
  let gap = 0;
  for (let i = 0; i < ref.length; i++) if (ref[i]! > Math.log(1e-4)) gap = Math.max(gap, Math.abs(mini[i]! - ref[i]!));
  return gap;
}

/**
 * Teacher-forced along `ids` (another engine's greedy continuation of `prompt`): the largest gap
 * between mini's best logit and its logit for the id the other engine chose, over the steps. Near-ties
 * in random weights let each engine's rounding take its own path, so tests bound this rather than
 * asking for the same ids.
 */
export function worstShortfall(m: CausalLM, prompt: readonly number[], ids: readonly number[]): number {
  const cache = m.newCache();
  let logits = m.forward(prompt, cache);
  let worst = 0;
  for (const id of ids) {
    worst = Math.max(worst, Math.max(...logits) - logits[id]!);
    logits = m.forward([id], cache);
  }
  return worst;
}

export function miniGreedy(m: CausalLM, prompt: readonly number[], n: number): number[] {
  const cache = m.newCache();
  let logits = m.forward(prompt, cache);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[best]!) best = j;
    out.push(best);
    if (i + 1 < n) logits = m.forward([best], cache);
  }
  return out;
}

export function miniLogProbs(m: CausalLM, prompt: readonly number[]): Float64Array {
  const logits = m.forward(prompt, m.newCache());
  let max = -Infinity;
  for (const v of logits) max = Math.max(max, v);
  let sum = 0;
  for (const v of logits) sum += Math.exp(v - max);
  return Float64Array.from(logits, (v) => v - max - Math.log(sum));
}

/** The story model as GGUF of the given type, with its tokenizer. */
export async function writeStoryGguf(dir: string, type: GgufWriteType): Promise<string> {
  const loaded = await loadModelDir(STORY);
  const tok = loadTokenizerSync(STORY);
  const json = JSON.parse(readFileSync(join(STORY, "tokenizer.json"), "utf8"));
  const path = join(dir, `story-${type}.gguf`);
  writeModelGguf(path, { config: loaded.config, source: await openSafetensorsSource(STORY), tokenizer: ggufTokenizerMetadata(json, tok, loaded.config.vocabSize), type, name: "story" });
  loaded.model.dispose();
  return path;
}

/**
 * A seeded random Llama as GGUF: matrices N(0, std²) with std = 1.5/√fan_in (so the logits spread
 * over a few units and a layout error shows), norms drawn around 1, given tokenizer keys.
 */
/**
 * The byte-level test tokenizer (tokenizers/byte-level-fixtures.ts) as GGUF metadata for synthesized
 * files, its vocabulary padded to a multiple of 64, and a prompt across scripts for it.
 */
export function byteLevelGgufTokenizer(): { vocab: number; md: Map<string, GgufValue>; prompt: string } {
  const json = gpt2Json();
  const tok = tokenizerFromJson(json, BYTE_LEVEL_CONFIG);
  const vocab = Math.ceil(tok.vocabSize / 64) * 64;
  return { vocab, md: ggufTokenizerMetadata(json, tok, vocab), prompt: "Once upon a time, 日本語 😀 they'll say" };
}

export function writeSynthGguf(path: string, hf: Record<string, unknown>, tokenizer: ReadonlyMap<string, GgufValue>, type: GgufWriteType, seed: number): LlamaConfig {
  const config = parseLlamaConfig({ model_type: "llama", rms_norm_eps: 1e-5, max_position_embeddings: 128, ...hf });
  const rng = createRng(seed);
  const tensors: Record<string, Tensor> = {};
  for (const [name, shape] of expectedTensors(config)) {
    const s = rng.fork();
    const n = shape.reduce((a, b) => a * b, 1);
    const std = shape.length === 1 ? 0.1 : 1.5 / Math.sqrt(shape[1]!);
    tensors[name] = Tensor.from(Float32Array.from({ length: n }, () => (shape.length === 1 ? 1 : 0) + s.normal() * std), [...shape]);
  }
  writeModelGguf(path, { config, source: tensorRecordSource(tensors), tokenizer, type, name: "synth" });
  return config;
}

/** @huggingface/gguf parses the file and agrees with mini's reader on every key and tensor. */
export async function expectHfGgufAgrees(path: string): Promise<void> {
  const theirs = await hfGguf(path, { allowLocalFile: true });
  const ours = readGguf(path);
  expect(theirs.tensorInfos.map((t) => t.name)).toEqual(ours.tensors.map((t) => t.name));
  theirs.tensorInfos.forEach((t, i) => {
    const o = ours.tensors[i]!;
    expect(t.shape.map(Number)).toEqual([...o.dims]);
    expect(t.dtype).toBe(o.type.id);
    expect(Number(t.offset)).toBe(o.offset);
  });
  const md = theirs.metadata as unknown as Record<string, unknown>;
  for (const [k, v] of ours.metadata) {
    const got = md[k];
    if (v.type === "f32" && typeof got === "number") expect(got).toBeCloseTo(v.value as number, 5);
    else if (typeof got === "bigint") expect(got).toBe(BigInt(v.value as number));
    else expect(got).toEqual(v.value);
  }
}
