/**
 * RoPE frequencies of a config: plain RoPE, or Llama 3.x's `rope_scaling` of type "llama3".
 *
 * Plain RoPE rotates pair i (i < headDim/2) by p·inv_freq_i, inv_freq_i = θ^(−2i/headDim).
 * Llama 3.1/3.2 keep the high frequencies, slow the low ones down by `factor`, and blend the band
 * between (transformers' `_compute_llama3_parameters`). With wavelength λ_i = 2π / inv_freq_i,
 * L = original_max_position_embeddings, lo = L / low_freq_factor, hi = L / high_freq_factor:
 *
 *   λ_i < hi          inv_freq_i                                   (high frequency: kept)
 *   λ_i > lo          inv_freq_i / factor                          (low frequency: scaled)
 *   otherwise         (1 − s)·inv_freq_i / factor + s·inv_freq_i,  s = (L/λ_i − low_freq_factor)
 *                                                                      / (high_freq_factor − low_freq_factor)
 *
 * The attention scale is unchanged (transformers' attention_factor is 1 for llama3). The arithmetic
 * lives in @mini/tensor (llama3RopeFrequencies); this file reads the config.
 */
import { defaultRopeFrequencies, factorRopeFrequencies, llama3RopeFrequencies, type Llama3RopeScaling as Llama3Parameters, type RopeFrequencyFn } from "@mini/tensor";
import { ModelLoadError } from "../../loaders/errors.js";

/** `rope_scaling` with rope_type "llama3" (the parameters of @mini/tensor's llama3RopeFrequencies). */
export interface Llama3RopeScaling extends Readonly<Llama3Parameters> {
  readonly type: "llama3";
}

/**
 * llama.cpp's per-pair frequency factors (a GGUF file's `rope_freqs.weight`, [headDim/2]): how a
 * GGUF file carries llama3 scaling, whose parameters it does not keep. inv_freq_i / factors[i].
 */
export interface RopeFactorsScaling {
  readonly type: "factors";
  readonly factors: Float32Array;
}

export type RopeScaling = Llama3RopeScaling | RopeFactorsScaling;

/**
 * The RoPE frequency function a config calls for (inv_freq per pair, transformers' rope_init_fn),
 * from @mini/tensor's rope.ts, the one home of RoPE: the model builds its RopeTable from it.
 */
export function ropeFrequencies(c: { ropeTheta: number; ropeScaling: RopeScaling | null }): RopeFrequencyFn {
  const s = c.ropeScaling;
  if (s === null) return defaultRopeFrequencies(c.ropeTheta);
  return s.type === "factors" ? factorRopeFrequencies(c.ropeTheta, s.factors) : llama3RopeFrequencies(c.ropeTheta, s);
}

/**
 * Reads `rope_scaling` (or the `rope_parameters` of newer transformers, which also carries
 * rope_theta): null for plain RoPE, the llama3 parameters, or a ModelLoadError naming the field for
 * any other kind (linear, dynamic, yarn, longrope change the math in ways not implemented here).
 */
export function parseRopeScaling(v: unknown, field: string, file: string): Llama3RopeScaling | null {
  if (v === undefined || v === null) return null;
  const fail = (reason: string): never => {
    throw new ModelLoadError(file, `field "${field}"`, reason);
  };
  if (typeof v !== "object" || Array.isArray(v)) fail(`expected an object or null, got ${JSON.stringify(v)}`);
  const o = v as Record<string, unknown>;
  const type = o["rope_type"] ?? o["type"] ?? "default";
  if (type === "default") return null;
  if (type !== "llama3") fail(`rope_type ${JSON.stringify(type)} is not supported; supported: "default", "llama3"`);
  const num = (key: string, integer = false): number => {
    const x = o[key];
    if (typeof x !== "number" || !Number.isFinite(x) || x <= 0 || (integer && !Number.isInteger(x))) {
      fail(`llama3 scaling needs "${key}" as a positive ${integer ? "integer" : "number"}, got ${JSON.stringify(x ?? null)}`);
    }
    return x as number;
  };
  const factor = num("factor");
  const lowFreqFactor = num("low_freq_factor");
  const highFreqFactor = num("high_freq_factor");
  const originalMaxPositionEmbeddings = num("original_max_position_embeddings", true);
  if (highFreqFactor <= lowFreqFactor) {
    fail(`llama3 scaling needs high_freq_factor > low_freq_factor, got ${highFreqFactor} ≤ ${lowFreqFactor}`);
  }
  return { type: "llama3", factor, lowFreqFactor, highFreqFactor, originalMaxPositionEmbeddings };
}
