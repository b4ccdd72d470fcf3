"""Tensor encodings as gguf-py writes them (gguf/quants.py, gguf/lazy.py): F32, F16, BF16, Q8_0."""
import numpy as np

from gguf_write import GGML_BF16, GGML_F16, GGML_F32, GGML_Q8_0


def np_roundf(n: np.ndarray) -> np.ndarray:
    """Round half away from zero (C's roundf), as gguf-py's quants.np_roundf; numpy's round is to even."""
    a = abs(n)
    floored = np.floor(a)
    b = floored + np.floor(2 * (a - floored))
    return np.sign(n) * b


def to_bf16(n: np.ndarray) -> np.ndarray:
    """float32 → bf16 bits, round to nearest even, NaNs kept quiet (gguf-py's __compute_fp32_to_bf16)."""
    n = n.astype(np.float32, copy=False).view(np.uint32)
    n = np.where((n & 0x7FFFFFFF) > 0x7F800000, (n & np.uint32(0xFFFF0000)) | np.uint32(64 << 16), n)
    n = (n.astype(np.uint64) + (0x7FFF + ((n >> 16) & 1))) >> 16
    return n.astype(np.uint16)


def q8_0(n: np.ndarray) -> np.ndarray:
    """Blocks of 32 along the last axis: f16 scale d = max|x|/127, then int8 roundf(x/d) (as 1/d · x)."""
    blocks = n.astype(np.float32, copy=False).reshape(-1, 32)
    d = abs(blocks).max(axis=1, keepdims=True) / 127
    with np.errstate(divide="ignore"):
        inv = np.where(d == 0, 0, 1 / d)
    qs = np_roundf(blocks * inv)
    return np.concatenate([d.astype(np.float16).view(np.uint8), qs.astype(np.int8).view(np.uint8)], axis=1)


def encode(n: np.ndarray, ggml_type: int) -> bytes:
    if ggml_type == GGML_F32:
        return n.astype("<f4").tobytes()
    if ggml_type == GGML_F16:
        return n.astype("<f2").tobytes()
    if ggml_type == GGML_BF16:
        return to_bf16(n).astype("<u2").tobytes()
    if ggml_type == GGML_Q8_0:
        return q8_0(n).tobytes()
    raise ValueError(f"ggml type {ggml_type}")
