/**
 * Small config.json objects of each family, with every feature of the family on, in the fields
 * and tensor names of the real checkpoints (Llama-3.2-1B, Qwen2.5-0.5B, Qwen3-0.6B, Mixtral-8x7B),
 * scaled down to 2 layers with GQA. Used by the family tests and the CLI test.
 */

const COMMON = {
  hidden_act: "silu",
  num_hidden_layers: 2,
  num_attention_heads: 4,
  num_key_value_heads: 2,
  vocab_size: 97,
  max_position_embeddings: 256,
  rms_norm_eps: 1e-6,
  torch_dtype: "float32",
};

/** Llama 3.2: llama3 rope scaling (its three bands all hit by head_dim 16, θ 500000, original 64), tied embeddings. */
export const LLAMA3_CONFIG = {
  ...COMMON,
  architectures: ["LlamaForCausalLM"],
  model_type: "llama",
  hidden_size: 64,
  head_dim: 16,
  intermediate_size: 96,
  rope_theta: 500000.0,
  rope_scaling: { factor: 8.0, high_freq_factor: 4.0, low_freq_factor: 1.0, original_max_position_embeddings: 64, rope_type: "llama3" },
  attention_bias: false,
  mlp_bias: false,
  tie_word_embeddings: true,
  bos_token_id: 1,
  eos_token_id: [2, 3],
};

/** Qwen2.5: q/k/v biases, tied embeddings, and a sliding window on layer 1 only (use_sliding_window, max_window_layers 1). */
export const QWEN2_CONFIG = {
  ...COMMON,
  architectures: ["Qwen2ForCausalLM"],
  model_type: "qwen2",
  hidden_size: 64,
  intermediate_size: 96,
  rope_theta: 1000000.0,
  use_sliding_window: true,
  sliding_window: 6,
  max_window_layers: 1,
  tie_word_embeddings: true,
  bos_token_id: 2,
  eos_token_id: 3,
};

/** Qwen3: per-head q/k RMSNorm, head_dim 16 ≠ hidden 48 / 4 heads, tied embeddings. */
export const QWEN3_CONFIG = {
  ...COMMON,
  architectures: ["Qwen3ForCausalLM"],
  model_type: "qwen3",
  hidden_size: 48,
  head_dim: 16,
  intermediate_size: 80,
  rope_theta: 1000000,
  attention_bias: false,
  use_sliding_window: false,
  sliding_window: null,
  max_window_layers: 2,
  tie_word_embeddings: true,
  bos_token_id: null,
  eos_token_id: 3,
};

/** Mixtral: 4 experts, top 2, untied. */
export const MIXTRAL_CONFIG = {
  ...COMMON,
  architectures: ["MixtralForCausalLM"],
  model_type: "mixtral",
  hidden_size: 64,
  intermediate_size: 48,
  num_local_experts: 4,
  num_experts_per_tok: 2,
  router_aux_loss_coef: 0.02,
  output_router_logits: false,
  rope_theta: 1000000.0,
  sliding_window: null,
  tie_word_embeddings: false,
  bos_token_id: 1,
  eos_token_id: 2,
};

export const FAMILIES = [
  { name: "llama3", config: LLAMA3_CONFIG },
  { name: "qwen2", config: QWEN2_CONFIG },
  { name: "qwen3", config: QWEN3_CONFIG },
  { name: "mixtral", config: MIXTRAL_CONFIG },
] as const;
