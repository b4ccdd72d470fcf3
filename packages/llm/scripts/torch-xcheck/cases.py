"""The model configurations checked: each family with the features and edge choices a third party would
try, as the config.json a transformers save_pretrained writes (every field it writes, not only those
mini reads). `scale` 1 gives the tiny committed fixtures, 2 or more the larger dev check.
"""

VERSION_4 = "4.53.2"
VERSION_5 = "5.0.0"

ARCHITECTURES = {
    "llama": "LlamaForCausalLM",
    "mistral": "MistralForCausalLM",
    "qwen2": "Qwen2ForCausalLM",
    "qwen3": "Qwen3ForCausalLM",
    "mixtral": "MixtralForCausalLM",
}


def base_config(family, scale, vocab, **fields):
    """A config.json for `family`, with the family's own fields at their HF defaults, then `fields`."""
    c = {
        "architectures": [ARCHITECTURES[family]],
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "hidden_size": 32 * scale,
        "initializer_range": 0.02,
        "intermediate_size": 44 * scale + 3,  # odd on purpose
        "max_position_embeddings": 256,
        "model_type": family,
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "rms_norm_eps": 0.1,  # large on purpose: where ε sits in RMSNorm (inside the square root) shows in the logits
        "rope_scaling": None,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "transformers_version": VERSION_4,
        "use_cache": True,
        "vocab_size": vocab,
    }
    if family == "llama":
        c.update(attention_bias=False, head_dim=8 * scale, mlp_bias=False, pretraining_tp=1)
    if family in ("mistral", "mixtral"):
        c.update(head_dim=8 * scale, sliding_window=None)
    if family in ("qwen2", "qwen3"):
        c.update(max_window_layers=28, sliding_window=None, use_sliding_window=False)
    if family == "qwen3":
        c.update(attention_bias=False, head_dim=8 * scale)
    if family == "mixtral":
        c.update(num_experts_per_tok=2, num_local_experts=8, output_router_logits=False, router_aux_loss_coef=0.001, router_jitter_noise=0.0)
        c["intermediate_size"] = 20 * scale + 1
    c.update(fields)
    if family in ("qwen2", "qwen3") and "layer_types" not in fields:
        # What transformers derives and saves: sliding layers from max_window_layers on, when enabled.
        window = c["sliding_window"] if c["use_sliding_window"] else None
        c["layer_types"] = ["sliding_attention" if window is not None and i >= c["max_window_layers"] else "full_attention" for i in range(c["num_hidden_layers"])]
    return c


