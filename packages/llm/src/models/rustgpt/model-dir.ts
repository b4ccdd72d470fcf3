/**
 * A saved RustGPT-architecture model (it is not a Llama, so not an HF config):
 *
 *   rustgpt.json            { format: "mini-rustgpt", version: 1, config }
 *   model.safetensors       the state dict (token_embedding.weight, blocks.N.…, output.{weight,bias})
 *   tokenizer.json, tokenizer_config.json   the word-level tokenizer
 */
import { existsSync, join, mkdirSync, readFileSync, renameSync, resolve, writeFileSync } from "#platform/fs";
import { readSafetensors, writeSafetensors } from "@mini/tensor";
import { ParamSource } from "@mini/nn";
import { tokenizerFromJson } from "../../tokenizers/hf/load.js";
import type { Tokenizer } from "../../tokenizers/tokenizer.js";
import { rustGptConfig, type RustGptConfig } from "./config.js";
import { RustGptModel } from "./model.js";

export const RUSTGPT_FORMAT = "mini-rustgpt";
export const RUSTGPT_CONFIG_FILE = "rustgpt.json";

export interface SaveRustGptOptions {
  tokenizerJson: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown>;
}

export function saveRustGptDir(dir: string, model: RustGptModel, opts: SaveRustGptOptions): void {
  const root = resolve(dir);
  mkdirSync(root, { recursive: true });
  writeSafetensors(join(root, "model.safetensors"), model.module.stateDict(), { format: "pt" });
  writeJson(join(root, "tokenizer.json"), opts.tokenizerJson);
  writeJson(join(root, "tokenizer_config.json"), { ...opts.tokenizerConfig, model_max_length: model.config.maxSeqLen });
  // Last: a directory with rustgpt.json is complete.
  writeJson(join(root, RUSTGPT_CONFIG_FILE), { format: RUSTGPT_FORMAT, version: 1, config: model.config });
}

export function isRustGptDir(dir: string): boolean {
  return existsSync(join(resolve(dir), RUSTGPT_CONFIG_FILE));
}

export interface LoadedRustGptDir {
  readonly model: RustGptModel;
  readonly tokenizer: Tokenizer;
  readonly tokenizerJson: Record<string, unknown>;
  readonly tokenizerConfig: Record<string, unknown>;
}

export function loadRustGptDir(dir: string): LoadedRustGptDir {
  const root = resolve(dir);
  const cfgPath = join(root, RUSTGPT_CONFIG_FILE);
  const meta = readJson(cfgPath) as { format?: unknown; version?: unknown; config?: Partial<RustGptConfig> };
  if (meta.format !== RUSTGPT_FORMAT) throw new Error(`${cfgPath}: format is ${JSON.stringify(meta.format)}, expected "${RUSTGPT_FORMAT}"`);
  if (meta.version !== 1) throw new Error(`${cfgPath}: version ${JSON.stringify(meta.version)} is not supported (expected 1)`);
  if (!meta.config || typeof meta.config.vocabSize !== "number") throw new Error(`${cfgPath}: field "config" is missing or has no vocabSize`);
  let config: RustGptConfig;
  try {
    config = rustGptConfig(meta.config as RustGptConfig);
  } catch (e) {
    throw new Error(`${cfgPath}: ${(e as Error).message}`);
  }
  const weightsPath = join(root, "model.safetensors");
  if (!existsSync(weightsPath)) throw new Error(`${weightsPath}: missing`);
  const model = new RustGptModel(config, ParamSource.fromTensors(readSafetensors(weightsPath), { name: weightsPath }));
  const tokenizerJson = readJson(join(root, "tokenizer.json")) as Record<string, unknown>;
  const tcPath = join(root, "tokenizer_config.json");
  const tokenizerConfig = existsSync(tcPath) ? (readJson(tcPath) as Record<string, unknown>) : {};
  const tokenizer = tokenizerFromJson(tokenizerJson, tokenizerConfig);
  if (tokenizer.vocabSize !== config.vocabSize) {
    throw new Error(`${join(root, "tokenizer.json")}: has ${tokenizer.vocabSize} tokens, ${RUSTGPT_CONFIG_FILE} says vocabSize ${config.vocabSize}`);
  }
  return { model, tokenizer, tokenizerJson, tokenizerConfig };
}

function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  renameSync(tmp, path);
}

function readJson(path: string): unknown {
  if (!existsSync(path)) throw new Error(`${path}: missing`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (e) {
    throw new Error(`${path}: malformed JSON (${(e as Error).message})`);
  }
}
