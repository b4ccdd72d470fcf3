/**
 * Hyper-parameters of the trainable Llama-shaped model, and their HuggingFace `config.json` form.
 *
 * The model is exactly what `LlamaForCausalLM` computes (pre-RMSNorm, rotate-half RoPE, SwiGLU,
 * untied lm_head), optionally with the attention options of the other families, and its config
 * names the family that computes the same thing, so the saved directory loads in `transformers`
 * and in @mini/llm's inference model:
 *
 *   qkvBias  outputBias  qkNorm    saved as
 *   —        —           —         LlamaForCausalLM
 *   ✓        ✓           —         LlamaForCausalLM, attention_bias: true
 *   ✓        —           —         Qwen2ForCausalLM
 *   —/✓      —/✓ (same)  ✓         Qwen3ForCausalLM (attention_bias = the biases)
 */
import { parseLlamaConfig } from "../llama/config.js";

export interface TinyLlamaConfig {
  readonly vocabSize: number;
  /** Model width (embedding size). */
  readonly hiddenSize: number;
  /** SwiGLU width (gate/up projections). */
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  /** Key/value heads (= numHeads: plain multi-head attention; fewer for GQA). */
  readonly numKvHeads: number;
  readonly maxSeqLen: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  /** Biases on q_proj, k_proj, v_proj. */
  readonly qkvBias: boolean;
  /** A bias on o_proj. */
  readonly outputBias: boolean;
  /** RMSNorm of each head's q and k before RoPE (Qwen3). */
  readonly qkNorm: boolean;
}

export interface TinyLlamaConfigInput {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads?: number;
  maxSeqLen: number;
  rmsNormEps?: number;
  ropeTheta?: number;
  qkvBias?: boolean;
  outputBias?: boolean;
  qkNorm?: boolean;
}

/** Fills defaults and checks the dimensions fit together (errors name the field). */
export function tinyLlamaConfig(c: TinyLlamaConfigInput): TinyLlamaConfig {
  const positiveInt = (field: string, v: number): number => {
    if (!Number.isInteger(v) || v <= 0) throw new Error(`tiny-llama config: ${field} must be a positive integer, got ${v}`);
    return v;
  };
  for (const f of ["vocabSize", "hiddenSize", "intermediateSize", "numLayers", "numHeads", "maxSeqLen"] as const) positiveInt(f, c[f]);
  const numKvHeads = positiveInt("numKvHeads", c.numKvHeads ?? c.numHeads);
  if (c.hiddenSize % c.numHeads !== 0) {
    throw new Error(`tiny-llama config: hiddenSize (${c.hiddenSize}) must be divisible by numHeads (${c.numHeads})`);
  }
  if ((c.hiddenSize / c.numHeads) % 2 !== 0) {
    throw new Error(`tiny-llama config: the head size hiddenSize/numHeads = ${c.hiddenSize / c.numHeads} must be even for rotary embeddings`);
  }
  if (c.numHeads % numKvHeads !== 0) throw new Error(`tiny-llama config: numKvHeads (${numKvHeads}) must divide numHeads (${c.numHeads})`);
  const qkvBias = c.qkvBias ?? false;
  const outputBias = c.outputBias ?? false;
  const qkNorm = c.qkNorm ?? false;
  if (outputBias && !qkvBias) throw new Error("tiny-llama config: outputBias needs qkvBias (no Hugging Face family has an o_proj bias alone)");
  if (qkNorm && qkvBias !== outputBias) {
    throw new Error("tiny-llama config: with qkNorm (Qwen3), qkvBias and outputBias must be equal (Qwen3's attention_bias covers all four projections)");
  }
  return {
    vocabSize: c.vocabSize,
    hiddenSize: c.hiddenSize,
    intermediateSize: c.intermediateSize,
    numLayers: c.numLayers,
    numHeads: c.numHeads,
    numKvHeads,
    maxSeqLen: c.maxSeqLen,
    rmsNormEps: c.rmsNormEps ?? 1e-5,
    ropeTheta: c.ropeTheta ?? 10000,
    qkvBias,
    outputBias,
    qkNorm,
  };
}

export function headDimOf(c: TinyLlamaConfig): number {
  return c.hiddenSize / c.numHeads;
}

/** Special token ids written into config.json. */
export interface SpecialTokenIds {
  eosTokenId: number;
  padTokenId?: number;
  bosTokenId?: number;
}

/** The HF `config.json` object (LlamaForCausalLM, or the Qwen family its attention options make it: see above). */
export function toHfConfig(c: TinyLlamaConfig, ids: SpecialTokenIds): Record<string, unknown> {
  const family = c.qkNorm ? "qwen3" : c.qkvBias && !c.outputBias ? "qwen2" : "llama";
  const familyFields = {
    llama: { architectures: ["LlamaForCausalLM"], model_type: "llama", attention_bias: c.qkvBias, mlp_bias: false, pretraining_tp: 1 },
    qwen2: { architectures: ["Qwen2ForCausalLM"], model_type: "qwen2", use_sliding_window: false },
    qwen3: { architectures: ["Qwen3ForCausalLM"], model_type: "qwen3", attention_bias: c.qkvBias, use_sliding_window: false },
  }[family];
  return {
    ...familyFields,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: headDimOf(c),
    hidden_act: "silu",
    max_position_embeddings: c.maxSeqLen,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    attention_dropout: 0.0,
    initializer_range: 0.02,
    tie_word_embeddings: false,
    bos_token_id: ids.bosTokenId ?? null,
    eos_token_id: ids.eosTokenId,
    pad_token_id: ids.padTokenId ?? null,
    torch_dtype: "float32",
    use_cache: true,
    transformers_version: "4.44.0",
  };
}

/** Reads a Llama config.json object back into the trainable model's config (file names it in errors). */
export function fromHfConfig(json: unknown, file = "config.json"): TinyLlamaConfig {
  const l = parseLlamaConfig(json, file);
  if (l.tieWordEmbeddings) throw new Error(`${file}: tie_word_embeddings: true is not supported by the trainable tiny-llama (expected false)`);
  const unsupported = l.moe !== null ? "num_local_experts" : l.slidingWindow !== null ? "sliding_window" : l.ropeScaling !== null ? "rope_scaling" : null;
  if (unsupported !== null) throw new Error(`${file}: field "${unsupported}" (${l.modelType}) is not supported by the trainable tiny-llama`);
  if (l.headDim * l.numHeads !== l.hiddenSize) {
    throw new Error(`${file}: head_dim (${l.headDim}) × num_attention_heads (${l.numHeads}) must equal hidden_size (${l.hiddenSize})`);
  }
  return tinyLlamaConfig({
    vocabSize: l.vocabSize,
    hiddenSize: l.hiddenSize,
    intermediateSize: l.intermediateSize,
    numLayers: l.numLayers,
    numHeads: l.numHeads,
    numKvHeads: l.numKvHeads,
    maxSeqLen: l.maxSeqLen,
    rmsNormEps: l.rmsNormEps,
    ropeTheta: l.ropeTheta,
    qkvBias: l.qkvBias,
    outputBias: l.oBias,
    qkNorm: l.qkNorm,
  });
}
