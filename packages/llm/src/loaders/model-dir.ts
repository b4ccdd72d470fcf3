/**
 * Loads a HuggingFace-style model directory into the inference Llama:
 *
 *   config.json              architecture and hyper-parameters (required)
 *   model.safetensors        weights (or model.safetensors.index.json + shards), F32/F16/BF16
 *   generation_config.json   bos/eos ids (optional; its eos ids are merged with config.json's)
 *   tokenizer.json, tokenizer_config.json   located here, loaded by tokenizers/ (loadTokenizer)
 *
 * Every fault is a ModelLoadError naming the file and the field or tensor.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseEosIds, parseLlamaConfig, type LlamaConfig } from "../models/llama/config.js";
import { LlamaModel, type LlamaModelOptions } from "../models/llama/model.js";
import { loadLlamaWeights } from "../models/llama/weights.js";
import { ModelLoadError } from "./errors.js";
import { openSafetensorsSource } from "./safetensors-source.js";

export interface LoadedModelDir {
  /** Absolute path of the directory. */
  readonly dir: string;
  readonly model: LlamaModel;
  readonly config: LlamaConfig;
  /** Stop ids: the union of generation_config.json's and config.json's eos_token_id. */
  readonly eosTokenIds: readonly number[];
  /** generation_config.json's bos_token_id, else config.json's (null if neither has one). */
  readonly bosTokenId: number | null;
  /** The parsed generation_config.json (null when absent): sampling defaults for generate. */
  readonly generationConfig: Readonly<Record<string, unknown>> | null;
  /** Paths of the tokenizer files, null when absent. */
  readonly tokenizerFile: string | null;
  readonly tokenizerConfigFile: string | null;
}

export interface LoadModelDirOptions extends LlamaModelOptions {}

export async function loadModelDir(dir: string, opts: LoadModelDirOptions = {}): Promise<LoadedModelDir> {
  const root = resolve(dir);
  if (!existsSync(root)) throw new ModelLoadError(root, undefined, "model directory does not exist");
  if (!statSync(root).isDirectory()) throw new ModelLoadError(root, undefined, "not a directory (expected a model directory)");

  const configPath = join(root, "config.json");
  if (!existsSync(configPath)) throw new ModelLoadError(configPath, undefined, "missing (every model directory needs a config.json)");
  const config = parseLlamaConfig(readJson(configPath), configPath);

  const genPath = join(root, "generation_config.json");
  const generationConfig = existsSync(genPath) ? readJsonObject(genPath) : null;
  const eosTokenIds = [...config.eosTokenIds];
  let bosTokenId = config.bosTokenId;
  const checkId = (id: number, file: string, field: string): void => {
    if (id >= config.vocabSize) throw new ModelLoadError(file, `field "${field}"`, `id ${id} is outside the vocabulary (vocab_size ${config.vocabSize})`);
  };
  for (const id of eosTokenIds) checkId(id, configPath, "eos_token_id");
  if (generationConfig !== null) {
    for (const id of parseEosIds(generationConfig["eos_token_id"], genPath)) {
      checkId(id, genPath, "eos_token_id");
      if (!eosTokenIds.includes(id)) eosTokenIds.push(id);
    }
    const bos = generationConfig["bos_token_id"];
    if (typeof bos === "number" && Number.isInteger(bos) && bos >= 0) {
      checkId(bos, genPath, "bos_token_id");
      bosTokenId = bos;
    }
  }

  const source = await openSafetensorsSource(root);
  const weights = loadLlamaWeights(config, source);
  const model = new LlamaModel(config, weights, opts);

  const file = (name: string): string | null => (existsSync(join(root, name)) ? join(root, name) : null);
  return {
    dir: root,
    model,
    config,
    eosTokenIds,
    bosTokenId,
    generationConfig,
    tokenizerFile: file("tokenizer.json"),
    tokenizerConfigFile: file("tokenizer_config.json"),
  };
}

/** Reads and parses `path`'s config.json only (no weights): for inspecting a directory. */
export function readModelConfig(dir: string): LlamaConfig {
  const configPath = join(resolve(dir), "config.json");
  if (!existsSync(configPath)) throw new ModelLoadError(configPath, undefined, "missing (every model directory needs a config.json)");
  return parseLlamaConfig(readJson(configPath), configPath);
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ModelLoadError(path, undefined, `cannot read (${(e as Error).message})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelLoadError(path, undefined, `not valid JSON (${(e as Error).message})`);
  }
}

function readJsonObject(path: string): Record<string, unknown> {
  const json = readJson(path);
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw new ModelLoadError(path, undefined, "expected a JSON object");
  return json as Record<string, unknown>;
}
