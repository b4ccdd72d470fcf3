"""A safetensors writer from the format's spec (no safetensors package needed):

  8 bytes   little-endian u64 N: the header's length
  N bytes   JSON: {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {"format": "pt"}},
            padded with spaces to a multiple of 8 bytes
  rest      the tensors' bytes, little-endian, row-major, each at its offsets (relative to the data start)

and the sharded layout transformers saves large models in: model-0000i-of-0000n.safetensors plus
model.safetensors.index.json {"metadata": {"total_size"}, "weight_map": {name: file}}.
"""
import json
import struct

import torch

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16"}


def tensor_bytes(t):
    t = t.contiguous()
    if t.dtype == torch.bfloat16:  # numpy has no bfloat16: the same 16 bits as int16
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def serialize(tensors):
    """tensors: dict name -> torch tensor (float32/float16/bfloat16). Returns the file's bytes."""
    header = {"__metadata__": {"format": "pt"}}
    chunks = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name]
        data = tensor_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def write_safetensors(path, tensors):
    with open(path, "wb") as f:
        f.write(serialize(tensors))


def write_sharded(directory, tensors, shards):
    """Splits the tensors (in name order) into `shards` files and writes the index, as save_pretrained does."""
    names = sorted(tensors)
    per_shard = -(-len(names) // shards)
    weight_map = {}
    total = 0
    for i in range(shards):
        part = names[i * per_shard : (i + 1) * per_shard]
        file = f"model-{i + 1:05d}-of-{shards:05d}.safetensors"
        write_safetensors(f"{directory}/{file}", {n: tensors[n] for n in part})
        for n in part:
            weight_map[n] = file
            total += tensors[n].numel() * tensors[n].element_size()
    index = {"metadata": {"total_size": total}, "weight_map": weight_map}
    with open(f"{directory}/model.safetensors.index.json", "w") as f:
        json.dump(index, f, indent=2, sort_keys=True)
        f.write("\n")
