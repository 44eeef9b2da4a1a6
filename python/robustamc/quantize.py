"""int8 weights: symmetric, one scale per output channel of every linear map (the token
embedding, attention, MLP and head), each scale chosen on calibration frames.

For each layer the calibration frames give the Gram matrix G = X^T X of the layer's inputs;
for each output channel the scale is alpha * max|w| / 127 with the alpha (from ALPHAS) that
minimises the output error e G e^T, e the channel's rounding error: clipping a few large
weights pays when it refines the many small ones on the inputs that actually occur.
LayerNorms, biases, the class token and positions stay float32 (a few hundred values).

A quantised bundle stores `<layer>.weight.int8` (int8) and `<layer>.weight.scale` (float32,
one per output channel) in place of `<layer>.weight`; `dequantize_state` turns them back into
float weights (w = int8 * scale), which both backends compute with (docs/ENGINE.md).
"""
from __future__ import annotations

import numpy as np

#: Clipping factors tried per output channel.
ALPHAS = np.linspace(0.5, 1.0, 26)
INT8_SUFFIX, SCALE_SUFFIX = ".weight.int8", ".weight.scale"


def dequantize_state(state: dict) -> dict:
    """A state dict with int8 weights (`<layer>.weight.int8` + `.weight.scale`, NumPy or
    torch) turned into float `<layer>.weight`; other entries unchanged. ValueError when a
    pair is incomplete or the scale does not fit."""
    out = {}
    for k, v in state.items():
        if k.endswith(SCALE_SUFFIX):
            if k[:-len(SCALE_SUFFIX)] + INT8_SUFFIX not in state:
                raise ValueError(f"{k} has no int8 weight")
            continue
        if not k.endswith(INT8_SUFFIX):
            out[k] = v
            continue
        base = k[:-len(INT8_SUFFIX)]
        scale = state.get(base + SCALE_SUFFIX)
        if scale is None or tuple(scale.shape) != (v.shape[0],):
            raise ValueError(f"{base}: int8 weight without a scale per output channel")
        if hasattr(v, "numpy") and not isinstance(v, np.ndarray):   # torch
            out[base + ".weight"] = v.float() * scale.float().view(-1, *([1] * (v.dim() - 1)))
        else:
            out[base + ".weight"] = (np.asarray(v, np.float32)
                                     * np.asarray(scale, np.float32).reshape(-1, *([1] * (v.ndim - 1))))
    return out


def _linear_inputs(model, frames, normalization, batch: int = 512):
    """Gram matrices X^T X (float64) of every nn.Linear's input over the frames, keyed by
    the module name; the token embedding's inputs are its spans (SpanEmbed)."""
    import torch
    import torch.nn.functional as F

    from .models import SpanEmbed
    from .normalize import normalize
    grams, hooks = {}, []

    def hook(name, mod):
        def f(_, inp, __):
            x = inp[0].detach()
            if isinstance(mod, SpanEmbed):   # (N, C, W) -> spans (N * tokens, C * span)
                pad = (mod.span - mod.patch) // 2
                x = F.pad(x, (pad, pad)).unfold(2, mod.span, mod.patch)   # (N, C, T, S)
                x = x.permute(0, 2, 1, 3).reshape(-1, mod.channels * mod.span)
            else:
                x = x.reshape(-1, x.shape[-1])
            x = x.double()
            grams[name] = grams.get(name, 0) + x.T @ x
        return f
    for name, mod in model.named_modules():
        if isinstance(mod, torch.nn.Linear):
            hooks.append(mod.register_forward_hook(hook(name, mod)))
    try:
        with torch.inference_mode():
            for i in range(0, len(frames), batch):
                # the maps path computes every token of every layer: every input is seen
                model(normalize(torch.from_numpy(frames[i:i + batch]), normalization),
                      return_attention=True)
    finally:
        for h in hooks:
            h.remove()
    return {k: v.numpy() for k, v in grams.items()}


def quantize_weight(w: np.ndarray, gram: np.ndarray):
    """(int8 (out, in), scale float32 (out,)) of a float weight, the clipping of each output
    channel chosen to minimise e G e^T."""
    w = np.asarray(w, np.float64)
    amax = np.abs(w).max(1)
    amax[amax == 0] = 1.0
    best_err = np.full(len(w), np.inf)
    best_scale = amax / 127
    for a in ALPHAS:
        s = a * amax / 127
        e = np.clip(np.round(w / s[:, None]), -127, 127) * s[:, None] - w
        err = np.einsum("oi,ij,oj->o", e, gram, e)
        better = err < best_err
        best_err[better], best_scale[better] = err[better], s[better]
    q = np.clip(np.round(w / best_scale[:, None]), -127, 127).astype(np.int8)
    return q, best_scale.astype(np.float32)


def quantize_model_state(model, frames: np.ndarray, normalization: str):
    """State dict of a transformer with its linear weights in int8 (per-channel scales chosen
    on `frames`, float32 (N, 2, W) raw IQ), and the names quantised."""
    import torch
    grams = _linear_inputs(model, frames, normalization)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    names = []
    for name, gram in sorted(grams.items()):
        key = f"{name}.weight"
        w = state[key].numpy()
        q, s = quantize_weight(w.reshape(w.shape[0], -1), gram)
        del state[key]
        state[name + INT8_SUFFIX] = torch.from_numpy(q.reshape(w.shape))
        state[name + SCALE_SUFFIX] = torch.from_numpy(s)
        names.append(name)
    return state, names
