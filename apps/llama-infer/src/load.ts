/**
 * Loads a model and its tokenizer (@mini/llm's loadModel): the one place the commands get a model
 * from. `--model` is a HuggingFace model directory, a rustgpt-ts directory, or a GGUF file
 * (`*.gguf`: weights, tokenizer and chat template in one).
 */
import { loadModel as loadAnyModel, type CausalLM, type Tokenizer } from "@mini/llm";
import type { WeightDtype } from "@mini/tensor";

export interface LoadedModel {
  /** The model directory or GGUF file. */
  dir: string;
  model: CausalLM;
  tokenizer: Tokenizer;
  /** Stop ids from config.json and generation_config.json (GGUF: tokenizer.ggml.eos_token_id / eot_token_id). */
  eosIds: readonly number[];
  loadMs: number;
}

/** `dtype`: how the Llama's weight matrices are kept (--dtype); undefined = f32 for a directory, as stored for a GGUF file. */
export async function loadModel(path: string, dtype?: WeightDtype): Promise<LoadedModel> {
  const t0 = performance.now();
  // loadModel checks the path first (missing directory / config.json / safetensors).
  const loaded = await loadAnyModel(path, dtype === undefined ? {} : { dtype });
  return { dir: loaded.path, model: loaded.model, tokenizer: loaded.tokenizer, eosIds: loaded.eosIds, loadMs: performance.now() - t0 };
}
