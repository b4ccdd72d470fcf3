/**
 * Where the Llama-family models differ, read from config.json as transformers reads it:
 *
 *   family    q/k/v bias        o bias           q/k norm   sliding window                      MLP
 *   llama     attention_bias    attention_bias   —          — (the field is ignored, as in HF)  dense
 *   mistral   —                 —                —          sliding_window (absent: 4096), every layer   dense
 *   qwen2     always            —                —          use_sliding_window: layers ≥ max_window_layers (or layer_types)   dense
 *   qwen3     attention_bias    attention_bias   per head   as qwen2                            dense
 *   mixtral   —                 —                —          sliding_window, every layer         routed: num_local_experts, top num_experts_per_tok
 */
import { ModelLoadError } from "../../loaders/errors.js";
import type { ModelType } from "./config.js";
import { FAMILY_DEFAULTS } from "./family-defaults.js";

export interface MoeConfig {
  /** num_local_experts. */
  readonly numExperts: number;
  /** num_experts_per_tok: experts each token is sent to. */
  readonly topK: number;
}

export interface FamilyFeatures {
  /** q_proj, k_proj and v_proj carry biases. */
  readonly qkvBias: boolean;
  /** o_proj carries a bias. */
  readonly oBias: boolean;
  /** RMSNorm (weights [headDim], self_attn.q_norm / k_norm) of each head's q and k, before RoPE. */
  readonly qkNorm: boolean;
  /**
   * A query at position p of a sliding layer attends to keys in (p − slidingWindow, p], i.e.
   * `slidingWindow` keys counting its own; null = full causal attention everywhere. This is
   * transformers' current definition (masking_utils: kv_idx > q_idx − window). Some earlier
   * transformers versions (the `_make_causal_mask` with `diagonal = past − window − 1`) keep
   * window + 1 keys ([p − window, p]); the two differ only once a context exceeds the window.
   */
  readonly slidingWindow: number | null;
  /** Per layer: true when the layer uses slidingWindow (Qwen's first max_window_layers do not). */
  readonly slidingLayers: readonly boolean[];
  /** The routed MLP of Mixtral; null = one dense SwiGLU MLP per layer. */
  readonly moe: MoeConfig | null;
}

/** The sliding window of layer l's attention, or null for full causal attention. */
export function layerWindow(c: Pick<FamilyFeatures, "slidingWindow" | "slidingLayers">, l: number): number | null {
  return c.slidingWindow !== null && c.slidingLayers[l] === true ? c.slidingWindow : null;
}

/** The window when every layer slides (Mistral, Mixtral), else null (some layer attends to everything). */
export function windowOfEveryLayer(c: Pick<FamilyFeatures, "slidingWindow" | "slidingLayers">): number | null {
  return c.slidingLayers.every((s) => s) ? c.slidingWindow : null;
}

type Json = Record<string, unknown>;

export function parseFamilyFeatures(c: Json, modelType: ModelType, numLayers: number, file: string): FamilyFeatures {
  const fail = (field: string, reason: string): never => {
    throw new ModelLoadError(file, `field "${field}"`, reason);
  };
  const bool = (field: string, dflt: boolean): boolean => {
    const v = c[field] ?? dflt;
    if (typeof v !== "boolean") fail(field, `expected a boolean, got ${JSON.stringify(v)}`);
    return v as boolean;
  };
  const int = (field: string, dflt: number | null, min = 1): number | null => {
    const v = c[field] ?? dflt;
    if (v === null) return null;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min) fail(field, `expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const allLayers = (on: boolean): boolean[] => Array.from({ length: numLayers }, () => on);
  // sliding_window: absent → the family's default (Mistral 4096); an explicit null → no window, as in transformers.
  const window = (): number | null => (c["sliding_window"] === undefined ? FAMILY_DEFAULTS[modelType].slidingWindow : int("sliding_window", null));

  switch (modelType) {
    case "llama": {
      const bias = bool("attention_bias", false);
      return { qkvBias: bias, oBias: bias, qkNorm: false, slidingWindow: null, slidingLayers: allLayers(false), moe: null };
    }
    case "mistral":
    case "mixtral": {
      if (c["attention_bias"] === true) fail("attention_bias", `${modelType} has no attention biases (got true; expected false or absent)`);
      const moe = modelType === "mixtral" ? parseMoe(int, fail) : null;
      return { qkvBias: false, oBias: false, qkNorm: false, slidingWindow: window(), slidingLayers: allLayers(true), moe };
    }
    case "qwen2":
    case "qwen3": {
      if (c["use_mrope"] === true) fail("use_mrope", "multimodal RoPE (Qwen2-VL) is not supported (got true)");
      const bias = modelType === "qwen3" && bool("attention_bias", false);
      const slidingWindow = bool("use_sliding_window", false) ? window() : null;
      return {
        qkvBias: modelType === "qwen2" || bias,
        oBias: bias,
        qkNorm: modelType === "qwen3",
        slidingWindow,
        slidingLayers: qwenSlidingLayers(c, numLayers, int, fail),
        moe: null,
      };
    }
  }
}

/** layer_types when given, else layers ≥ max_window_layers slide (transformers' Qwen2Config). */
function qwenSlidingLayers(
  c: Json,
  numLayers: number,
  int: (field: string, dflt: number | null, min?: number) => number | null,
  fail: (field: string, reason: string) => never,
): boolean[] {
  const types = c["layer_types"];
  if (types !== undefined && types !== null) {
    if (!Array.isArray(types) || types.length !== numLayers) fail("layer_types", `expected an array of ${numLayers} entries (num_hidden_layers), got ${JSON.stringify(types)}`);
    return (types as unknown[]).map((t, i) => {
      if (t !== "full_attention" && t !== "sliding_attention") fail("layer_types", `entry ${i} must be "full_attention" or "sliding_attention", got ${JSON.stringify(t)}`);
      return t === "sliding_attention";
    });
  }
  const first = int("max_window_layers", 28, 0)!;
  return Array.from({ length: numLayers }, (_, i) => i >= first);
}

function parseMoe(int: (field: string, dflt: number | null) => number | null, fail: (field: string, reason: string) => never): MoeConfig {
  const numExperts = int("num_local_experts", 8)!;
  const topK = int("num_experts_per_tok", 2)!;
  if (topK > numExperts) fail("num_experts_per_tok", `must be at most num_local_experts (${numExperts}), got ${topK}`);
  return { numExperts, topK };
}
