"""Transformer classifiers for IQ frames (one family, sized by a small config).

Tokens are the patches of the (2, W) frame, each linearly embedded from its patch or from a
wider span centred on it (`embed_span`); a class token and a learned positional embedding are
added; pre-norm encoder layers follow. `forward` returns
logits and, on request, every layer's attention maps (N, heads, tokens, tokens), which the
distillation methods need. There is no dropout: the forward pass is deterministic.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from .configs import (BASELINE_ARCHS, CONFIGS, MAX_PARAMETERS, SIZE_BOUNDS,  # noqa: F401
                      BaselineConfig, TransformerConfig, check_config, parse_config)


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


class SpanEmbed(nn.Linear):
    """Token embedding: (N, C, W) -> (N, W/P, D), token t a linear map of the `span` samples
    of every channel centred on patch t (zero-padded at the frame's edges).

    The weight is a Linear's (D, C * span), features ordered channel-major; it runs as a
    strided convolution, which at the live block's batch sizes (~240 frames) costs a third
    less than unfolding the frame into token vectors first (a little more for a few frames)."""

    def __init__(self, channels: int, span: int, patch: int, dim: int):
        super().__init__(channels * span, dim)
        self.channels, self.span, self.patch = channels, span, patch

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight.view(-1, self.channels, self.span)
        return F.conv1d(x, w, self.bias, stride=self.patch,
                        padding=(self.span - self.patch) // 2).transpose(1, 2)


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
        # Scores laid out (keys, queries) and normalised over the keys axis, then viewed back
        # as (queries, keys): with 17 tokens a softmax over an outer axis vectorises on CPU,
        # and the whole layer runs ~5% faster than with scaled_dot_product_attention at the
        # live block's batch sizes (docs/MODELS.md, Throughput). One path with or without maps.
        attn = ((k * (q.shape[-1] ** -0.5)) @ q.transpose(-2, -1)).softmax(-2).transpose(-2, -1)
        out = (attn @ v).transpose(1, 2).reshape(n, t, d)
        return self.proj(out), (attn if need_attn else None)

    def class_token(self, x: torch.Tensor) -> torch.Tensor:
        """The output for token 0 alone (N, D): its query against every key."""
        n, t, d = x.shape
        hd = d // self.heads
        w, b = self.qkv.weight, self.qkv.bias
        q = F.linear(x[:, 0], w[:d], b[:d]).view(n, 1, self.heads, hd)
        k, v = F.linear(x, w[d:], b[d:]).view(n, t, 2, self.heads, hd).unbind(2)
        attn = ((k * q).sum(-1) * hd ** -0.5).softmax(1)          # (N, keys, heads)
        return self.proj((attn.unsqueeze(-1) * v).sum(1).reshape(n, d))


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

    def class_token(self, x):
        """forward(x)[0][:, 0] without computing the other tokens' outputs."""
        x0 = x[:, 0] + self.attn.class_token(self.norm1(x))
        return x0 + self.mlp(self.norm2(x0))


class IQTransformer(nn.Module):
    """Vision-transformer-style classifier of (N, 2, W) frames."""

    def __init__(self, config: TransformerConfig):
        super().__init__()
        c = self.config = config
        if c.window % c.patch:
            raise ValueError(f"window {c.window} is not a multiple of patch {c.patch}")
        if c.features not in ("iq", "iq-moments"):
            raise ValueError(f"unknown features {c.features!r}")
        span = c.embed_span or c.patch
        if span < c.patch or (span - c.patch) % 2:
            raise ValueError(f"embed_span {span} must be >= patch {c.patch}, differing by an even number")
        self.embed = SpanEmbed(c.channels, span, c.patch, c.dim)
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
        # token t embeds the S samples of every channel centred on patch t (S = P: the patch
        # itself; S > P overlaps the neighbours, so a symbol straddling two patches is whole
        # in some token)
        h = torch.cat([self.cls_token.expand(n, -1, -1), self.embed(x)], dim=1) + self.pos
        if not return_attention:
            # Only the class token reaches the head, so the last layer computes its output
            # alone: 30% fewer multiply-adds for the compact model and ~25% less time per
            # window at the live block's batch sizes (docs/MODELS.md, Throughput); the same
            # function, with the same gradients.
            for layer in self.layers[:-1]:
                h, _ = layer(h, False)
            return self.head(self.norm(self.layers[-1].class_token(h)))
        maps = []
        for layer in self.layers:
            h, attn = layer(h, True)
            maps.append(attn)
        return self.head(self.norm(h[:, 0])), maps


class VTCNN2(nn.Module):
    """CNN in the style of O'Shea's VT-CNN2 (two convolutions over the 2 x W frame, two dense
    layers), narrower than the original and without dropout (deterministic forward)."""

    def __init__(self, c: BaselineConfig):
        super().__init__()
        self.config = c
        w = c.width
        self.net = nn.Sequential(
            nn.Conv2d(1, 4 * w, (1, 3), padding=(0, 1)), nn.ReLU(),
            nn.Conv2d(4 * w, w, (2, 3), padding=(0, 1)), nn.ReLU(), nn.Flatten(),
            nn.Linear(w * c.window, 8 * w), nn.ReLU(), nn.Linear(8 * w, c.num_classes))

    def forward(self, x):
        return self.net(x.unsqueeze(1))


class CNNLSTM(nn.Module):
    """Convolutions then an LSTM over time (MCLDNN-like, simplified): the last hidden state
    is classified."""

    def __init__(self, c: BaselineConfig):
        super().__init__()
        self.config = c
        w = c.width
        self.conv = nn.Sequential(nn.Conv1d(2, 2 * w, 7, padding=3), nn.ReLU(),
                                  nn.Conv1d(2 * w, 2 * w, 5, stride=2, padding=2), nn.ReLU())
        self.lstm = nn.LSTM(2 * w, 4 * w, batch_first=True)
        self.head = nn.Linear(4 * w, c.num_classes)

    def forward(self, x):
        h, _ = self.lstm(self.conv(x).transpose(1, 2))
        return self.head(h[:, -1])


class _ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv1d(cin, cout, 3, stride=stride, padding=1, bias=False), nn.BatchNorm1d(cout),
            nn.ReLU(), nn.Conv1d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm1d(cout))
        self.skip = (nn.Identity() if cin == cout and stride == 1 else
                     nn.Sequential(nn.Conv1d(cin, cout, 1, stride=stride, bias=False),
                                   nn.BatchNorm1d(cout)))

    def forward(self, x):
        return F.relu(self.body(x) + self.skip(x))


