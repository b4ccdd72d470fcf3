"""An HF model directory → a GGUF file, as llama.cpp's convert_hf_to_gguf.py writes one.

LlamaModel (Llama, Mistral, Mixtral: arch `llama`), Qwen2Model (`qwen2`), Qwen3Model (`qwen3`):
  - hyper-parameters as TextModel/LlamaModel.set_gguf_parameters write them, from config.json with
    the config class's defaults for absent fields (convert loads it through AutoConfig);
  - LlamaModel.permute on q_proj/k_proj weights and biases (rows of each head reordered from HF's
    rotate_half halves to ggml's interleaved pairs); Qwen2/Qwen3 keep HF's row order (NEOX RoPE);
  - Mixtral's experts stacked as ffn_{gate,down,up}_exps [n_expert, rows, cols] (w1, w2, w3);
  - Llama 3 rope scaling as the `rope_freqs` tensor (LlamaModel.generate_extra_tensors), linear and
    yarn as rope.scaling.* keys;
  - norms, biases, 1-D tensors and the MoE router F32; matrices in --outtype; Q8_0 rows that are not
    whole 32-blocks fall back to F16, as prepare_tensors does.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gguf_write import FLOAT32, GGML_BF16, GGML_F16, GGML_F32, GGML_Q8_0, STRING, UINT32, GgufWriter  # noqa: E402
from hf_read import read_tensors  # noqa: E402
from quants import encode  # noqa: E402
from tokenizer_meta import add_tokenizer  # noqa: E402

OUTTYPES = {"f32": (GGML_F32, 0), "f16": (GGML_F16, 1), "q8_0": (GGML_Q8_0, 7), "bf16": (GGML_BF16, 32)}
ARCH = {"LlamaForCausalLM": "llama", "MistralForCausalLM": "llama", "MixtralForCausalLM": "llama",
        "Qwen2ForCausalLM": "qwen2", "Qwen3ForCausalLM": "qwen3"}
# transformers' config-class defaults for the fields these families' config.json may leave out.
DEFAULTS = {
    "llama": {"rms_norm_eps": 1e-6, "rope_theta": 10000.0},
    "mistral": {"rms_norm_eps": 1e-6, "rope_theta": 10000.0, "num_key_value_heads": 8},
    "mixtral": {"rms_norm_eps": 1e-5, "rope_theta": 1e6, "num_key_value_heads": 8},
    "qwen2": {"rms_norm_eps": 1e-6, "rope_theta": 10000.0, "num_key_value_heads": 32},
    "qwen3": {"rms_norm_eps": 1e-6, "rope_theta": 10000.0, "num_key_value_heads": 32, "head_dim": 128},
}
RENAME = {"self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
          "self_attn.o_proj": "attn_output", "self_attn.q_norm": "attn_q_norm", "self_attn.k_norm": "attn_k_norm",
          "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
          "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
          "block_sparse_moe.gate": "ffn_gate_inp"}
EXPERT_NAMES = {"w1": "ffn_gate_exps", "w2": "ffn_down_exps", "w3": "ffn_up_exps"}


def hparams(model_dir: str) -> dict:
    with open(os.path.join(model_dir, "config.json")) as f:
        c = json.load(f)
    for key, value in DEFAULTS[c["model_type"]].items():
        c.setdefault(key, value)
    if c.get("num_key_value_heads") is None:
        c["num_key_value_heads"] = c["num_attention_heads"]
    rope = c.get("rope_parameters") or c.get("rope_scaling")  # transformers 5 / 4
    if rope is not None and "rope_theta" in rope:
        c["rope_theta"] = rope["rope_theta"]
    c["rope"] = rope if rope is not None and rope.get("rope_type", rope.get("type")) != "default" else None
    return c


def permute(w: np.ndarray, n_head: int, n_head_kv: int | None) -> np.ndarray:
    """LlamaModel.permute: per head, rows [h0 half | h1 half] → interleaved (h0[0], h1[0], h0[1], …)."""
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def llama3_rope_freqs(c: dict) -> np.ndarray:
    """LlamaModel.generate_extra_tensors' per-pair frequency divisors for rope_type llama3 (float32 as torch)."""
    import torch
    rope = c["rope"]
    base = c["rope_theta"]
    dim = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
    freqs = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    factor = rope.get("factor", 8.0)
    low, high = rope.get("low_freq_factor", 1.0), rope.get("high_freq_factor", 4.0)
    old_ctx = rope.get("original_max_position_embeddings", 8192)
    low_wavelen, high_wavelen = old_ctx / low, old_ctx / high
    out = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_wavelen:
            out.append(1)
        elif wavelen > low_wavelen:
            out.append(factor)
        else:
            smooth = (old_ctx / wavelen - low) / (high - low)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return torch.tensor(out, dtype=torch.float32).numpy()


