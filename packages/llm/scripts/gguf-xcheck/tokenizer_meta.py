"""tokenizer.ggml.* as convert_hf_to_gguf.py's _set_vocab_gpt2 / _set_vocab_sentencepiece write them.

A tokenizer.json whose model is BPE or WordLevel is written as `gpt2`: tokens in id order, token_type
CONTROL (3) for special added tokens, USER_DEFINED (4) for other added ones, NORMAL (1) otherwise,
the merges (an empty list for WordLevel: llama.cpp needs the key), the pre-tokenizer name, and
SpecialVocab's bos/eos/unk/pad ids from tokenizer_config.json's token strings.
A tokenizer.model (SentencePiece) is written as `llama`: pieces, scores, types.
"""
import json
import os

from gguf_write import BOOL, INT32, STRING, UINT32

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


def _gpt2(w, model_dir: str, c: dict) -> None:
    with open(os.path.join(model_dir, "tokenizer.json")) as f:
        tj = json.load(f)
    cfg_path = os.path.join(model_dir, "tokenizer_config.json")
    tok_config = json.load(open(cfg_path)) if os.path.exists(cfg_path) else {}
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
    if os.path.exists(os.path.join(model_dir, "tokenizer.json")):
        _gpt2(w, model_dir, c)
    else:
        raise ValueError(f"{model_dir}: no tokenizer.json (tokenizer.model is not converted here)")


__all__ = ["add_tokenizer"]
