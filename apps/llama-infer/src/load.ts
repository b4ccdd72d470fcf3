/** Loads a model directory and its tokenizer: the one place the commands get a model from. */
import { loadModelDir, loadTokenizer, type CausalLM, type Tokenizer } from "@mini/llm";

export interface LoadedModel {
  dir: string;
  model: CausalLM;
  tokenizer: Tokenizer;
  /** Stop ids from config.json and generation_config.json. */
  eosIds: readonly number[];
  loadMs: number;
}

export async function loadModel(dir: string): Promise<LoadedModel> {
  const t0 = performance.now();
  // The weights loader checks the directory first (missing directory / config.json / safetensors).
  const loaded = await loadModelDir(dir);
  const tokenizer = await loadTokenizer(loaded.dir);
  return { dir: loaded.dir, model: loaded.model, tokenizer, eosIds: loaded.eosTokenIds, loadMs: performance.now() - t0 };
}
