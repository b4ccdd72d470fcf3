#!/usr/bin/env python3
"""Writes small random HF model directories (config.json, generation_config.json, safetensors weights,
a word-level tokenizer) of every case in cases.py, each with expected.json: the float64 logits of
hf_forward.py (transformers' semantics) for two prompts, and the greedy continuation of the second.

  python3 generate.py OUT_DIR [--scale 1] [--vocab 67] [--seed 1]

Needs PyTorch (Debian: apt-get install python3-torch). Same arguments, same files.
"""
import argparse
import json
import os
import shutil

import torch

from cases import cases, refused_cases
from hf_forward import forward, greedy, head_dim_of, resolved
from safetensors_write import write_safetensors, write_sharded

STORE_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def random_weights(config, generator):
    """HF tensor names -> float32 tensors. Scales keep activations O(1), so logits spread and greedy is decisive."""
    config = resolved(config)
    hidden, inter, vocab = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    n_heads, n_kv, head_dim = config["num_attention_heads"], config["num_key_value_heads"], head_dim_of(config)
    family = config["model_type"]

    def normal(*shape, std=1.0, mean=0.0):
        return torch.randn(*shape, generator=generator) * std + mean

    def proj(out, inp):
        return normal(out, inp, std=inp**-0.5)

    # Embeddings smaller than the layers' outputs: the residual stream is not just the input token (a tied
    # head would then repeat it), so attention and MLP decide the logits.
    w = {"model.embed_tokens.weight": normal(vocab, hidden, std=0.4)}
    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        w[p + "input_layernorm.weight"] = normal(hidden, std=0.2, mean=1.0)
        w[p + "post_attention_layernorm.weight"] = normal(hidden, std=0.2, mean=1.0)
        a = p + "self_attn."
        w[a + "q_proj.weight"] = proj(n_heads * head_dim, hidden)
        w[a + "k_proj.weight"] = proj(n_kv * head_dim, hidden)
        w[a + "v_proj.weight"] = proj(n_kv * head_dim, hidden)
        w[a + "o_proj.weight"] = proj(hidden, n_heads * head_dim)
        qkv_bias = family == "qwen2" or config.get("attention_bias", False)
        o_bias = family != "qwen2" and config.get("attention_bias", False)  # Qwen2's o_proj has none
        if qkv_bias:
            w[a + "q_proj.bias"] = normal(n_heads * head_dim, std=0.3)
            w[a + "k_proj.bias"] = normal(n_kv * head_dim, std=0.3)
            w[a + "v_proj.bias"] = normal(n_kv * head_dim, std=0.3)
        if o_bias:
            w[a + "o_proj.bias"] = normal(hidden, std=0.3)
        if family == "qwen3":
            w[a + "q_norm.weight"] = normal(head_dim, std=0.2, mean=1.0)
            w[a + "k_norm.weight"] = normal(head_dim, std=0.2, mean=1.0)
        if family == "mixtral":
            m = p + "block_sparse_moe."
            w[m + "gate.weight"] = proj(config["num_local_experts"], hidden) * 3
            for e in range(config["num_local_experts"]):
                w[f"{m}experts.{e}.w1.weight"] = proj(inter, hidden)
                w[f"{m}experts.{e}.w2.weight"] = proj(hidden, inter)
                w[f"{m}experts.{e}.w3.weight"] = proj(inter, hidden)
        else:
            w[p + "mlp.gate_proj.weight"] = proj(inter, hidden)
            w[p + "mlp.up_proj.weight"] = proj(inter, hidden)
            w[p + "mlp.down_proj.weight"] = proj(hidden, inter)
    w["model.norm.weight"] = normal(hidden, std=0.2, mean=1.0)
    if not config["tie_word_embeddings"]:  # a tied save has no lm_head.weight
        w["lm_head.weight"] = proj(vocab, hidden) * 3
    return w


def write_json(path, value, indent=2):
    with open(path, "w") as f:
        json.dump(value, f, indent=indent)
        f.write("\n")


