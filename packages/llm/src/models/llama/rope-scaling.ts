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
 * The attention scale is unchanged (transformers' attention_factor is 1 for llama3).
 */
import { ModelLoadError } from "../../loaders/errors.js";

/** `rope_scaling` with rope_type "llama3". */
export interface Llama3RopeScaling {
  readonly type: "llama3";
  readonly factor: number;
  readonly lowFreqFactor: number;
  readonly highFreqFactor: number;
  /** original_max_position_embeddings: the context length the model was pre-trained at. */
  readonly originalMaxPositionEmbeddings: number;
}

export type RopeScaling = Llama3RopeScaling;

/** inv_freq_i = 1 / θ^(2i/headDim) for i < headDim/2, as float32 values (transformers computes them in float32). */
export function defaultInverseFrequencies(headDim: number, theta: number): Float64Array {
  const f = Math.fround;
  const inv = new Float64Array(headDim / 2);
  for (let i = 0; i < inv.length; i++) inv[i] = f(1 / f(Math.pow(f(theta), f((2 * i) / headDim))));
  return inv;
}

/** The llama3 remapping of `invFreq` (see the file comment), each value rounded to float32. */
export function llama3InverseFrequencies(invFreq: ArrayLike<number>, s: Llama3RopeScaling): Float64Array {
  const lowWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  const out = new Float64Array(invFreq.length);
  for (let i = 0; i < invFreq.length; i++) {
    const inv = invFreq[i]!;
    const wavelen = (2 * Math.PI) / inv;
    let v: number;
    if (wavelen < highWavelen) v = inv;
    else if (wavelen > lowWavelen) v = inv / s.factor;
    else {
      const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
      v = (1 - smooth) * (inv / s.factor) + smooth * inv;
    }
    out[i] = Math.fround(v);
  }
  return out;
}

/** The inverse frequencies a config's attention uses: [headDim / 2]. */
export function ropeInverseFrequencies(headDim: number, theta: number, scaling: RopeScaling | null): Float64Array {
  const inv = defaultInverseFrequencies(headDim, theta);
  return scaling === null ? inv : llama3InverseFrequencies(inv, scaling);
}

/**
 * Reads `rope_scaling` (or the `rope_parameters` of newer transformers, which also carries
 * rope_theta): null for plain RoPE, the llama3 parameters, or a ModelLoadError naming the field for
 * any other kind (linear, dynamic, yarn, longrope change the math in ways not implemented here).
 */
export function parseRopeScaling(v: unknown, field: string, file: string): RopeScaling | null {
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