def cases(scale, vocab):
    """(name, config, options): options say how to store the weights (dtype, shards)."""
    s = scale
    llama3 = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 32}
    return [
        # As transformers before 4.45 saved Llama: no head_dim field (hidden / heads).
        ("llama-tied-gqa", without(base_config("llama", s, vocab, tie_word_embeddings=True, transformers_version="4.41.2"), "head_dim"), {}),
        # An odd hidden size with an explicit head_dim (4 heads × 12·s), one kv head, biases on q/k/v/o.
        ("llama-bias-kv1-headdim", base_config("llama", s, vocab, hidden_size=30 * s + 5, head_dim=12 * s, num_key_value_heads=1, attention_bias=True, rms_norm_eps=1e-5, rope_theta=500000.0), {}),
        # Llama 3.1's remapping with a 32-position original context, so every band (kept, smoothed, scaled) is used.
        ("llama-rope-llama3-bf16", base_config("llama", s, vocab, head_dim=16 * s, rope_scaling=llama3, torch_dtype="bfloat16"), {"dtype": "bfloat16"}),
        ("llama-rope-linear-f16", base_config("llama", s, vocab, rope_scaling={"type": "linear", "factor": 2.5}, torch_dtype="float16"), {"dtype": "float16"}),
        # factor = max_position_embeddings / original (transformers 4.4x–4.5x took that ratio over `factor`; 5 takes `factor`).
        ("llama-rope-yarn", base_config("llama", s, vocab, head_dim=16 * s, max_position_embeddings=128, rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32}), {}),
        # transformers 5's format: rope_parameters (with rope_theta) and dtype; DeepSeek-style mscales, no truncation.
        ("llama-rope-yarn-v5-mscale-bf16", yarn_v5(s, vocab), {"dtype": "bfloat16"}),
        ("mistral-window", base_config("mistral", s, vocab, sliding_window=5, num_hidden_layers=3, head_dim=12 * s), {}),
        ("mistral-sharded-tied", base_config("mistral", s, vocab, tie_word_embeddings=True, rope_theta=1e6), {"shards": 3}),
        ("qwen2-bias-tied", base_config("qwen2", s, vocab, tie_word_embeddings=True, num_key_value_heads=1), {}),
        # Layer 0 full, layers 1 and 2 with a 4-token window (max_window_layers = 1).
        ("qwen2-window-layers", base_config("qwen2", s, vocab, num_hidden_layers=3, use_sliding_window=True, sliding_window=4, max_window_layers=1), {}),
        ("qwen3-qknorm-headdim", base_config("qwen3", s, vocab, hidden_size=30 * s + 3, head_dim=16 * s, tie_word_embeddings=True), {}),
        # attention_bias true (q/k/v/o biases), a window on layers 0 and 2 only (layer_types as given), yarn, bf16.
        ("qwen3-bias-window-yarn-bf16", base_config("qwen3", s, vocab, num_hidden_layers=3, attention_bias=True, use_sliding_window=True, sliding_window=4,
            layer_types=["sliding_attention", "full_attention", "sliding_attention"], max_position_embeddings=64,
            rope_scaling={"rope_type": "yarn", "factor": 2.0, "original_max_position_embeddings": 32}, torch_dtype="bfloat16"), {"dtype": "bfloat16"}),
        ("mixtral-4x-top2", without(base_config("mixtral", s, vocab, num_local_experts=4, num_experts_per_tok=2), "head_dim"), {}),
        ("mixtral-8x-top1-window-bf16", base_config("mixtral", s, vocab, num_experts_per_tok=1, sliding_window=6, torch_dtype="bfloat16"), {"dtype": "bfloat16"}),
        # Fields left out, as a hand-written config might: each config class's own default applies (Mixtral:
        # rope_theta 1e6, rms_norm_eps 1e-5, 8 kv heads; Mistral: 8 kv heads, a 4096-token window).
        ("mixtral-absent-defaults-bf16", without(base_config("mixtral", s, vocab, num_attention_heads=16, num_local_experts=4, torch_dtype="bfloat16"),
            "rope_theta", "rms_norm_eps", "num_key_value_heads"), {"dtype": "bfloat16"}),
        ("mistral-absent-defaults-bf16", without(base_config("mistral", s, vocab, num_attention_heads=16, torch_dtype="bfloat16"),
            "rope_theta", "rms_norm_eps", "num_key_value_heads", "sliding_window"), {"dtype": "bfloat16"}),
        ("mixtral-8x-top2-kv1-tied-sharded", base_config("mixtral", s, vocab, num_key_value_heads=1, tie_word_embeddings=True), {"shards": 2}),
    ]


def without(config, *keys):
    return {k: v for k, v in config.items() if k not in keys}


def yarn_v5(s, vocab):
    c = base_config("llama", s, vocab, head_dim=16 * s, max_position_embeddings=128, transformers_version=VERSION_5, dtype="bfloat16")
    del c["rope_scaling"], c["rope_theta"], c["torch_dtype"]
    c["rope_parameters"] = {"rope_type": "yarn", "rope_theta": 20000.0, "factor": 4.0, "original_max_position_embeddings": 32,
                            "beta_fast": 16.0, "beta_slow": 2.0, "mscale": 1.0, "mscale_all_dim": 0.5, "truncate": False}
    return c


def refused_cases(scale, vocab):
    """Configs mini says it does not implement: it must refuse them at load, naming the field."""
    return [
        ("llama-rope-dynamic", base_config("llama", scale, vocab, rope_scaling={"rope_type": "dynamic", "factor": 2.0}), "rope_scaling"),
    ]