def write_tokenizer(directory, vocab):
    """A word-level tokenizer.json whose tokens are <unk>, <s>, </s>, t3, t4, …: loadModel wants one beside the weights."""
    words = ["<unk>", "<s>", "</s>"] + [f"t{i}" for i in range(3, vocab)]
    special = [{"id": i, "content": words[i], "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True} for i in range(3)]
    write_json(f"{directory}/tokenizer.json", {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special, "normalizer": None,
        "pre_tokenizer": {"type": "WhitespaceSplit"}, "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "vocab": {t: i for i, t in enumerate(words)}, "unk_token": "<unk>"},
    })
    write_json(f"{directory}/tokenizer_config.json", {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "model_max_length": 256, "tokenizer_class": "PreTrainedTokenizerFast"})


def write_model_dir(directory, config, weights, options):
    os.makedirs(directory, exist_ok=True)
    write_json(f"{directory}/config.json", config)
    write_json(f"{directory}/generation_config.json", {"bos_token_id": 1, "eos_token_id": 2, "transformers_version": config["transformers_version"]})
    write_tokenizer(directory, config["vocab_size"])
    stored = {n: t.to(STORE_DTYPES[options.get("dtype", "float32")]) for n, t in weights.items()}
    if not stored:
        pass
    elif options.get("shards", 1) > 1:
        write_sharded(directory, stored, options["shards"])
    else:
        write_safetensors(f"{directory}/model.safetensors", stored)
    # The reference runs on the values as stored (bf16/f16 rounding included), in float64.
    return {n: t.to(torch.float64) for n, t in stored.items()}


def rounded(rows):
    return [[float(f"{v:.7g}") for v in row] for row in rows.tolist()]


def router_gap(config, weights, ids):
    """Smallest gap between the k-th and (k+1)-th routing probability over layers and tokens: a near tie
    would make the experts chosen depend on rounding, and the logits with them."""
    k = config.get("num_experts_per_tok", 0)
    if config["model_type"] != "mixtral" or k >= config["num_local_experts"]:
        return None
    gaps = []

    def record(probs):
        top = torch.topk(probs, k + 1, dim=-1).values
        gaps.append(float((top[:, k - 1] - top[:, k]).min()))

    forward(config, weights, ids, on_router=record)
    return min(gaps)


def main():
    args = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    args.add_argument("out")
    args.add_argument("--scale", type=int, default=1)
    args.add_argument("--vocab", type=int, default=67)
    args.add_argument("--seed", type=int, default=1)
    args.add_argument("--prompt", type=int, default=12, help="length of the first prompt (longer than every sliding window)")
    args.add_argument("--steps", type=int, default=9, help="greedy tokens after the 3-token second prompt")
    a = args.parse_args()
    os.makedirs(a.out, exist_ok=True)
    for index, (name, config, options) in enumerate(cases(a.scale, a.vocab)):
        generator = torch.Generator().manual_seed(a.seed * 1000 + index)
        directory = os.path.join(a.out, name)
        shutil.rmtree(directory, ignore_errors=True)
        weights = write_model_dir(directory, config, random_weights(config, generator), options)
        long_prompt = torch.randint(3, a.vocab, (a.prompt,), generator=generator).tolist()
        short_prompt = torch.randint(3, a.vocab, (3,), generator=generator).tolist()
        tokens, margins = greedy(config, weights, short_prompt, a.steps)
        sequences = [long_prompt, short_prompt + tokens]
        gaps = [router_gap(config, weights, ids) for ids in sequences]
        write_json(f"{directory}/expected.json", {
            "generator": "packages/llm/scripts/torch-xcheck/generate.py",
            "args": {"scale": a.scale, "vocab": a.vocab, "seed": a.seed, "prompt": a.prompt, "steps": a.steps},
            "sequences": [{"ids": ids, "logits": rounded(forward(config, weights, ids))} for ids in sequences],
            "greedy": {"prompt": short_prompt, "tokens": tokens, "margins": [round(m, 6) for m in margins]},
            "minRouterGap": None if gaps[0] is None else min(gaps),
        }, indent=None)
        print(f"{name}: greedy {tokens}, smallest margin {min(margins):.4f}")
    for name, config, field in refused_cases(a.scale, a.vocab):
        directory = os.path.join(a.out, name)
        shutil.rmtree(directory, ignore_errors=True)
        write_model_dir(directory, config, {}, {})  # no weights: the config alone must be refused
        write_json(f"{directory}/expected.json", {"generator": "packages/llm/scripts/torch-xcheck/generate.py", "refused": field})
        print(f"{name}: expected to be refused ({field})")


if __name__ == "__main__":
    main()
