/**
 * Loads a model and its tokenizer: the one place the commands get a model from. `--model` is a
 * HuggingFace model directory or a GGUF file (`*.gguf`: weights, tokenizer and chat template in one).
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { loadGgufModel, loadModelDir, loadTokenizer, type CausalLM, type Tokenizer } from "@mini/llm";

export interface LoadedModel {
  /** The model directory or GGUF file. */
  dir: string;
  model: CausalLM;
  tokenizer: Tokenizer;
  /** Stop ids from config.json and generation_config.json (GGUF: tokenizer.ggml.eos_token_id / eot_token_id). */
  eosIds: readonly number[];
  loadMs: number;
}

export const isGgufPath = (path: string): boolean => path.toLowerCase().endsWith(".gguf") && existsSync(path) && statSync(path).isFile();

export async function loadModel(path: string): Promise<LoadedModel> {
  const t0 = performance.now();
  if (isGgufPath(path)) {
    const g = loadGgufModel(resolve(path));
    return { dir: g.file, model: g.model, tokenizer: g.tokenizer, eosIds: g.eosTokenIds, loadMs: performance.now() - t0 };
  }
  // The weights loader checks the directory first (missing directory / config.json / safetensors).
  const loaded = await loadModelDir(path);
  const tokenizer = await loadTokenizer(loaded.dir);
  return { dir: loaded.dir, model: loaded.model, tokenizer, eosIds: loaded.eosTokenIds, loadMs: performance.now() - t0 };
}