class ResNet1d(nn.Module):
    """1-D ResNet: a stem, three residual stages (stride 2 in the last two), global average
    pooling. BatchNorm uses running statistics in eval mode, so attacks see a fixed model."""

    def __init__(self, c: BaselineConfig):
        super().__init__()
        self.config = c
        w = 2 * c.width
        self.net = nn.Sequential(
            nn.Conv1d(2, w, 7, padding=3, bias=False), nn.BatchNorm1d(w), nn.ReLU(),
            _ResBlock(w, w, 1), _ResBlock(w, 2 * w, 2), _ResBlock(2 * w, 4 * w, 2),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(4 * w, c.num_classes))

    def forward(self, x):
        return self.net(x)


BASELINES = {"vtcnn2": VTCNN2, "cnn-lstm": CNNLSTM, "resnet1d": ResNet1d}
assert tuple(BASELINES) == BASELINE_ARCHS


def build_model(config) -> nn.Module:
    """A model from a config object, a dict (bundle JSON) or a name in CONFIGS."""
    config = parse_config(config)
    if isinstance(config, BaselineConfig):
        if config.arch not in BASELINES:
            raise ValueError(f"unknown architecture {config.arch!r}")
        if config.features != "iq":
            raise ValueError("baseline architectures take raw IQ (features 'iq')")
        return BASELINES[config.arch](config)
    return IQTransformer(config)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def count_macs(model_or_config) -> int:
    """Multiply-accumulates for one frame: linear, convolution and LSTM layers and the
    attention products, counted by running one frame through the model. A transformer is
    counted whole (every token through every layer), as its architecture is usually quoted;
    inference without attention maps skips most of the last layer (`IQTransformer.forward`)."""
    model = model_or_config
    if not isinstance(model, nn.Module):
        model = build_model(model_or_config)
    total = [0]

    def hook(mod, inp, out):
        if isinstance(mod, nn.Linear):
            total[0] += out.numel() * mod.in_features
        elif isinstance(mod, (nn.Conv1d, nn.Conv2d)):
            k = 1
            for s in mod.kernel_size:
                k *= s
            total[0] += out.numel() * (mod.in_channels // mod.groups) * k
        elif isinstance(mod, nn.LSTM):
            steps = inp[0].shape[1]
            h, i = mod.hidden_size, mod.input_size
            total[0] += steps * 4 * h * (i + h) * mod.num_layers
        elif isinstance(mod, Attention):
            _, t, d = out[0].shape
            total[0] += 2 * t * t * d   # q k^T and attn v
    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.LSTM, Attention))]
    was_training = model.training
    try:
        model.eval()
        p = next(model.parameters())
        with torch.no_grad():
            x = torch.zeros(1, 2, model.config.window, device=p.device, dtype=p.dtype)
            model(x, return_attention=True) if isinstance(model, IQTransformer) else model(x)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    return total[0]
