/**
 * The hyper-parameters of the Llama-family models, read from a HuggingFace `config.json`:
 * Llama (2, 3.x), Mistral, Qwen2/2.5, Qwen3 and Mixtral. They are one architecture with a few
 * switches (family-features.ts reads them): biases on the attention projections, RMSNorm of each
 * head's q and k, a RoPE frequency remapping, per-layer sliding windows, a routed (MoE) MLP.
 *
 * Only what this implementation honours is accepted: anything that would change the math and
 * that we do not implement (another architecture, a rope scaling other than llama3/linear/yarn, MLP
 * biases, another activation) is refused with a ModelLoadError naming the field and the file, never silently ignored.
 */
import { ModelLoadError } from "../../loaders/errors.js";
import type { CausalLMConfig } from "../causal-lm.js";
import { FAMILY_DEFAULTS } from "./family-defaults.js";
import { parseFamilyFeatures, type FamilyFeatures } from "./family-features.js";
import { parseRopeScaling, type RopeScaling } from "./rope-scaling.js";

/** HF model_type values this implementation runs. */
export type ModelType = "llama" | "mistral" | "qwen2" | "qwen3" | "mixtral";

export interface LlamaConfig extends CausalLMConfig, FamilyFeatures {
  /** The HF model_type. */
  readonly modelType: ModelType;
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
  readonly bosTokenId: number | null;
  readonly eosTokenIds: readonly number[];
  /** Informational only: weights are converted to f32 on load whatever their stored dtype. */
  readonly torchDtype: string | null;
  /** RoPE frequency remapping (Llama 3.x's "llama3", "linear", "yarn"; a GGUF file's factors); null = plain RoPE. */
  readonly ropeScaling: RopeScaling | null;
}

/** Architecture class → the model_type it implies (Llama and Mistral checkpoints mix the two freely). */
const ARCHITECTURES: Record<string, ModelType> = {
  LlamaForCausalLM: "llama",
  MistralForCausalLM: "mistral",
  Qwen2ForCausalLM: "qwen2",
  Qwen3ForCausalLM: "qwen3",
  MixtralForCausalLM: "mixtral",
};
const MODEL_TYPES: readonly ModelType[] = ["llama", "mistral", "qwen2", "qwen3", "mixtral"];

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
  const modelType = c["model_type"] as ModelType;
  if (!MODEL_TYPES.includes(modelType)) {
    const supported = MODEL_TYPES.map((t) => `"${t}"`).join(", ");
    fail("model_type", modelType === undefined ? `missing (is this a model's config.json?); expected one of ${supported}` : `unsupported model type ${JSON.stringify(modelType)}; supported: ${supported}`);
  }
  const archs = c["architectures"];
  if (archs !== undefined && archs !== null) {
    if (!Array.isArray(archs) || archs.length === 0) fail("architectures", `expected a non-empty array, got ${describe(archs)}`);
    for (const a of archs as unknown[]) {
      if (typeof a !== "string" || !(a in ARCHITECTURES)) {
        fail("architectures", `unsupported architecture ${JSON.stringify(a)}; supported: ${Object.keys(ARCHITECTURES).join(", ")}`);
      }
      // Qwen and Mixtral change the math: the class and model_type must agree on which one this is.
      const implied = ARCHITECTURES[a as string]!;
      const llamaLike = (t: ModelType) => t === "llama" || t === "mistral";
      if (implied !== modelType && !(llamaLike(implied) && llamaLike(modelType))) {
        fail("architectures", `${JSON.stringify(a)} is a ${implied} model but model_type is ${JSON.stringify(modelType)}`);
      }
    }
  }

  // Features that change the math and that we do not implement.
  if (c["mlp_bias"] === true) fail("mlp_bias", "MLP biases are not supported (got true; expected false)");
  const partial = c["partial_rotary_factor"];
  if (partial !== undefined && partial !== null && partial !== 1) {
    fail("partial_rotary_factor", `only full rotary embeddings are supported (got ${describe(partial)}; expected 1)`);
  }
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
  const positive = (field: string, dflt?: number, value: unknown = c[field]): number => {
    const v = value ?? dflt;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      fail(field, v === undefined ? "missing (expected a positive number)" : `expected a positive number, got ${describe(v)}`);
    }
    return v as number;
  };

  // An absent field takes the family's transformers default (family-defaults.ts).
  const defaults = FAMILY_DEFAULTS[modelType];
  const absent = (field: string) => (c[field] === undefined ? ` (${modelType}'s default: the field is absent)` : "");
  const vocabSize = int("vocab_size");
  const hiddenSize = int("hidden_size");
  const intermediateSize = int("intermediate_size");
  const numLayers = int("num_hidden_layers");
  const numHeads = int("num_attention_heads");
  const numKvHeads = int("num_key_value_heads", defaults.numKvHeads ?? numHeads);
  if (numHeads % numKvHeads !== 0) {
    fail("num_key_value_heads", `must divide num_attention_heads (${numHeads}), got ${numKvHeads}${absent("num_key_value_heads")}`);
  }
  // Qwen3's head_dim is independent of hidden/heads (transformers' default for it is 128).
  const headDimAbsent = c["head_dim"] === undefined || c["head_dim"] === null;
  if (headDimAbsent && defaults.headDim === null && hiddenSize % numHeads !== 0) {
    fail("hidden_size", `must be divisible by num_attention_heads (${numHeads}) when head_dim is absent, got ${hiddenSize}`);
  }
  const headDim = headDimAbsent ? (defaults.headDim ?? hiddenSize / numHeads) : int("head_dim");
  if (headDim % 2 !== 0) fail("head_dim", `must be even for rotary embeddings, got ${headDim}`);
  const rmsNormEps = positive("rms_norm_eps", defaults.rmsNormEps);
  // Newer transformers write rope_theta and the scaling together as rope_parameters.
  const ropeParams = c["rope_parameters"];
  const hasRopeParams = ropeParams !== undefined && ropeParams !== null;
  if (hasRopeParams && (typeof ropeParams !== "object" || Array.isArray(ropeParams))) fail("rope_parameters", `expected an object, got ${describe(ropeParams)}`);
  const ropeTheta = hasRopeParams && (ropeParams as Json)["rope_theta"] !== undefined
    ? positive("rope_parameters.rope_theta", undefined, (ropeParams as Json)["rope_theta"])
    : positive("rope_theta", defaults.ropeTheta);
  const maxSeqLen = int("max_position_embeddings");
  const ropeScaling = hasRopeParams
    ? parseRopeScaling(ropeParams, "rope_parameters", file, maxSeqLen)
    : parseRopeScaling(c["rope_scaling"], "rope_scaling", file, maxSeqLen);
  const tie = c["tie_word_embeddings"] ?? false;
  if (typeof tie !== "boolean") fail("tie_word_embeddings", `expected a boolean, got ${describe(tie)}`);

  const features = parseFamilyFeatures(c, modelType, numLayers, file);

  const bos = c["bos_token_id"];
  if (bos !== undefined && bos !== null && !isTokenId(bos)) fail("bos_token_id", `expected a token id, got ${describe(bos)}`);

  const dtype = c["torch_dtype"] ?? c["dtype"];
  return {
    modelType,
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
    ropeScaling,
    ...features,
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

function isTokenId(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

export function describe(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
