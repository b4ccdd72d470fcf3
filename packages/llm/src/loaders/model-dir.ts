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
import { existsSync, join, readFileSync, resolve, statSync } from "#platform/fs";
import { parseLlamaConfig, type LlamaConfig } from "../models/llama/config.js";
import { convertingMatrixLoader } from "../models/llama/compact-weights.js";
import { reserveModelHeap } from "../models/llama/heap-budget.js";
import { LlamaModel, type LlamaModelOptions } from "../models/llama/model.js";
import { loadLlamaWeights } from "../models/llama/weights.js";
import { ModelLoadError } from "./errors.js";
import { parseJsonFile, parseModelMeta } from "./model-meta.js";
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
  const genPath = join(root, "generation_config.json");
  const { config, eosTokenIds, bosTokenId, generationConfig } = parseModelMeta(
    readJsonFile(configPath),
    configPath,
    existsSync(genPath) ? readJsonFile(genPath) : undefined,
    genPath,
  );

  const source = await openSafetensorsSource(root);
  reserveModelHeap(config, opts, `the model in ${root}`); // one memory growth at most, before any weight
  const weights = loadLlamaWeights(config, source, convertingMatrixLoader(source, opts.dtype ?? "f32", config.tieWordEmbeddings));
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
  return parseLlamaConfig(readJsonFile(configPath), configPath);
}

/** Reads and parses a JSON file of a model directory; errors name the file. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ModelLoadError(path, undefined, `cannot read (${(e as Error).message})`);
  }
  return parseJsonFile(text, path);
}
