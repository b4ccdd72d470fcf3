"""A float64 forward of LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM and
MixtralForCausalLM over one sequence, following transformers' modeling code (eager attention):
written from HF's semantics, not from mini's code, so the two can disagree.

  x = embed_tokens[ids]
  per layer:  x += o_proj(attn(input_layernorm(x)));  x += mlp(post_attention_layernorm(x))
  logits = lm_head(norm(x))   (lm_head = embed_tokens when tie_word_embeddings)

Weights: a dict of HF tensor names -> float64 tensors ([out, in] for projections).
"""
import torch

from hf_rope import rope_cos_sin


# What each config class takes for a field config.json leaves out (transformers' LlamaConfig, MistralConfig,
# MixtralConfig, Qwen2Config, Qwen3Config); num_key_value_heads None = num_attention_heads.
FAMILY_DEFAULTS = {
    "llama": {"rms_norm_eps": 1e-6, "rope_theta": 10000.0, "num_key_value_heads": None},
    "mistral": {"rms_norm_eps": 1e-6, "rope_theta": 10000.0, "num_key_value_heads": 8, "sliding_window": 4096},
    "mixtral": {"rms_norm_eps": 1e-5, "rope_theta": 1e6, "num_key_value_heads": 8, "sliding_window": None, "num_local_experts": 8, "num_experts_per_tok": 2},
    "qwen2": {"rms_norm_eps": 1e-6, "rope_theta": 10000.0, "num_key_value_heads": 32, "sliding_window": 4096, "use_sliding_window": False, "max_window_layers": 28},
    "qwen3": {"rms_norm_eps": 1e-6, "rope_theta": 10000.0, "num_key_value_heads": 32, "sliding_window": 4096, "use_sliding_window": False, "max_window_layers": 28, "head_dim": 128},
}


def resolved(config):
    """config.json with the family's defaults filled in where a field is absent, as the config class reads it."""
    c = dict(config)
    for key, value in FAMILY_DEFAULTS[c["model_type"]].items():
        if key not in c:
            c[key] = value
    if c.get("num_key_value_heads") is None:
        c["num_key_value_heads"] = c["num_attention_heads"]
    if "rope_parameters" in c and "rope_theta" in c["rope_parameters"]:
        c["rope_theta"] = c["rope_parameters"]["rope_theta"]
    return c


def head_dim_of(config):
    return config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]


def rms_norm(x, weight, eps):
    # HF LlamaRMSNorm: x * rsqrt(mean(x^2) + eps), then * weight (over the last dim)
    return weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def linear(weights, name, x):
    y = x @ weights[name + ".weight"].T
    bias = weights.get(name + ".bias")
    return y if bias is None else y + bias


def layer_windows(config):
    """The sliding window of each layer (None = full causal attention), as each family's config decides."""
    n = config["num_hidden_layers"]
    kind = config["model_type"]
    if kind in ("mistral", "mixtral"):
        return [config.get("sliding_window")] * n
    if kind in ("qwen2", "qwen3"):
        window = config.get("sliding_window") if config.get("use_sliding_window") else None
        types = config.get("layer_types")
        if types is None:
            first = config.get("max_window_layers", 28)
            types = ["sliding_attention" if window is not None and i >= first else "full_attention" for i in range(n)]
        return [window if t == "sliding_attention" else None for t in types]
    return [None] * n


