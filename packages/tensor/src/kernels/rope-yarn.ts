import { ShapeError } from "../errors.js";
import { defaultRopeFrequencies, type RopeFrequencyFn } from "./rope.js";

/**
 * YaRN (rope_scaling {"rope_type": "yarn", …}), as transformers' `_compute_yarn_parameters`
 * computes it (v4.5x: `truncate`, `mscale`/`mscale_all_dim`; the same as ggml's rope_yarn with
 * ext_factor 1). For pair i (i < d/2) with plain inv_freq_i = θ^(−2i/d):
 *
 *   corr(r)   = d · ln(L / (2π r)) / (2 ln θ)          the pair that turns r times over L positions
 *   low, high = floor(corr(beta_fast)), ceil(corr(beta_slow)), clamped to [0, d − 1]
 *               (no floor/ceil when truncate is false)
 *   ramp_i    = clamp((i − low) / (high − low), 0, 1)   (high − low is 0.001 when they are equal)
 *   inv_i     = inv_freq_i / factor · ramp_i + inv_freq_i · (1 − ramp_i)
 *
 * so the fast pairs (many turns within the original context L) are kept, the slow ones
 * interpolated by `factor`, and the RoPE table's cos/sin are multiplied by yarnAttentionFactor.
 */
export interface YarnRopeScaling {
  factor: number;
  /** original_max_position_embeddings: L above. */
  originalMaxPositionEmbeddings: number;
  /** Turns over L above which a pair is kept (default 32). */
  betaFast: number;
  /** Turns over L below which a pair is interpolated (default 1). */
  betaSlow: number;
  /** floor/ceil the correction range (transformers' default true; gpt-oss sets false). */
  truncate: boolean;
}

const f32 = Math.fround;

function check(s: YarnRopeScaling): void {
  for (const [name, v] of [["factor", s.factor], ["originalMaxPositionEmbeddings", s.originalMaxPositionEmbeddings], ["betaFast", s.betaFast], ["betaSlow", s.betaSlow]] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new ShapeError(`rope: yarn scaling ${name} must be a positive number, got ${v}`);
  }
}

/** The correction range [low, high] of pairs (transformers' find_correction_range; ggml_rope_yarn_corr_dims). */
export function yarnCorrectionRange(theta: number, s: YarnRopeScaling, headDim: number): [number, number] {
  check(s);
  const corr = (turns: number) => (headDim * Math.log(s.originalMaxPositionEmbeddings / (turns * 2 * Math.PI))) / (2 * Math.log(theta));
  let low = corr(s.betaFast);
  let high = corr(s.betaSlow);
  if (s.truncate) {
    low = Math.floor(low);
    high = Math.ceil(high);
  }
  return [Math.max(low, 0), Math.min(high, headDim - 1)];
}

/**
 * inv_freq of YaRN, in float32 step by step as torch computes it: pos_freqs = θ^(2i/d),
 * extrapolation 1/pos_freqs, interpolation 1/(factor·pos_freqs), the ramp over arange(d/2) with
 * python-float low/high as float32 scalars, then interp·(1 − e) + extrap·e with e = 1 − ramp.
 */
export function yarnRopeFrequencies(theta: number, s: YarnRopeScaling): RopeFrequencyFn {
  check(s);
  if (!(theta > 1) || !Number.isFinite(theta)) throw new ShapeError(`rope: yarn scaling needs theta > 1, got ${theta}`);
  const base = defaultRopeFrequencies(theta);
  return (headDim) => {
    const [low, high0] = yarnCorrectionRange(theta, s, headDim);
    const high = low === high0 ? high0 + 0.001 : high0;
    return base(headDim).map((extrapolation, i) => {
      const posFreq = f32(Math.pow(f32(theta), f32((2 * i) / headDim)));
      const interpolation = f32(1 / f32(f32(s.factor) * posFreq));
      const ramp = Math.min(1, Math.max(0, f32(f32(i - f32(low)) / f32(high - low))));
      const keep = f32(1 - ramp); // inv_freq_extrapolation_factor
      return f32(f32(interpolation * f32(1 - keep)) + f32(extrapolation * keep));
    });
  };
}

/** YaRN's mscale 0.1·m·ln(scale) + 1 (1 for scale ≤ 1): transformers' get_mscale. */
export function yarnMscale(scale: number, m = 1): number {
  return scale <= 1 ? 1 : 0.1 * m * Math.log(scale) + 1;
}

/**
 * The factor on cos and sin (transformers' attention_factor): the config's attention_factor when
 * given; else mscale(factor, mscale) / mscale(factor, mscale_all_dim) when both are set and
 * non-zero (DeepSeek style); else mscale(factor) = 0.1·ln(factor) + 1.
 */
export function yarnAttentionFactor(factor: number, o: { attentionFactor?: number | null; mscale?: number | null; mscaleAllDim?: number | null } = {}): number {
  if (o.attentionFactor !== undefined && o.attentionFactor !== null) return o.attentionFactor;
  if (o.mscale && o.mscaleAllDim) return yarnMscale(factor, o.mscale) / yarnMscale(factor, o.mscaleAllDim);
  return yarnMscale(factor);
}
