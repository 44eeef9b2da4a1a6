"""The engine's weights blob: a bundle's architecture and tensors in the fixed order the C++
engine reads them (lib/engine/engine.cc): b"RAMCENG1", 10 int32 sizes, float32 tensors."""
from __future__ import annotations

import numpy as np

from ..configs import TransformerConfig

MAGIC = b"RAMCENG1"
_NORMALIZATIONS = {"unit-power": 0, "rml-l1": 1}


class EngineUnsupported(ValueError):
    """The bundle's architecture or normalisation is one the engine does not run."""


def tensor_order(config: TransformerConfig) -> list[tuple[str, tuple]]:
    """(name, shape) of every tensor of a transformer's state dict, in blob order."""
    c = config
    d, m, span = c.dim, c.mlp_dim, c.embed_span or c.patch
    out = [("embed.weight", (d, c.channels * span)), ("embed.bias", (d,)),
           ("cls_token", (1, 1, d)), ("pos", (1, c.tokens, d))]
    for i in range(c.depth):
        p = f"layers.{i}."
        out += [(p + "norm1.weight", (d,)), (p + "norm1.bias", (d,)),
                (p + "attn.qkv.weight", (3 * d, d)), (p + "attn.qkv.bias", (3 * d,)),
                (p + "attn.proj.weight", (d, d)), (p + "attn.proj.bias", (d,)),
                (p + "norm2.weight", (d,)), (p + "norm2.bias", (d,)),
                (p + "mlp.0.weight", (m, d)), (p + "mlp.0.bias", (m,)),
                (p + "mlp.2.weight", (d, m)), (p + "mlp.2.bias", (d,))]
    out += [("norm.weight", (d,)), ("norm.bias", (d,)),
            ("head.weight", (c.num_classes, d)), ("head.bias", (c.num_classes,))]
    return out


def engine_blob(config, normalization: str, tensors: dict) -> bytes:
    """The blob of a transformer config with its tensors (NumPy arrays or anything
    np.asarray takes, keyed as in the state dict). Raises EngineUnsupported for other
    architectures and ValueError when the tensors do not fit the config."""
    if not isinstance(config, TransformerConfig):
        raise EngineUnsupported(f"the engine runs the transformer family, not {config.arch!r} "
                                "(use the torch backend)")
    if normalization not in _NORMALIZATIONS:
        raise EngineUnsupported(f"unknown normalisation {normalization!r}")
    order = tensor_order(config)
    if set(tensors) != {name for name, _ in order}:
        missing = sorted({n for n, _ in order} - set(tensors))[:3]
        extra = sorted(set(tensors) - {n for n, _ in order})[:3]
        raise ValueError(f"tensors do not fit the architecture (missing {missing}, unexpected {extra})")
    c = config
    sizes = [c.dim, c.depth, c.heads, c.mlp_dim, c.patch, c.window, c.num_classes, c.channels,
             c.embed_span, _NORMALIZATIONS[normalization]]
    parts = [MAGIC, np.asarray(sizes, dtype="<i4").tobytes()]
    for name, shape in order:
        t = np.asarray(tensors[name])
        if t.shape != shape:
            raise ValueError(f"tensor {name} has shape {t.shape}, the architecture {shape}")
        parts.append(np.ascontiguousarray(t, dtype="<f4").tobytes())
    return b"".join(parts)
