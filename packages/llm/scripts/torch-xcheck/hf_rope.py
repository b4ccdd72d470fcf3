"""RoPE inverse frequencies and cos/sin factor of a config.json, as transformers' modeling_rope_utils
computes them (rope_init_fn per rope_type), written from those semantics, in float64.

Returns (inv_freq [head_dim/2], attention_scaling). "dynamic" and other kinds raise: mini refuses them.
"""
import math

import torch


def rope_parameters(config):
    """(rope_theta, scaling dict or None) from either format: rope_theta + rope_scaling (transformers 4.x)
    or rope_parameters (transformers 5, which also carries rope_theta)."""
    params = config.get("rope_parameters")
    if params is not None:
        theta = params.get("rope_theta", config.get("rope_theta", 10000.0))
        kind = params.get("rope_type", params.get("type", "default"))
        return theta, (None if kind == "default" else params)
    scaling = config.get("rope_scaling")
    if scaling is not None and scaling.get("rope_type", scaling.get("type", "default")) == "default":
        scaling = None
    return config.get("rope_theta", 10000.0), scaling


def default_inv_freq(theta, dim):
    # 1 / theta^(2i/dim), i = 0 .. dim/2 - 1
    return 1.0 / (theta ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))


def llama3_inv_freq(theta, dim, s):
    inv_freq = default_inv_freq(theta, dim)
    factor, low, high = s["factor"], s["low_freq_factor"], s["high_freq_factor"]
    old_context = s["original_max_position_embeddings"]
    low_freq_wavelen = old_context / low
    high_freq_wavelen = old_context / high
    wavelen = 2 * math.pi / inv_freq
    scaled = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth = (old_context / wavelen - low) / (high - low)
    smoothed = (1 - smooth) * scaled / factor + smooth * scaled
    medium = ~(wavelen < high_freq_wavelen) & ~(wavelen > low_freq_wavelen)
    return torch.where(medium, smoothed, scaled)


def yarn_mscale(scale, mscale=1.0):
    return 1.0 if scale <= 1 else 0.1 * mscale * math.log(scale) + 1.0


def yarn_inv_freq(theta, dim, s, max_position_embeddings):
    """transformers 5's _compute_yarn_parameters: factor from the config (when absent, the ratio of
    max_position_embeddings to original_max_position_embeddings); the ramp over pair indices between
    the correction dims of beta_fast and beta_slow rotations in the original context."""
    original = s.get("original_max_position_embeddings") or max_position_embeddings
    factor = s.get("factor")
    if factor is None:
        factor = max_position_embeddings / original
    attention_factor = s.get("attention_factor")
    mscale, mscale_all_dim = s.get("mscale"), s.get("mscale_all_dim")
    if attention_factor is None:
        if mscale and mscale_all_dim:
            attention_factor = yarn_mscale(factor, mscale) / yarn_mscale(factor, mscale_all_dim)
        else:
            attention_factor = yarn_mscale(factor)
    beta_fast = s.get("beta_fast") or 32
    beta_slow = s.get("beta_slow") or 1

    def correction_dim(rotations):
        return (dim * math.log(original / (rotations * 2 * math.pi))) / (2 * math.log(theta))

    low, high = correction_dim(beta_fast), correction_dim(beta_slow)
    if s.get("truncate", True):
        low, high = math.floor(low), math.ceil(high)
    low, high = max(low, 0), min(high, dim - 1)
    if low == high:
        high += 0.001
    ramp = ((torch.arange(dim // 2, dtype=torch.float64) - low) / (high - low)).clamp(0, 1)
    extrapolation_weight = 1 - ramp
    pos_freqs = theta ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    extrapolation = 1.0 / pos_freqs
    interpolation = 1.0 / (factor * pos_freqs)
    return interpolation * (1 - extrapolation_weight) + extrapolation * extrapolation_weight, attention_factor


def rope_inv_freq(config, head_dim):
    theta, s = rope_parameters(config)
    if s is None:
        return default_inv_freq(theta, head_dim), 1.0
    kind = s.get("rope_type", s.get("type"))
    if kind == "linear":
        return default_inv_freq(theta, head_dim) / s["factor"], 1.0
    if kind == "llama3":
        return llama3_inv_freq(theta, head_dim, s), 1.0
    if kind == "yarn":
        return yarn_inv_freq(theta, head_dim, s, config["max_position_embeddings"])
    raise ValueError(f"rope_type {kind!r}: not implemented in this reference")


def rope_cos_sin(config, head_dim, positions):
    """cos, sin: [len(positions), head_dim] (each frequency twice: cat(freqs, freqs)), times attention_scaling."""
    inv_freq, scaling = rope_inv_freq(config, head_dim)
    freqs = torch.outer(torch.tensor(positions, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos() * scaling, emb.sin() * scaling
