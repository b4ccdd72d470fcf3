/**
 * A saved RustGPT-architecture model (it is not a Llama, so not an HF config):
 *
 *   rustgpt.json            { format: "mini-rustgpt", version: 1, config }
 *   model.safetensors       the state dict (token_embedding.weight, blocks.N.…, output.{weight,bias})
 *   tokenizer.json, tokenizer_config.json   the word-level tokenizer, and the "User: … Assistant:"
 *                                          chat template it was instruction-tuned on (as the TinyLlama's)
 *
 * The files are read and written by ../trained-model-dir.ts.
 */
import { existsSync, join, resolve } from "#platform/fs";
import { ModelLoadError } from "../../loaders/errors.js";
import { USER_ASSISTANT_CHAT_TEMPLATE } from "../tiny-llama/hf-dir.js";
import { loadTrainedDir, trainedModelFiles, writeModelDir, type LoadedTrainedDir } from "../trained-model-dir.js";
import { rustGptConfig, type RustGptConfig } from "./config.js";
import { RustGptModel } from "./model.js";

export const RUSTGPT_FORMAT = "mini-rustgpt";
export const RUSTGPT_CONFIG_FILE = "rustgpt.json";

export interface SaveRustGptOptions {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

/** The files of `model`'s directory in memory (file name → bytes). */
export function rustGptDirFiles(model: RustGptModel, opts: SaveRustGptOptions): Record<string, Uint8Array> {
  return trainedModelFiles({
    configFile: RUSTGPT_CONFIG_FILE,
    config: { format: RUSTGPT_FORMAT, version: 1, config: model.config },
    stateDict: model.module.stateDict(),
    tokenizerJson: opts.tokenizerJson,
    // Without the template a chat (llama-infer chat, serve's page) would render built-in ChatML, which the model never saw.
    tokenizerConfig: { ...opts.tokenizerConfig, model_max_length: model.config.maxSeqLen, chat_template: USER_ASSISTANT_CHAT_TEMPLATE },
  });
}

export function saveRustGptDir(dir: string, model: RustGptModel, opts: SaveRustGptOptions): void {
  writeModelDir(dir, rustGptDirFiles(model, opts));
}

export function isRustGptDir(dir: string): boolean {
  return existsSync(join(resolve(dir), RUSTGPT_CONFIG_FILE));
}

export type LoadedRustGptDir = LoadedTrainedDir<RustGptModel>;

export function loadRustGptDir(dir: string): LoadedRustGptDir {
  return loadTrainedDir(dir, RUSTGPT_CONFIG_FILE, parseRustGptFile, (config, params) => new RustGptModel(config, params));
}

interface LegacyNames {
  embedDim?: number;
  hiddenDim?: number;
}

/** rustgpt.json → the config (errors name the file and field). */
function parseRustGptFile(json: unknown, path: string): RustGptConfig {
  const meta = (json ?? {}) as { format?: unknown; version?: unknown; config?: Partial<RustGptConfig> & LegacyNames };
  if (meta.format !== RUSTGPT_FORMAT) throw new ModelLoadError(path, "format", `is ${JSON.stringify(meta.format)}, expected "${RUSTGPT_FORMAT}"`);
  if (meta.version !== 1) throw new ModelLoadError(path, "version", `${JSON.stringify(meta.version)} is not supported (expected 1)`);
  if (!meta.config || typeof meta.config.vocabSize !== "number") throw new ModelLoadError(path, "config", "is missing or has no vocabSize");
  // Directories saved before the names were unified say embedDim / hiddenDim.
  const { embedDim, hiddenDim, ...rest } = meta.config;
  const config = { ...rest, ...(embedDim !== undefined && rest.hiddenSize === undefined ? { hiddenSize: embedDim } : {}), ...(hiddenDim !== undefined && rest.intermediateSize === undefined ? { intermediateSize: hiddenDim } : {}) };
  try {
    return rustGptConfig(config as RustGptConfig);
  } catch (e) {
    throw new ModelLoadError(path, "config", (e as Error).message);
  }
}
