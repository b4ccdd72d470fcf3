/**
 * The model bench/kquant-prefill.ts and bench/kquant-decode.ts time: a synthesized Llama whose rows
 * are whole 256-weight super-blocks (hidden 512, intermediate 1536, 12 layers, 8 heads / 4 kv
 * heads, vocabulary 8192 — about SmolLM2-135M's MLP shape, which at hidden 576 K-quants cannot
 * hold), synthesized once into a temporary directory and loaded once per dtype (every matrix that dtype).
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { WeightDtype } from "@mini/tensor";
import { loadModelDir } from "../src/loaders/index.js";
import type { LlamaModel } from "../src/models/llama/index.js";
import { synthesizeModelDir } from "../src/synth.js";

export const KQUANT_BENCH_CONFIG = {
  architectures: ["LlamaForCausalLM"], model_type: "llama", hidden_size: 512, intermediate_size: 1536, num_hidden_layers: 12,
  num_attention_heads: 8, num_key_value_heads: 4, vocab_size: 8192, tie_word_embeddings: false, rope_theta: 10000,
  max_position_embeddings: 1024, rms_norm_eps: 1e-5, hidden_act: "silu", bos_token_id: 1, eos_token_id: 2, torch_dtype: "float32",
};

/** The bench model in each of `dtypes`. */
export async function kquantBenchModels(dtypes: readonly WeightDtype[]): Promise<Map<WeightDtype, LlamaModel>> {
  const dir = join(tmpdir(), "mini-llm-bench-kquant512-seed0");
  if (!existsSync(join(dir, "model.safetensors"))) synthesizeModelDir({ config: KQUANT_BENCH_CONFIG, outDir: dir, seed: 0 });
  const models = new Map<WeightDtype, LlamaModel>();
  for (const d of dtypes) models.set(d, (await loadModelDir(dir, { dtype: d })).model as LlamaModel);
  return models;
}
