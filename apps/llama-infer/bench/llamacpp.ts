/**
 * llama.cpp's side of bench/dtypes.ts, through node-llama-cpp's prebuilt CPU binary (a
 * devDependency, pinned; nothing is built or downloaded at run time): the bench models written as
 * GGUF by mini's own writer from the same safetensors, one measured cell (prefill, decode, peak
 * RSS, load), and the greedy check that llama.cpp decodes what mini decodes at F32.
 * Flash attention off and an F32 KV cache, as in packages/llm's GGUF oracle tests, so that F32
 * weights are an all-f32 computation in both systems.
 */
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadModelDir, openSafetensorsSource, readModelConfig, writeModelGguf, type GgufWriteType } from "@mini/llm/models";
import { ggufTokenizerMetadata, loadTokenizerSync } from "@mini/llm/tokenizers";
import { llamaCpp } from "@mini/llm/llamacpp-native";
import type { WeightDtype } from "@mini/tensor";

/**
 * The dtypes llama.cpp runs per bench model. The 32M model's 312- and 1092-wide rows are not whole
 * 32-weight blocks, so its Q8_0/Q4_0 would silently be F16 in a GGUF file: no llama.cpp column there.
 */
export function llamaCppDtypes(model: string): readonly WeightDtype[] {
  return model === "chat32m" ? ["f32", "bf16", "f16"] : ["f32", "bf16", "f16", "q8_0", "q4_0"];
}

/**
 * The model directory's weights as GGUF of the dtype, written once per (model, dtype) next to it.
 * `tokenizerDir` gives the tokenizer when the model directory has none (padded to the vocab size:
 * the bench feeds token ids, the tokenizer only has to load).
 */
export async function benchGguf(dir: string, name: string, dtype: WeightDtype, tokenizerDir = dir): Promise<string> {
  const path = join(tmpdir(), `mini-llm-bench-${name}-seed0-${dtype}.gguf`);
  if (existsSync(path)) return path;
  const config = readModelConfig(dir);
  const tokenizer = loadTokenizerSync(tokenizerDir);
  const json = JSON.parse(readFileSync(join(tokenizerDir, "tokenizer.json"), "utf8"));
  const r = writeModelGguf(path, {
    config, source: await openSafetensorsSource(dir), tokenizer: ggufTokenizerMetadata(json, tokenizer, config.vocabSize), type: dtype.toUpperCase() as GgufWriteType, name,
  });
  if (r.fallbacks.length > 0) throw new Error(`${path}: ${r.fallbacks.length} tensor(s) were written in a fallback type (rows not whole ${dtype} blocks); not a ${dtype} comparison`);
  return path;
}

async function open(path: string, threads: number, contextSize: number) {
  const lib = await llamaCpp();
  const t0 = performance.now();
  const model = await lib.loadModel({ modelPath: path, gpuLayers: 0 });
  const loadMs = performance.now() - t0;
  const context = await model.createContext({
    contextSize, batchSize: 128, threads, sequences: 1, flashAttention: false, experimentalKvCacheKeyType: "F32", experimentalKvCacheValueType: "F32",
  });
  const sequence = context.getSequence();
  return { loadMs, sequence, dispose: async () => { await context.dispose(); await model.dispose(); } };
}

export interface LlamaCppCell {
  prefill: number;
  decode: number;
  rssMB: number;
  loadMs: number;
}

/**
 * One llama.cpp cell in this process: the prompt, then `decodeLen` greedy tokens after the first.
 * Prefill is the time to the first token (prompt evaluation + one sampling), decode the time of
 * the `decodeLen` steps after it (each evaluates the previous token); best of 3 and of 2, as mini's cell.
 */
export async function llamaCppCell(path: string, threads: number, prompt: readonly number[], decodeLen: number): Promise<LlamaCppCell> {
  const o = await open(path, threads, prompt.length + decodeLen + 8);
  let prefill = Infinity, decode = Infinity;
  try {
    for (let r = 0; r < 3; r++) {
      await o.sequence.clearHistory();
      const t = performance.now();
      let n = -1, tDecode = 0;
      for await (const _ of o.sequence.evaluate([...prompt] as never, { temperature: 0 })) {
        if (++n === 0) {
          prefill = Math.min(prefill, (performance.now() - t) / 1000);
          if (r === 2) break;
          tDecode = performance.now();
        } else if (n === decodeLen) break;
      }
      if (r < 2) decode = Math.min(decode, (performance.now() - tDecode) / 1000);
    }
  } finally {
    await o.dispose();
  }
  return { prefill: prompt.length / prefill, decode: decodeLen / decode, rssMB: process.resourceUsage().maxRSS / 1024, loadMs: o.loadMs };
}

/** Greedy continuations of llama.cpp (the F32 GGUF) and mini (the safetensors at f32), n tokens each. */
export async function greedyCheck(dir: string, ggufPath: string, prompt: readonly number[], n: number): Promise<{ mini: number[]; llamaCpp: number[] }> {
  const { model } = await loadModelDir(dir, { dtype: "f32" });
  const mini: number[] = [];
  try {
    const cache = model.newCache(prompt.length + n + 1);
    let logits = model.forward(prompt, cache);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < logits.length; j++) if (logits[j]! > logits[best]!) best = j;
      mini.push(best);
      if (i + 1 < n) logits = model.forward([best], cache);
    }
  } finally {
    model.dispose();
  }
  const o = await open(ggufPath, 1, prompt.length + n + 8);
  const theirs: number[] = [];
  try {
    for await (const t of o.sequence.evaluate([...prompt] as never, { temperature: 0 })) {
      theirs.push(t as number);
      if (theirs.length >= n) break;
    }
  } finally {
    await o.dispose();
  }
  return { mini, llamaCpp: theirs };
}

/**
 * llama.cpp's top-1 token after each of `forced.length` prefixes: the prompt, then the prompt and
 * forced[0], … (teacher forcing: what it would pick at each step, whatever it picked before).
 */
export async function llamaCppTeacherForcedTop1(path: string, prompt: readonly number[], forced: readonly number[]): Promise<number[]> {
  const o = await open(path, 1, prompt.length + forced.length + 8);
  const next = { generateNext: { token: true, options: { temperature: 0 } } };
  const input = [...prompt.slice(0, -1), [prompt.at(-1)!, next], ...forced.slice(0, -1).map((t) => [t, next])];
  try {
    const res = await o.sequence.controlledEvaluate(input as never);
    return res.filter((r) => r?.next?.token != null).map((r) => r!.next!.token as number);
  } finally {
    await o.dispose();
  }
}
