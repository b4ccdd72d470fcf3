"""The tensors of an HF model directory's safetensors (one file or an index's shards) as float32 numpy.

Shards in file-name order, each file's tensors in name order (safe_open's keys()), as
convert_hf_to_gguf.py's get_tensors yields them; BF16 widened exactly to float32, as it does.
"""
import glob
import json
import os
import struct

import numpy as np

_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2")}


def read_tensors(model_dir: str):
    files = sorted(glob.glob(os.path.join(model_dir, "*.safetensors")))
    if not files:
        raise FileNotFoundError(f"{model_dir}: no .safetensors files")
    for path in files:
        with open(path, "rb") as f:
            raw = f.read()
        (n,) = struct.unpack("<Q", raw[:8])
        header = json.loads(raw[8:8 + n])
        header.pop("__metadata__", None)
        base = 8 + n
        for name in sorted(header):
            info = header[name]
            start, end = info["data_offsets"]
            dtype = _DTYPES[info["dtype"]]
            data = np.frombuffer(raw[base + start:base + end], dtype=dtype).reshape(info["shape"])
            if info["dtype"] == "BF16":
                data = (data.astype(np.uint32) << 16).view(np.float32)
            yield name, data.astype(np.float32)
