"""tokenizer.ggml.* as convert_hf_to_gguf.py's _set_vocab_gpt2 / _set_vocab_sentencepiece write them.

A tokenizer.json whose model is BPE or WordLevel is written as `gpt2`: tokens in id order, token_type
CONTROL (3) for special added tokens, USER_DEFINED (4) for other added ones, NORMAL (1) otherwise,
the merges (an empty list for WordLevel: llama.cpp needs the key), the pre-tokenizer name, and
SpecialVocab's bos/eos/unk/pad ids from tokenizer_config.json's token strings.
A Llama tokenizer.json (BPE with byte_fallback, a Sequence decoder) is written as `llama`, as
_set_vocab_llama_hf (gguf-py's LlamaHfVocab) writes it: tokens in id order, every score -1000.0 (its
placeholder: llama.cpp then merges by position, not by HF's merge ranks), BYTE for <0xNN>, CONTROL for
special tokens, NORMAL otherwise.
"""
import re
import json
import os

from gguf_write import BOOL, FLOAT32, INT32, STRING, UINT32

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6


def _special_ids(w, vocab: dict, tok_config: dict, c: dict) -> None:
    for field, key in (("bos_token", "bos"), ("eos_token", "eos"), ("unk_token", "unknown"), ("pad_token", "padding")):
        tok = tok_config.get(field)
        if isinstance(tok, dict):
            tok = tok.get("content")
        tid = vocab.get(tok) if tok is not None else None
        if tid is None and key in ("bos", "eos"):
            tid = c.get(f"{key}_token_id")
        if tid is not None:
            w.add(f"tokenizer.ggml.{key}_token_id", UINT32, tid)
    for flag in ("add_bos_token", "add_eos_token"):
        if flag in tok_config:
            w.add(f"tokenizer.ggml.{flag}", BOOL, bool(tok_config[flag]))


def _llama_hf(w, tj: dict, tok_config: dict, c: dict) -> None:
    vocab = dict(tj["model"]["vocab"])
    for t in tj.get("added_tokens", []):
        vocab[t["content"]] = t["id"]
    special = {t["id"] for t in tj.get("added_tokens", []) if t.get("special")}
    reverse = {i: t for t, i in vocab.items()}
    tokens = [reverse[i] for i in range(len(reverse))]
    types = [BYTE if re.fullmatch(r"<0x[0-9A-Fa-f]{2}>", t) else CONTROL if i in special else NORMAL for i, t in enumerate(tokens)]
    w.add("tokenizer.ggml.model", STRING, "llama")
    w.add("tokenizer.ggml.pre", STRING, "default")
    w.add_array("tokenizer.ggml.tokens", STRING, tokens)
    w.add_array("tokenizer.ggml.scores", FLOAT32, [-1000.0] * len(tokens))
    w.add_array("tokenizer.ggml.token_type", INT32, types)
    _special_ids(w, vocab, tok_config, c)


def _gpt2(w, tj: dict, tok_config: dict, c: dict, model_dir: str) -> None:
    model = tj["model"]
    if model["type"] not in ("BPE", "WordLevel"):
        raise ValueError(f"{model_dir}/tokenizer.json: model {model['type']} is not BPE or WordLevel")
    vocab = dict(model["vocab"])
    added = {t["content"]: t for t in tj.get("added_tokens", [])}
    for content, t in added.items():
        vocab[content] = t["id"]
    n = c["vocab_size"]
    reverse = {i: t for t, i in vocab.items()}
    tokens, types = [], []
    for i in range(n):
        if i not in reverse:  # convert pads the vocabulary to vocab_size with [PAD{i}] (USER_DEFINED)
            tokens.append(f"[PAD{i}]")
            types.append(USER_DEFINED)
        elif reverse[i] in added:
            tokens.append(reverse[i])
            types.append(CONTROL if added[reverse[i]].get("special") else USER_DEFINED)
        else:
            tokens.append(reverse[i])
            types.append(NORMAL)
    merges = model.get("merges", [])
    merges = [m if isinstance(m, str) else " ".join(m) for m in merges]
    w.add("tokenizer.ggml.model", STRING, "gpt2")
    w.add("tokenizer.ggml.pre", STRING, "default")
    w.add_array("tokenizer.ggml.tokens", STRING, tokens)
    w.add_array("tokenizer.ggml.token_type", INT32, types)
    w.add_array("tokenizer.ggml.merges", STRING, merges)
    _special_ids(w, vocab, tok_config, c)


def add_tokenizer(w, model_dir: str, c: dict) -> None:
    path = os.path.join(model_dir, "tokenizer.json")
    if not os.path.exists(path):
        raise ValueError(f"{model_dir}: no tokenizer.json (tokenizer.model is not converted here)")
    with open(path) as f:
        tj = json.load(f)
    cfg_path = os.path.join(model_dir, "tokenizer_config.json")
    tok_config = json.load(open(cfg_path)) if os.path.exists(cfg_path) else {}
    m = tj["model"]
    if m["type"] == "BPE" and m.get("byte_fallback") and (tj.get("decoder") or {}).get("type") == "Sequence":
        _llama_hf(w, tj, tok_config, c)
    else:
        _gpt2(w, tj, tok_config, c, model_dir)


__all__ = ["add_tokenizer"]