def add_hparams(w: GgufWriter, c: dict, arch: str, file_type: int, name: str) -> None:
    w.add("general.type", STRING, "model")
    w.add("general.name", STRING, name)
    w.add(f"{arch}.block_count", UINT32, c["num_hidden_layers"])
    w.add(f"{arch}.context_length", UINT32, c["max_position_embeddings"])
    w.add(f"{arch}.embedding_length", UINT32, c["hidden_size"])
    w.add(f"{arch}.feed_forward_length", UINT32, c["intermediate_size"])
    w.add(f"{arch}.attention.head_count", UINT32, c["num_attention_heads"])
    w.add(f"{arch}.attention.head_count_kv", UINT32, c["num_key_value_heads"])
    w.add(f"{arch}.rope.freq_base", FLOAT32, c["rope_theta"])
    w.add(f"{arch}.attention.layer_norm_rms_epsilon", FLOAT32, c["rms_norm_eps"])
    if "num_local_experts" in c:
        w.add(f"{arch}.expert_count", UINT32, c["num_local_experts"])
        w.add(f"{arch}.expert_used_count", UINT32, c["num_experts_per_tok"])
    if c.get("head_dim") is not None:
        w.add(f"{arch}.attention.key_length", UINT32, c["head_dim"])
        w.add(f"{arch}.attention.value_length", UINT32, c["head_dim"])
    w.add("general.file_type", UINT32, file_type)
    rope = c["rope"]
    kind = None if rope is None else rope.get("rope_type", rope.get("type"))
    if kind == "linear":
        w.add(f"{arch}.rope.scaling.type", STRING, "linear")
        w.add(f"{arch}.rope.scaling.factor", FLOAT32, rope["factor"])
    elif kind == "yarn":
        w.add(f"{arch}.rope.scaling.type", STRING, "yarn")
        w.add(f"{arch}.rope.scaling.factor", FLOAT32, rope["factor"])
        w.add(f"{arch}.rope.scaling.original_context_length", UINT32, rope["original_max_position_embeddings"])
        for hf_key, key in (("extrapolation_factor", "yarn_ext_factor"), ("attention_factor", "yarn_attn_factor"),
                            ("beta_fast", "yarn_beta_fast"), ("beta_slow", "yarn_beta_slow")):
            if rope.get(hf_key) is not None:
                w.add(f"{arch}.rope.scaling.{key}", FLOAT32, rope[hf_key])
    elif kind not in (None, "llama3"):
        raise ValueError(f"rope type {kind}: not converted")
    if arch == "llama":
        w.add(f"{arch}.vocab_size", UINT32, c["vocab_size"])
        w.add(f"{arch}.rope.dimension_count", UINT32, c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"])
    w.add("general.quantization_version", UINT32, 2)


def gguf_name(hf: str) -> str:
    if hf == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf == "model.norm.weight":
        return "output_norm.weight"
    if hf == "lm_head.weight":
        return "output.weight"
    _, _, bid, rest = hf.split(".", 3)
    module, kind = rest.rsplit(".", 1)
    return f"blk.{bid}.{RENAME[module]}.{kind}"


def tensor_type(name: str, data: np.ndarray, outtype: int) -> int:
    """prepare_tensors: 1-D, *_norm and the router F32; Q8_0 falls back to F16 for rows not whole blocks."""
    if data.ndim <= 1 or name.endswith("_norm.weight") or ".ffn_gate_inp." in name:
        return GGML_F32
    if outtype == GGML_Q8_0 and data.shape[-1] % 32 != 0:
        return GGML_F16
    return outtype


def converted_tensors(model_dir: str, c: dict, arch: str):
    """(gguf name, float32 array) in the order convert_hf_to_gguf emits them."""
    if c["rope"] is not None and c["rope"].get("rope_type", c["rope"].get("type")) == "llama3":
        yield "rope_freqs.weight", llama3_rope_freqs(c)
    n_head, n_kv = c["num_attention_heads"], c["num_key_value_heads"]
    experts: dict[int, dict[str, np.ndarray]] = {}
    # A tied checkpoint that stores only lm_head.weight (the story model): written as token_embd, the
    # one name llama.cpp loads for a tied model (not convert_hf_to_gguf's behaviour: it would write
    # output.weight and no token_embd, a file llama.cpp refuses).
    tied_as_lm_head = c.get("tie_word_embeddings", False) and not any(hf == "model.embed_tokens.weight" for hf, _ in read_tensors(model_dir))
    for hf, data in read_tensors(model_dir):
        if ".block_sparse_moe.experts." in hf:
            bid = int(hf.split(".")[2])
            experts.setdefault(bid, {})[hf] = data
            if len(experts[bid]) == 3 * c["num_local_experts"]:
                for wid, name in EXPERT_NAMES.items():
                    stack = [experts[bid][f"model.layers.{bid}.block_sparse_moe.experts.{x}.{wid}.weight"]
                             for x in range(c["num_local_experts"])]
                    yield f"blk.{bid}.{name}.weight", np.stack(stack, axis=0)
                del experts[bid]
            continue
        if arch == "llama" and hf.endswith(("q_proj.weight", "q_proj.bias")):
            data = permute(data, n_head, n_head)
        elif arch == "llama" and hf.endswith(("k_proj.weight", "k_proj.bias")):
            data = permute(data, n_head, n_kv)
        name = gguf_name(hf)
        if name == "output.weight" and tied_as_lm_head:
            name = "token_embd.weight"
        yield name, data
    if experts:
        raise ValueError(f"{model_dir}: incomplete experts in blocks {sorted(experts)}")


def convert(model_dir: str, out: str, outtype: str, alignment: int = 32) -> None:
    c = hparams(model_dir)
    arch = ARCH[c["architectures"][0]]
    qtype, file_type = OUTTYPES[outtype]
    w = GgufWriter(arch, alignment)
    add_hparams(w, c, arch, file_type, os.path.basename(os.path.normpath(model_dir)))
    add_tokenizer(w, model_dir, c)
    for name, data in converted_tensors(model_dir, c, arch):
        t = tensor_type(name, data, qtype)
        w.add_tensor(name, data.shape, t, encode(data, t))
    w.write(out)


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model_dir")
    p.add_argument("out")
    p.add_argument("--outtype", choices=sorted(OUTTYPES), default="f32")
    p.add_argument("--alignment", type=int, default=32, help="general.alignment (a power of two; 32 writes no key)")
    a = p.parse_args()
    convert(a.model_dir, a.out, a.outtype, a.alignment)
