"""Read a safetensors file with NumPy alone (the format: an 8-byte little-endian header
length, a JSON header of tensor names, dtypes, shapes and byte offsets, then the data)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4",
           "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?"}
#: A header larger than this is not a model's (ours are a few kB).
MAX_HEADER_BYTES = 16 << 20


def read_safetensors(path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file as a read-only NumPy array. ValueError says what
    is malformed: header size, JSON, a dtype, a shape or offsets outside the data."""
    path = Path(path)
    raw = path.read_bytes()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors file")
    n = int.from_bytes(raw[:8], "little")
    if n > MAX_HEADER_BYTES or 8 + n > len(raw):
        raise ValueError(f"{path}: header length {n:,} does not fit the file")
    try:
        header = json.loads(raw[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ValueError(f"{path}: the header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise ValueError(f"{path}: the header is not a JSON object")
    data = memoryview(raw)[8 + n:]
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        if not isinstance(spec, dict) or spec.get("dtype") not in _DTYPES:
            raise ValueError(f"{path}: tensor {name!r} has no known dtype")
        shape, offsets = spec.get("shape"), spec.get("data_offsets")
        if (not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape)
                or not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) for o in offsets)):
            raise ValueError(f"{path}: tensor {name!r} has a malformed shape or offsets")
        begin, end = offsets
        dtype = np.dtype(_DTYPES[spec["dtype"]])
        if not 0 <= begin <= end <= len(data) or end - begin != math.prod(shape) * dtype.itemsize:
            raise ValueError(f"{path}: tensor {name!r} lies outside the data or has the wrong size")
        out[name] = np.frombuffer(data[begin:end], dtype=dtype).reshape(shape)
    return out
