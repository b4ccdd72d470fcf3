"""A GGUF v3 writer from ggml's docs/gguf.md, laid out as gguf-py's GGUFWriter lays a file out.

File: header (magic "GGUF", version 3, tensor count u64, KV count u64), the KV pairs in the order
they were added, the tensor infos in the order the tensors were added (name, n_dims u32, dims u64 in
ggml order — the numpy shape reversed —, ggml type u32, offset u64 from the data section start),
zero padding to `general.alignment` (32 unless the key says otherwise), then each tensor's bytes, each
padded with zeros to that alignment.
"""
import struct

import numpy as np

# gguf.md's gguf_metadata_value_type.
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = range(13)
# ggml_type values this converter writes, and their (block size, bytes per block).
GGML_F32, GGML_F16, GGML_Q8_0, GGML_BF16 = 0, 1, 8, 30
BLOCK = {GGML_F32: (1, 4), GGML_F16: (1, 2), GGML_Q8_0: (32, 34), GGML_BF16: (1, 2)}
DEFAULT_ALIGNMENT = 32

_SCALAR = {UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
           FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d"}


def _string(s: str) -> bytes:
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def _value(vtype: int, value) -> bytes:
    if vtype == STRING:
        return _string(value)
    if vtype in _SCALAR:
        return struct.pack(_SCALAR[vtype], value)
    raise ValueError(f"value type {vtype} is not a scalar or string")


def _pad(n: int, alignment: int) -> int:
    return (alignment - n % alignment) % alignment


class GgufWriter:
    """Collects KV pairs and tensors, then writes the file in one go (`write`)."""

    def __init__(self, arch: str, alignment: int = DEFAULT_ALIGNMENT):
        self.kv: list[tuple[str, bytes]] = []
        self.tensors: list[tuple[str, tuple[int, ...], int, bytes]] = []
        self.alignment = alignment
        self.add("general.architecture", STRING, arch)
        if alignment != DEFAULT_ALIGNMENT:  # GGUFWriter writes the key only when not the default
            self.add("general.alignment", UINT32, alignment)

    def add(self, key: str, vtype: int, value) -> None:
        if any(k == key for k, _ in self.kv):
            raise ValueError(f"duplicate key {key}")
        self.kv.append((key, struct.pack("<I", vtype) + _value(vtype, value)))

    def add_array(self, key: str, etype: int, values) -> None:
        body = b"".join(_value(etype, v) for v in values)
        self.kv.append((key, struct.pack("<IIQ", ARRAY, etype, len(values)) + body))

    def add_tensor(self, name: str, shape: tuple[int, ...], ggml_type: int, data: bytes) -> None:
        """`shape` is the numpy (row-major) shape of the logical values; `data` the encoded bytes."""
        block, nbytes = BLOCK[ggml_type]
        if shape[-1] % block != 0:
            raise ValueError(f"{name}: rows of {shape[-1]} are not whole blocks of {block}")
        n = int(np.prod(shape))
        if len(data) != n // block * nbytes:
            raise ValueError(f"{name}: {len(data)} bytes for shape {shape} type {ggml_type}")
        if any(t[0] == name for t in self.tensors):
            raise ValueError(f"duplicate tensor {name}")
        self.tensors.append((name, shape, ggml_type, data))

    def write(self, path: str) -> None:
        out = bytearray(b"GGUF")
        out += struct.pack("<IQQ", 3, len(self.tensors), len(self.kv))
        for key, body in self.kv:
            out += _string(key) + body
        offset = 0
        for name, shape, ggml_type, data in self.tensors:
            dims = tuple(reversed(shape))  # ggml's ne[0] is the innermost (row) length
            out += _string(name) + struct.pack("<I", len(dims))
            out += b"".join(struct.pack("<Q", d) for d in dims)
            out += struct.pack("<IQ", ggml_type, offset)
            offset += len(data) + _pad(len(data), self.alignment)
        out += bytes(_pad(len(out), self.alignment))
        for _, _, _, data in self.tensors:
            out += data + bytes(_pad(len(data), self.alignment))
        with open(path, "wb") as f:
            f.write(out)
