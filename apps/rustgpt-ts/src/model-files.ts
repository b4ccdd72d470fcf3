/**
 * Which saved form each preset uses, and loading either back: the default model is a
 * HuggingFace Llama directory (config.json), `--preset rustgpt` mini's own (rustgpt.json).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  isRustGptDir,
  loadRustGptDir,
  loadTinyLlamaDir,
  saveAsHfModelDir,
  saveRustGptDir,
  RustGptModel,
  TinyLlama,
  type Tokenizer,
} from "@mini/llm";
import { AppError } from "./errors.js";

export interface TrainedModel {
  readonly preset: "tiny-llama" | "rustgpt";
  readonly model: TinyLlama | RustGptModel;
  readonly tokenizer: Tokenizer;
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
}

export function saveTrained(dir: string, t: TrainedModel): void {
  const files = { tokenizerJson: t.tokenizerJson, tokenizerConfig: t.tokenizerConfig };
  if (t.model instanceof TinyLlama) saveAsHfModelDir(dir, t.model, files);
  else saveRustGptDir(dir, t.model, files);
}

export function loadTrained(dir: string): TrainedModel {
  if (!existsSync(dir)) throw new AppError(`${dir}: model directory does not exist`);
  if (isRustGptDir(dir)) {
    const r = loadRustGptDir(dir);
    return { preset: "rustgpt", ...r };
  }
  if (existsSync(join(dir, "config.json"))) {
    const r = loadTinyLlamaDir(dir);
    return { preset: "tiny-llama", ...r };
  }
  throw new AppError(`${dir}: not a saved model (expected config.json or rustgpt.json)`);
}

/** The architecture of a model in CLI option terms (to compare with options given on the command line). */
export function architectureOptions(m: TinyLlama | RustGptModel): Record<string, number> {
  if (m instanceof TinyLlama) {
    const c = m.config;
    return { embedDim: c.hiddenSize, hiddenDim: c.intermediateSize, layers: c.numLayers, heads: c.numHeads, maxSeqLen: c.maxSeqLen };
  }
  const c = m.config;
  return { embedDim: c.embedDim, hiddenDim: c.hiddenDim, layers: c.numLayers, heads: c.numHeads, maxSeqLen: c.maxSeqLen };
}

const FLAG: Record<string, string> = {
  embedDim: "--embed-dim",
  hiddenDim: "--hidden-dim",
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
