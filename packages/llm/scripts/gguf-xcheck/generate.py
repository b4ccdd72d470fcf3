"""Writes the committed GGUF fixtures: test/fixtures/torch-xcheck's model directories converted by
convert.py, one file per (case, --outtype[, --alignment]), named `<case>[.a<alignment>].<outtype>.gguf`.

    /usr/bin/python3 packages/llm/scripts/gguf-xcheck/generate.py packages/llm/test/fixtures/gguf-xcheck

The same inputs give the same bytes. Left out: the sliding-window cases (convert_hf_to_gguf writes no
window for these architectures, so the file's model is not the directory's), Qwen3 with attention
biases (llama.cpp's qwen3 has no bias tensors and refuses the file), the refused `dynamic` case, and
the yarn case with beta_fast 16 (mini refuses it: llama.cpp runs 32 for llama).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from convert import convert  # noqa: E402

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../test/fixtures/torch-xcheck")
CASES = [
    ("llama-bias-kv1-headdim", "f32"),  # q/k biases permuted with the weights
    ("llama-bias-kv1-headdim", "q8_0"),  # down_proj (47 columns) falls back to F16
    ("llama-tied-gqa", "f16"),
    ("llama-rope-linear-f16", "f16"),
    ("llama-rope-llama3-bf16", "bf16"),  # rope_freqs.weight
    ("llama-rope-yarn", "f32"),
    ("mistral-absent-defaults-bf16", "bf16"),
    ("mistral-sharded-tied", "q8_0"),
    ("mistral-sharded-tied", "q8_0", 256),  # general.alignment 256: the key, and padding to it
    ("mixtral-4x-top2", "f32"),
    ("mixtral-8x-top2-kv1-tied-sharded", "f32"),
    ("mixtral-absent-defaults-bf16", "bf16"),
    ("qwen2-bias-tied", "f32"),
    ("qwen2-bias-tied", "bf16"),
    ("qwen3-qknorm-headdim", "f32"),
    ("qwen3-qknorm-headdim", "q8_0"),
]

if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for case, outtype, *alignment in CASES:
        infix = f".a{alignment[0]}" if alignment else ""
        convert(os.path.join(SOURCE, case), os.path.join(out, f"{case}{infix}.{outtype}.gguf"), outtype, *alignment)
