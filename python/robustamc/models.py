"""Transformer classifiers for IQ frames (one family, sized by a small config).

Tokens are non-overlapping patches of the (2, W) frame, linearly embedded; a class token and a
learned positional embedding are added; pre-norm encoder layers follow. `forward` returns
logits and, on request, every layer's attention maps (N, heads, tokens, tokens), which the
distillation methods need. There is no dropout: the forward pass is deterministic.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from .constants import CLASSES, WINDOW


@dataclass(frozen=True)
class TransformerConfig:
    """Architecture of an IQ transformer; `patch` samples per token."""

    dim: int = 32
    depth: int = 2
    heads: int = 4
    mlp_dim: int = 64
    patch: int = 8
    window: int = WINDOW
    num_classes: int = len(CLASSES)
    features: str = "iq"   # "iq" or "iq-moments" (adds x^2/|x| and x^4/|x|^3 per sample)
    arch: str = "transformer"

    @property
    def channels(self) -> int:
        return {"iq": 2, "iq-moments": 6}[self.features]

    @property
    def tokens(self) -> int:
        return self.window // self.patch + 1  # patches + class token

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TransformerConfig":
        known = set(cls.__dataclass_fields__)
        unknown = set(d) - known
        if unknown:
            raise ValueError(f"unknown architecture fields: {sorted(unknown)}")
        return cls(**d)


#: Named configurations. `compact` is the IoT student (< 25k parameters).
CONFIGS = {
    "teacher": TransformerConfig(dim=128, depth=4, heads=8, mlp_dim=256, patch=8,
                                 features="iq-moments"),
    "compact": TransformerConfig(dim=32, depth=2, heads=4, mlp_dim=64, patch=8,
                                 features="iq-moments"),
}


def iq_moments(x: torch.Tensor) -> torch.Tensor:
    """(N, 2, W) -> (N, 6, W): x, x^2/|x| and x^4/|x|^3 as I/Q pairs.

    The squared and fourth-power terms keep |x| as magnitude and multiply the phase by 2 and
    4, which makes BPSK/PAM and QPSK constellations collapse to lines and points (the classic
    higher-order-moment features for telling PSK orders apart). Smooth and deterministic, so
    gradients (and attacks) pass through unchanged in kind.
    """
    # real arithmetic for |x| * u^2 and |x| * u^4 with u = x/|x| (complex pow is slow on CPU)
    i, q = x[:, 0], x[:, 1]
    mag = torch.sqrt(i * i + q * q).clamp_min(1e-6)
    c2, s2 = (i * i - q * q) / (mag * mag), 2 * i * q / (mag * mag)   # u^2
    c4, s4 = c2 * c2 - s2 * s2, 2 * c2 * s2                            # u^4
    return torch.stack([i, q, mag * c2, mag * s2, mag * c4, mag * s4], dim=1)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        if dim % heads:
            raise ValueError(f"dim {dim} is not divisible by heads {heads}")
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, need_attn: bool):
        n, t, d = x.shape
        q, k, v = self.qkv(x).view(n, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        if need_attn:
            attn = (q @ k.transpose(-2, -1) * (q.shape[-1] ** -0.5)).softmax(-1)
            out = attn @ v
        else:
            attn = None
            out = F.scaled_dot_product_attention(q, k, v)
        return self.proj(out.transpose(1, 2).reshape(n, t, d)), attn


class EncoderLayer(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_dim: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_dim), nn.GELU(), nn.Linear(mlp_dim, dim))

    def forward(self, x, need_attn: bool):
        a, attn = self.attn(self.norm1(x), need_attn)
        x = x + a
        return x + self.mlp(self.norm2(x)), attn


class IQTransformer(nn.Module):
    """Vision-transformer-style classifier of (N, 2, W) frames."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        c = self.config = config
        if c.window % c.patch:
            raise ValueError(f"window {c.window} is not a multiple of patch {c.patch}")
        if c.features not in ("iq", "iq-moments"):
            raise ValueError(f"unknown features {c.features!r}")
        self.embed = nn.Linear(c.channels * c.patch, c.dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, c.dim))
        self.pos = nn.Parameter(torch.randn(1, c.tokens, c.dim) * 0.02)
        self.layers = nn.ModuleList(EncoderLayer(c.dim, c.heads, c.mlp_dim)
                                    for _ in range(c.depth))
        self.norm = nn.LayerNorm(c.dim)
        self.head = nn.Linear(c.dim, c.num_classes)

    def forward(self, x: torch.Tensor, return_attention: bool = False):
        """Logits (N, classes); with `return_attention`, also a list of (N, H, T, T) maps."""
        c = self.config
        n = x.shape[0]
        if c.features == "iq-moments":
            x = iq_moments(x)
        # (N, C, W) -> (N, W/P, C*P): each token holds P consecutive samples of every channel
        ch = x.shape[1]
        tok = x.view(n, ch, c.window // c.patch, c.patch).permute(0, 2, 1, 3).reshape(n, -1, ch * c.patch)
        h = torch.cat([self.cls_token.expand(n, -1, -1), self.embed(tok)], dim=1) + self.pos
        maps = []
        for layer in self.layers:
            h, attn = layer(h, return_attention)
            maps.append(attn)
        logits = self.head(self.norm(h[:, 0]))
        return (logits, maps) if return_attention else logits


def build_model(config) -> nn.Module:
    """A model from a config object, a dict (bundle JSON) or a name in CONFIGS."""
    if isinstance(config, str):
        if config not in CONFIGS:
            raise ValueError(f"unknown model config {config!r}; known: {', '.join(CONFIGS)}")
        config = CONFIGS[config]
    elif isinstance(config, dict):
        config = dict(config)
        arch = config.get("arch", "transformer")
        if arch != "transformer":
            raise ValueError(f"unknown architecture {arch!r}")
        config = TransformerConfig.from_dict(config)
    return IQTransformer(config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(config: TransformerConfig) -> int:
    """Multiply-accumulates for one frame (linear layers and attention products)."""
    c = config
    t = c.tokens
    per_layer = t * (3 * c.dim * c.dim + c.dim * c.dim + 2 * c.dim * c.mlp_dim) + 2 * t * t * c.dim
    return (c.window // c.patch) * c.channels * c.patch * c.dim + c.depth * per_layer + c.dim * c.num_classes