def attention(config, weights, prefix, h, cos, sin, window):
    seq = h.shape[0]
    n_heads, n_kv, head_dim = config["num_attention_heads"], config["num_key_value_heads"], head_dim_of(config)
    q = linear(weights, prefix + "q_proj", h).view(seq, n_heads, head_dim)  # [seq, nHeads, headDim]
    k = linear(weights, prefix + "k_proj", h).view(seq, n_kv, head_dim)  # [seq, nKv, headDim]
    v = linear(weights, prefix + "v_proj", h).view(seq, n_kv, head_dim)
    if config["model_type"] == "qwen3":  # Qwen3: RMSNorm over each head's q and k, before RoPE
        eps = config["rms_norm_eps"]
        q = rms_norm(q, weights[prefix + "q_norm.weight"], eps)
        k = rms_norm(k, weights[prefix + "k_norm.weight"], eps)
    q = q * cos[:, None, :] + rotate_half(q) * sin[:, None, :]
    k = k * cos[:, None, :] + rotate_half(k) * sin[:, None, :]
    group = n_heads // n_kv  # repeat_kv: query head h reads kv head h // group
    k = k.repeat_interleave(group, dim=1)
    v = v.repeat_interleave(group, dim=1)
    scores = torch.einsum("qhd,khd->hqk", q, k) * head_dim**-0.5  # [nHeads, seq, seq]
    i = torch.arange(seq)[:, None]
    j = torch.arange(seq)[None, :]
    allowed = j <= i
    if window is not None:  # masking_utils.sliding_window_overlay: kv_idx > q_idx - sliding_window
        allowed = allowed & (j > i - window)
    scores = scores.masked_fill(~allowed, float("-inf"))
    probs = torch.softmax(scores, dim=-1)
    out = torch.einsum("hqk,khd->qhd", probs, v).reshape(seq, n_heads * head_dim)
    return linear(weights, prefix + "o_proj", out)


def dense_mlp(weights, prefix, h):
    gate = linear(weights, prefix + "gate_proj", h)
    return linear(weights, prefix + "down_proj", torch.nn.functional.silu(gate) * linear(weights, prefix + "up_proj", h))


def mixtral_moe(config, weights, prefix, h, on_router=None):
    """MixtralSparseMoeBlock: softmax over all experts' router logits, top-k, weights renormalised to sum 1."""
    router = linear(weights, prefix + "gate", h)  # [seq, nExperts]
    probs = torch.softmax(router, dim=-1)
    if on_router is not None:
        on_router(probs)
    top_w, top_i = torch.topk(probs, config["num_experts_per_tok"], dim=-1)
    top_w = top_w / top_w.sum(dim=-1, keepdim=True)
    out = torch.zeros_like(h)
    for t in range(h.shape[0]):
        for w, e in zip(top_w[t].tolist(), top_i[t].tolist()):
            expert = f"{prefix}experts.{e}."
            x = h[t : t + 1]
            y = linear(weights, expert + "w2", torch.nn.functional.silu(linear(weights, expert + "w1", x)) * linear(weights, expert + "w3", x))
            out[t] += w * y[0]
    return out


def forward(config, weights, ids, on_router=None):
    """Logits [len(ids), vocab] in float64 for the token ids at positions 0 .. len(ids) - 1
    (on_router, if given, sees each MoE layer's routing probabilities [seq, nExperts])."""
    config = resolved(config)
    eps = config["rms_norm_eps"]
    cos, sin = rope_cos_sin(config, head_dim_of(config), list(range(len(ids))))
    x = weights["model.embed_tokens.weight"][torch.tensor(ids)]
    for layer, window in enumerate(layer_windows(config)):
        p = f"model.layers.{layer}."
        h = rms_norm(x, weights[p + "input_layernorm.weight"], eps)
        x = x + attention(config, weights, p + "self_attn.", h, cos, sin, window)
        h = rms_norm(x, weights[p + "post_attention_layernorm.weight"], eps)
        if config["model_type"] == "mixtral":
            x = x + mixtral_moe(config, weights, p + "block_sparse_moe.", h, on_router)
        else:
            x = x + dense_mlp(weights, p + "mlp.", h)
    x = rms_norm(x, weights["model.norm.weight"], eps)
    head = weights["model.embed_tokens.weight"] if config.get("tie_word_embeddings") else weights["lm_head.weight"]
    return x @ head.T


def greedy(config, weights, prompt, steps):
    """Greedy continuation by full recompute: (tokens, margins between the best two logits at each step)."""
    ids = list(prompt)
    margins = []
    for _ in range(steps):
        last = forward(config, weights, ids)[-1]
        top = torch.topk(last, 2)
        margins.append(float(top.values[0] - top.values[1]))
        ids.append(int(top.indices[0]))
    return ids[len(prompt) :], margins
