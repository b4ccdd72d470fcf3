/**
 * Which saved form each preset uses, and loading either back: the default model is a
 * HuggingFace Llama directory (config.json), `--preset rustgpt` mini's own (rustgpt.json).
 */
import { existsSync } from "node:fs";
import { loadModel, type Tokenizer } from "@mini/llm";
import { saveAsHfModelDir, saveRustGptDir, type RustGptModel, TinyLlama } from "@mini/llm/models";
import { AppError } from "./errors.js";

export interface TrainedModel {
  readonly preset: "tiny-llama" | "rustgpt";
  readonly model: TinyLlama | RustGptModel;
  readonly tokenizer: Tokenizer;
}

/** The tokenizer as files (tokenizer.json and tokenizer_config.json objects), saved beside the weights. */
export interface TokenizerFiles {
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
}

export function saveTrained(dir: string, t: TrainedModel, files: TokenizerFiles): void {
  if (t.model instanceof TinyLlama) saveAsHfModelDir(dir, t.model, files);
  else saveRustGptDir(dir, t.model, files);
}

/** A saved model, as the trainable class it was trained as (through @mini/llm's loadModel). */
export async function loadTrained(dir: string): Promise<TrainedModel> {
  if (!existsSync(dir)) throw new AppError(`${dir}: model directory does not exist`);
  const r = await loadModel(dir, { trainable: true });
  if (r.format === "rustgpt") return { preset: "rustgpt", model: r.model, tokenizer: r.tokenizer };
  if (r.format === "hf-llama-trainable") return { preset: "tiny-llama", model: r.model, tokenizer: r.tokenizer };
  throw new AppError(`${dir}: loaded as ${r.format}, expected a model rustgpt-ts trained`);
}

/** The architecture of a model in CLI option terms (to compare with options given on the command line). */
export function architectureOptions(m: TinyLlama | RustGptModel): Record<string, number> {
  if (m instanceof TinyLlama) {
    const c = m.config;
    return { hiddenSize: c.hiddenSize, intermediateSize: c.intermediateSize, layers: c.numLayers, heads: c.numHeads, maxSeqLen: c.maxSeqLen };
  }
  const c = m.config;
  return { hiddenSize: c.hiddenSize, intermediateSize: c.intermediateSize, layers: c.numLayers, heads: c.numHeads, maxSeqLen: c.maxSeqLen };
}

const FLAG: Record<string, string> = {
  hiddenSize: "--hidden-size",
  intermediateSize: "--intermediate-size",
  layers: "--layers",
  heads: "--heads",
  maxSeqLen: "--max-seq-len",
  preset: "--preset",
};

/** Throws when an option given on the command line contradicts a saved model's configuration. */
export function checkGivenMatches(where: string, saved: Record<string, number | string>, given: Record<string, unknown>, explicit: ReadonlySet<string>): void {
  for (const [key, value] of Object.entries(saved)) {
    if (explicit.has(key) && given[key] !== value) {
      throw new AppError(
        `${where}: checkpoint from a different configuration: it has ${FLAG[key] ?? key} ${value}, the command line gives ${String(given[key])}`,
      );
    }
  }
}
