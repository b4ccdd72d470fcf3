/**
 * The Llama/Mistral hyper-parameters, read from a HuggingFace `config.json`.
 *
 * Only what this implementation honours is accepted: anything that would change the math and
 * that we do not implement (another architecture, rope scaling, biases, another activation) is
 * refused with a ModelLoadError naming the field and the file, never silently ignored.
 */
import { ModelLoadError } from "../../loaders/errors.js";
import type { CausalLMConfig } from "../causal-lm.js";

export interface LlamaConfig extends CausalLMConfig {
  /** "llama" or "mistral" (HF model_type). */
  readonly modelType: "llama" | "mistral";
  readonly vocabSize: number;
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly numLayers: number;
  readonly numHeads: number;
  /** Key/value heads; numHeads / numKvHeads query heads share each one (GQA). */
  readonly numKvHeads: number;
  readonly headDim: number;
  readonly rmsNormEps: number;
  readonly ropeTheta: number;
  /** max_position_embeddings. */
  readonly maxSeqLen: number;
  /** lm_head shares the embedding matrix. */
  readonly tieWordEmbeddings: boolean;
  /**
   * A query at position p attends to keys in (p − slidingWindow, p], i.e. `slidingWindow` keys
   * counting its own; null = full causal attention. This is transformers' current definition
   * (masking_utils: kv_idx > q_idx − window). Some earlier transformers versions (the
   * `_make_causal_mask` with `diagonal = past − window − 1`) keep window + 1 keys
   * ([p − window, p]); the two differ only once a context exceeds the window.
   */
  readonly slidingWindow: number | null;
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  /** Informational only: weights are converted to f32 on load whatever their stored dtype. */
  readonly torchDtype: string | null;
}

const ARCHITECTURES: Record<string, "llama" | "mistral"> = {
  LlamaForCausalLM: "llama",
  MistralForCausalLM: "mistral",
};

type Json = Record<string, unknown>;

/** Parses and validates the content of a config.json (`file` is only used in messages). */
export function parseLlamaConfig(json: unknown, file = "config.json"): LlamaConfig {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new ModelLoadError(file, undefined, `expected a JSON object, got ${describe(json)}`);
  }
  const c = json as Json;
  const fail = (field: string, reason: string): never => {
    throw new ModelLoadError(file, `field "${field}"`, reason);
  };

  // Architecture: both fields, when present, must name something we implement.
  const modelType = c["model_type"];
  if (modelType !== "llama" && modelType !== "mistral") {
    fail("model_type", `unsupported model type ${JSON.stringify(modelType)}; supported: "llama", "mistral"`);
  }
  const archs = c["architectures"];
  if (archs !== undefined && archs !== null) {
    if (!Array.isArray(archs) || archs.length === 0) fail("architectures", `expected a non-empty array, got ${describe(archs)}`);
    for (const a of archs as unknown[]) {
      if (typeof a !== "string" || !(a in ARCHITECTURES)) {
        fail("architectures", `unsupported architecture ${JSON.stringify(a)}; supported: ${Object.keys(ARCHITECTURES).join(", ")}`);
      }
    }
  }

  // Features that change the math and that we do not implement.
  const scaling = c["rope_scaling"];
  if (scaling !== undefined && scaling !== null && !isDefaultRope(scaling)) {
    fail("rope_scaling", `rope scaling is not supported (got ${describe(scaling)}; expected null)`);
  }
  if (c["attention_bias"] === true) fail("attention_bias", "attention biases are not supported (got true; expected false)");
  if (c["mlp_bias"] === true) fail("mlp_bias", "MLP biases are not supported (got true; expected false)");
  const act = c["hidden_act"] ?? "silu";
  if (act !== "silu" && act !== "swish") fail("hidden_act", `only "silu" is supported, got ${JSON.stringify(act)}`);
  if (c["hidden_activation"] !== undefined && c["hidden_activation"] !== "silu") {
    fail("hidden_activation", `only "silu" is supported, got ${JSON.stringify(c["hidden_activation"])}`);
  }

  const int = (field: string, dflt?: number): number => {
    const v = c[field] ?? dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
      fail(field, v === undefined ? "missing (expected a positive integer)" : `expected a positive integer, got ${describe(v)}`);
    }
    return v as number;
  };
  const positive = (field: string, dflt?: number): number => {
    const v = c[field] ?? dflt;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      fail(field, v === undefined ? "missing (expected a positive number)" : `expected a positive number, got ${describe(v)}`);
    }
    return v as number;
  };

  const vocabSize = int("vocab_size");
  const hiddenSize = int("hidden_size");
  const intermediateSize = int("intermediate_size");
  const numLayers = int("num_hidden_layers");
  const numHeads = int("num_attention_heads");
  const numKvHeads = int("num_key_value_heads", numHeads);
  if (numHeads % numKvHeads !== 0) {
    fail("num_key_value_heads", `must divide num_attention_heads (${numHeads}), got ${numKvHeads}`);
  }
  if (c["head_dim"] === undefined || c["head_dim"] === null) {
    if (hiddenSize % numHeads !== 0) {
      fail("hidden_size", `must be divisible by num_attention_heads (${numHeads}) when head_dim is absent, got ${hiddenSize}`);
    }
  }
  const headDim = c["head_dim"] === undefined || c["head_dim"] === null ? hiddenSize / numHeads : int("head_dim");
  if (headDim % 2 !== 0) fail("head_dim", `must be even for rotary embeddings, got ${headDim}`);
  const rmsNormEps = positive("rms_norm_eps", 1e-6);
  const ropeTheta = positive("rope_theta", 10000);
  const maxSeqLen = int("max_position_embeddings");
  const tie = c["tie_word_embeddings"] ?? false;
  if (typeof tie !== "boolean") fail("tie_word_embeddings", `expected a boolean, got ${describe(tie)}`);

  // Only Mistral has a sliding window (HF Llama ignores the field). null/absent = none.
  let slidingWindow: number | null = null;
  if (modelType === "mistral" && c["sliding_window"] !== undefined && c["sliding_window"] !== null) {
    slidingWindow = int("sliding_window");
  }

  const bos = c["bos_token_id"];
  if (bos !== undefined && bos !== null && !isTokenId(bos)) fail("bos_token_id", `expected a token id, got ${describe(bos)}`);

  const dtype = c["torch_dtype"] ?? c["dtype"];
  return {
    modelType: modelType as "llama" | "mistral",
    vocabSize,
    hiddenSize,
    intermediateSize,
    numLayers,
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps,
    ropeTheta,
    maxSeqLen,
    tieWordEmbeddings: tie as boolean,
    slidingWindow,
    bosTokenId: isTokenId(bos) ? bos : null,
    eosTokenIds: parseEosIds(c["eos_token_id"], file),
    torchDtype: typeof dtype === "string" ? dtype : null,
  };
}

/** eos_token_id as HF writes it: absent/null, one id, or an array of ids. */
export function parseEosIds(v: unknown, file: string): number[] {
  if (v === undefined || v === null) return [];
  if (isTokenId(v)) return [v];
  if (Array.isArray(v) && v.every(isTokenId)) return [...v];
  throw new ModelLoadError(file, `field "eos_token_id"`, `expected a token id or an array of token ids, got ${describe(v)}`);
}

/** {"rope_type": "default"} (newer transformers write it) is plain RoPE: nothing to scale. */
function isDefaultRope(v: unknown): boolean {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const entries = Object.entries(v);
  return entries.length > 0 && entries.every(([k, x]) => (k === "rope_type" || k === "type") && x === "default");
}

function isTokenId(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
