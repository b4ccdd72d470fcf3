/**
 * The one reader and writer of a trained model's directory, shared by the trainable families:
 *
 *   <config file>            the architecture: config.json (HF Llama) or rustgpt.json (RustGPT)
 *   model.safetensors        the state dict (F32)
 *   tokenizer.json, tokenizer_config.json   the tokenizer
 *   … further JSON files     e.g. generation_config.json
 *
 * The config file is written last, so a directory that has it is complete. Each file is replaced
 * atomically. Every fault names the file (ModelLoadError).
 */
import { existsSync, join, mkdirSync, resolve } from "#platform/fs";
import { readSafetensors, serializeSafetensors, writeFileAtomic, type Tensor } from "@mini/tensor";
import { ParamSource } from "@mini/nn";
import { ModelLoadError } from "../loaders/errors.js";
import { readJsonFile } from "../loaders/model-dir.js";
import { tokenizerFromJson } from "../tokenizers/hf/load.js";
import type { Tokenizer } from "../tokenizers/tokenizer.js";

export const WEIGHTS_FILE = "model.safetensors";
export const TOKENIZER_FILE = "tokenizer.json";
export const TOKENIZER_CONFIG_FILE = "tokenizer_config.json";

export interface TrainedModelParts {
  /** The architecture file's name ("config.json", "rustgpt.json") and content. */
  configFile: string;
  config: unknown;
  stateDict: Record<string, Tensor>;
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
  /** Further JSON files by name (generation_config.json). */
  extraJson?: Record<string, unknown>;
}

/** The directory's files in memory (name → bytes), the config file last: what writeModelDir writes, what a browser zips. */
export function trainedModelFiles(parts: TrainedModelParts): Record<string, Uint8Array> {
  const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value, null, 2) + "\n");
  const files: Record<string, Uint8Array> = {
    [WEIGHTS_FILE]: serializeSafetensors(parts.stateDict, { format: "pt" }),
    [TOKENIZER_FILE]: json(parts.tokenizerJson),
    [TOKENIZER_CONFIG_FILE]: json(parts.tokenizerConfig),
  };
  for (const [name, value] of Object.entries(parts.extraJson ?? {})) files[name] = json(value);
  files[parts.configFile] = json(parts.config);
  return files;
}

/** Writes `files` into `dir` (created if needed), in order, each atomically (writeFileAtomic: temp file, fsync, rename). */
export function writeModelDir(dir: string, files: Record<string, Uint8Array>): void {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    writeFileAtomic(join(root, name), bytes);
  }
}

export interface ReadTrainedModel<C> {
  readonly dir: string;
  readonly config: C;
  /** The weights, for the family's constructor (`new TinyLlama(config, params)`). */
  readonly params: ParamSource;
  readonly tokenizer: Tokenizer;
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
}

/**
 * Reads a directory written by writeModelDir. `parseConfig` turns the config file's JSON into the
 * family's config (throwing ModelLoadError naming the field); the tokenizer's size must equal vocabSize.
 */
export function readTrainedModelDir<C extends { vocabSize: number }>(
  dir: string,
  configFile: string,
  parseConfig: (json: unknown, path: string) => C,
): ReadTrainedModel<C> {
  const root = resolve(dir);
  const need = (name: string): string => {
    const p = join(root, name);
    if (!existsSync(p)) throw new ModelLoadError(p, undefined, "missing (expected a model directory written by the trainer)");
    return p;
  };
  const configPath = need(configFile);
  const config = parseConfig(readJsonFile(configPath), configPath);
  const tokenizerJson = readJsonFile(need(TOKENIZER_FILE)) as Record<string, unknown>;
  const tcPath = join(root, TOKENIZER_CONFIG_FILE);
  const tokenizerConfig = existsSync(tcPath) ? (readJsonFile(tcPath) as Record<string, unknown>) : {};
  const weightsPath = need(WEIGHTS_FILE);
  const params = ParamSource.fromTensors(readSafetensors(weightsPath), { name: weightsPath });
  const tokenizer = tokenizerFromJson(tokenizerJson, tokenizerConfig);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new ModelLoadError(join(root, TOKENIZER_FILE), undefined, `has ${tokenizer.vocabSize} tokens, ${configFile} says vocabSize ${config.vocabSize}`);
  }
  return { dir: root, config, params, tokenizer, tokenizerJson, tokenizerConfig };
}

/** What a family's loader returns: the model built from the directory, and its tokenizer. */
export interface LoadedTrainedDir<M> {
  readonly model: M;
  readonly tokenizer: Tokenizer;
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
}

/** readTrainedModelDir, then the family's model built from the config and weights. */
export function loadTrainedDir<C extends { vocabSize: number }, M>(
  dir: string,
  configFile: string,
  parseConfig: (json: unknown, path: string) => C,
  build: (config: C, params: ParamSource) => M,
): LoadedTrainedDir<M> {
  const r = readTrainedModelDir(dir, configFile, parseConfig);
  return { model: build(r.config, r.params), tokenizer: r.tokenizer, tokenizerJson: r.tokenizerJson, tokenizerConfig: r.tokenizerConfig };
}
