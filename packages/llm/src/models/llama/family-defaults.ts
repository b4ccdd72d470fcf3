/**
 * What each family's transformers config class (LlamaConfig, MistralConfig, MixtralConfig,
 * Qwen2Config, Qwen3Config) takes for a field config.json leaves out. They differ: a config
 * without rope_theta means 1e6 for Mixtral but 10000 for Llama, and a Mistral config without
 * sliding_window slides over 4096 positions. save_pretrained writes every field, so these
 * matter for hand-written and converter-written configs.
 */
import type { ModelType } from "./config.js";

export interface FamilyDefaults {
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  /** num_key_value_heads; null = num_attention_heads. */
  readonly numKvHeads: number | null;
  /** head_dim; null = hidden_size / num_attention_heads. */
  readonly headDim: number | null;
  /** sliding_window (Qwen: used only with use_sliding_window). */
  readonly slidingWindow: number | null;
}

const QWEN: FamilyDefaults = { rmsNormEps: 1e-6, ropeTheta: 10000, numKvHeads: 32, headDim: null, slidingWindow: 4096 };

export const FAMILY_DEFAULTS: Readonly<Record<ModelType, FamilyDefaults>> = {
  llama: { rmsNormEps: 1e-6, ropeTheta: 10000, numKvHeads: null, headDim: null, slidingWindow: null },
  mistral: { rmsNormEps: 1e-6, ropeTheta: 10000, numKvHeads: 8, headDim: null, slidingWindow: 4096 },
  mixtral: { rmsNormEps: 1e-5, ropeTheta: 1e6, numKvHeads: 8, headDim: null, slidingWindow: null },
  qwen2: QWEN,
  qwen3: { ...QWEN, headDim: 128 },
};
