/**
 * RoPE frequencies of a config: plain RoPE, or a `rope_scaling` (config.json; `rope_parameters` in
 * newer transformers) of type "llama3", "linear" or "yarn", each as transformers computes it
 * (modeling_rope_utils.py). The arithmetic lives in @mini/tensor (rope.ts, rope-yarn.ts); this file
 * reads the config and says which frequency function and cos/sin factor the model's RopeTable takes.
 *
 * llama3 (Llama 3.1/3.2, `_compute_llama3_parameters`): with wavelength λ_i = 2π / inv_freq_i,
 * L = original_max_position_embeddings, lo = L / low_freq_factor, hi = L / high_freq_factor:
 *   λ_i < hi          inv_freq_i                                   (high frequency: kept)
 *   λ_i > lo          inv_freq_i / factor                          (low frequency: scaled)
 *   otherwise         (1 − s)·inv_freq_i / factor + s·inv_freq_i,  s = (L/λ_i − low_freq_factor)
 *                                                                      / (high_freq_factor − low_freq_factor)
 * linear (position interpolation, `_compute_linear_scaling_rope_parameters`): inv_freq_i / factor.
 * yarn (`_compute_yarn_parameters`): a ramp between the two by pair index (rope-yarn.ts), and cos,
 * sin multiplied by the attention factor. llama3 and linear leave the attention scale at 1.
 */
import {
  defaultRopeFrequencies, factorRopeFrequencies, linearRopeFrequencies, llama3RopeFrequencies, yarnAttentionFactor, yarnRopeFrequencies,
  type Llama3RopeScaling as Llama3Parameters, type RopeFrequencyFn, type YarnRopeScaling as YarnParameters,
} from "@mini/tensor";
import { ModelLoadError } from "../../loaders/errors.js";

/** `rope_scaling` with rope_type "llama3" (the parameters of @mini/tensor's llama3RopeFrequencies). */
export interface Llama3RopeScaling extends Readonly<Llama3Parameters> {
  readonly type: "llama3";
}

/** `rope_scaling` with rope_type "linear": every frequency divided by factor. */
export interface LinearRopeScaling {
  readonly type: "linear";
  readonly factor: number;
}

/** `rope_scaling` with rope_type "yarn", its attention factor resolved (attention_factor, mscale/mscale_all_dim or 0.1·ln(factor) + 1). */
export interface YarnRopeScaling extends Readonly<YarnParameters> {
  readonly type: "yarn";
  /** Multiplies cos and sin (transformers' attention_scaling). */
  readonly attentionFactor: number;
}

/**
 * llama.cpp's per-pair frequency factors (a GGUF file's `rope_freqs.weight`, [headDim/2]): how a
 * GGUF file carries llama3 scaling, whose parameters it does not keep. inv_freq_i / factors[i].
 */
export interface RopeFactorsScaling {
  readonly type: "factors";
  readonly factors: Float32Array;
}

export type RopeScaling = Llama3RopeScaling | LinearRopeScaling | YarnRopeScaling | RopeFactorsScaling;

/**
 * The RoPE frequency function a config calls for (inv_freq per pair, transformers' rope_init_fn),
 * from @mini/tensor, the one home of RoPE: the model builds its RopeTable from it and ropeAttentionFactor.
 */
export function ropeFrequencies(c: { ropeTheta: number; ropeScaling: RopeScaling | null }): RopeFrequencyFn {
  const s = c.ropeScaling;
  if (s === null) return defaultRopeFrequencies(c.ropeTheta);
  switch (s.type) {
    case "factors":
      return factorRopeFrequencies(c.ropeTheta, s.factors);
    case "linear":
      return linearRopeFrequencies(c.ropeTheta, s.factor);
    case "yarn":
      return yarnRopeFrequencies(c.ropeTheta, s);
    default:
      return llama3RopeFrequencies(c.ropeTheta, s);
  }
}

/** The factor on the RoPE table's cos and sin (transformers' attention_scaling): YaRN's, else 1. */
export function ropeAttentionFactor(c: { ropeScaling: RopeScaling | null }): number {
  return c.ropeScaling?.type === "yarn" ? c.ropeScaling.attentionFactor : 1;
}

/** The keys each implemented kind reads (besides rope_type/type; rope_parameters also carries rope_theta). */
const KEYS: Record<string, readonly string[]> = {
  linear: ["factor"],
  yarn: ["factor", "original_max_position_embeddings", "beta_fast", "beta_slow", "attention_factor", "mscale", "mscale_all_dim", "truncate"],
};

/**
 * Reads `rope_scaling` (or the `rope_parameters` of newer transformers, which also carries
 * rope_theta): null for plain RoPE, the llama3 / linear / yarn parameters, or a ModelLoadError
 * naming the field for any other kind (dynamic, longrope, … change the math in ways not
 * implemented here) and for a linear or yarn option this implementation does not read.
 * `maxPositionEmbeddings` is yarn's original context when the config does not give one, and over that the
 * factor when it is absent (as in transformers v5).
 */
export function parseRopeScaling(v: unknown, field: string, file: string, maxPositionEmbeddings?: number): Llama3RopeScaling | LinearRopeScaling | YarnRopeScaling | null {
  if (v === undefined || v === null) return null;
  const fail = (reason: string): never => {
    throw new ModelLoadError(file, `field "${field}"`, reason);
  };
  if (typeof v !== "object" || Array.isArray(v)) fail(`expected an object or null, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const type = o["rope_type"] ?? o["type"] ?? "default";
  if (type === "default") return null;
  if (type !== "llama3" && type !== "linear" && type !== "yarn") {
    fail(`rope_type ${JSON.stringify(type)} is not supported; supported: "default", "llama3", "linear", "yarn"`);
  }
  const kind = type as string;
  const num = (key: string, integer = false): number => {
    const x = o[key];
    if (typeof x !== "number" || !Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x))) {
      fail(`${kind} scaling needs "${key}" as a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(x ?? null)}`);
    }
    return x as number;
  };
  // An optional number: absent/null → undefined (transformers' `.get(key) or default` also treats 0 as absent for betas and mscales).
  const opt = (key: string, integer = false): number | undefined => (o[key] === undefined || o[key] === null ? undefined : num(key, integer));
  if (kind === "llama3") return parseLlama3(num, fail);
  for (const key of Object.keys(o)) {
    if (key !== "rope_type" && key !== "type" && key !== "rope_theta" && !KEYS[kind]!.includes(key)) {
      fail(`${kind} scaling option "${key}" (${JSON.stringify(o[key])}) is not supported; read: ${KEYS[kind]!.join(", ")}`);
    }
  }
  if (kind === "linear") return { type: "linear", factor: num("factor") };
  const original = opt("original_max_position_embeddings", true) ?? maxPositionEmbeddings;
  if (original === undefined) fail(`yarn scaling needs "original_max_position_embeddings" (or max_position_embeddings in the config)`);
  // transformers v5: no factor → max_position_embeddings / original_max_position_embeddings (DeepSeek-V3 style).
  const derived = o["factor"] === undefined || o["factor"] === null ? (maxPositionEmbeddings ?? 0) / (original as number) : undefined;
  if (derived !== undefined && !(derived > 0)) fail(`yarn scaling needs "factor" as a positive number, got null`);
  const factor = derived ?? num("factor");
  const truncate = o["truncate"] ?? true;
  if (typeof truncate !== "boolean") fail(`yarn scaling needs "truncate" as a boolean, got ${JSON.stringify(truncate)}`);
  const zeroIsAbsent = (key: string) => (o[key] === 0 ? undefined : opt(key));
  const betaFast = zeroIsAbsent("beta_fast") ?? 32;
  const betaSlow = zeroIsAbsent("beta_slow") ?? 1;
  const attentionFactor = yarnAttentionFactor(factor, { attentionFactor: opt("attention_factor"), mscale: zeroIsAbsent("mscale"), mscaleAllDim: zeroIsAbsent("mscale_all_dim") });
  return { type: "yarn", factor, originalMaxPositionEmbeddings: original as number, betaFast, betaSlow, truncate: truncate as boolean, attentionFactor };
}

function parseLlama3(num: (key: string, integer?: boolean) => number, fail: (reason: string) => never): Llama3RopeScaling {
  const factor = num("factor");
  const lowFreqFactor = num("low_freq_factor");
  const highFreqFactor = num("high_freq_factor");
  const originalMaxPositionEmbeddings = num("original_max_position_embeddings", true);
  if (highFreqFactor <= lowFreqFactor) {
    fail(`llama3 scaling needs high_freq_factor > low_freq_factor, got ${highFreqFactor} ≤ ${lowFreqFactor}`);
  }
  return { type: "llama3", factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings };
}
