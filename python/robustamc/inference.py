"""Batched inference on raw IQ windows with a bundle, as the live blocks use it.

Two backends give the same probabilities (docs/ENGINE.md): `engine`, gr-robustamc's C++
engine (no PyTorch; the default where it is installed and runs the bundle's architecture)
and `torch`, the reference. `backend=` or the ROBUSTAMC_BACKEND environment variable
chooses; `auto` takes the engine when it can.
"""
from __future__ import annotations

import os

import numpy as np

from .bundle import BundleError

#: Windows whose mean power is below this (linear, full scale 1.0) carry no signal to classify.
MIN_POWER = 1e-20
#: Above this mean power the model's float32 arithmetic (|x|^2 summed over a window) could
#: overflow; such windows are scaled to unit power in float64 first (the models are scale
#: invariant: every normalisation divides the scale out).
SAFE_POWER = 1e30

VALID, NONFINITE, NO_POWER = 0, 1, 2


def check_windows(windows: np.ndarray):
    """Status of complex windows (N, W) and windows safe for float32 arithmetic.

    Returns (windows, status int8 (N,), scale float64 (N,)): status VALID, NONFINITE (NaN/Inf
    samples) or NO_POWER (mean power under MIN_POWER); windows whose power is too large for
    float32 (a 1e30 spike, samples near the float maximum) are returned scaled to unit power
    (a copy; the input is never changed), and `scale` (1 elsewhere) multiplies them back."""
    windows = np.asarray(windows)
    n = windows.shape[0]
    status = np.zeros(n, dtype=np.int8)
    if windows.dtype == np.complex64 and windows.ndim == 2 and windows.flags.c_contiguous:
        # one pass: the power of each window; NaN/Inf samples (or overflow) make it
        # non-finite, and only those rows are looked at again
        v = windows.view(np.float32)
        with np.errstate(invalid="ignore", over="ignore"):
            power = np.einsum("ij,ij->i", v, v) / windows.shape[1]
        finite = np.ones(n, dtype=bool)
        odd = ~np.isfinite(power)
        if odd.any():
            finite[odd] = np.isfinite(windows[odd]).all(axis=1)
            with np.errstate(invalid="ignore", over="ignore"):
                power[odd] = np.mean(np.abs(windows[odd].astype(np.complex128)) ** 2, axis=1)
        power = power.astype(np.float64)
    else:
        finite = np.isfinite(windows).all(axis=1)  # complex: both parts finite
        with np.errstate(invalid="ignore", over="ignore"):
            power = np.mean(windows.real ** 2 + windows.imag ** 2, axis=1).astype(np.float64)
    status[~finite] = NONFINITE
    scale = np.ones(n)
    big = finite & ~(power <= SAFE_POWER)   # also catches float32 overflow to inf
    if big.any():
        w = windows[big].astype(np.complex128)
        scale[big] = np.sqrt(np.mean(w.real ** 2 + w.imag ** 2, axis=1))  # finite in float64
        power[big] = 1.0
        windows = windows.copy()
        windows[big] = (w / scale[big][:, None]).astype(windows.dtype)
    status[finite & ~(power > MIN_POWER)] = NO_POWER
    return windows, status, scale


BACKENDS = ("auto", "engine", "torch")
#: The environment variable that chooses the backend where the code does not.
BACKEND_ENV = "ROBUSTAMC_BACKEND"


def requested_backend(backend: str | None = None) -> str:
    """`backend`, else $ROBUSTAMC_BACKEND, else "auto"; ValueError for other names."""
    choice = (backend or os.environ.get(BACKEND_ENV) or "auto").strip().lower()
    if choice not in BACKENDS:
        raise ValueError(f"unknown inference backend {choice!r} (from "
                         f"{'the caller' if backend else BACKEND_ENV}); known: {', '.join(BACKENDS)}")
    return choice


class FrameClassifier:
    """Classifies windows of complex samples with a bundle (None/'' = shipped default).

    `classify` returns class probabilities for the valid windows and a status per window:
    0 = classified, 1 = non-finite samples, 2 = no power. Invalid windows are never guessed at.
    `backend` ("auto", "engine" or "torch"; default $ROBUSTAMC_BACKEND or auto) chooses who
    computes them; `self.backend` says who does, `self.fallback_reason` why not the engine.
    On the engine, `engine_blob` holds the weights blob it runs and `isa` its kernels (for
    the C++ blocks, which run their own engine); both are None on PyTorch.
    """

    VALID, NONFINITE, NO_POWER = VALID, NONFINITE, NO_POWER

    def __init__(self, bundle=None, device: str = "cpu", backend: str | None = None):
        choice = requested_backend(backend)
        self.fallback_reason = None
        self._native = self.model = None
        if choice != "torch" and str(device) == "cpu":
            from .engine import EngineUnavailable, NativeClassifier
            try:
                self._native = NativeClassifier(bundle)
            except EngineUnavailable as e:
                if choice == "engine":
                    raise BundleError(f"backend 'engine': {e}") from None
                self.fallback_reason = str(e)
        elif choice == "engine":
            raise ValueError(f"the engine runs on the CPU, not {device!r}")
        self.engine_blob = self.isa = None
        if self._native is not None:
            self.backend, self.meta = "engine", self._native.meta
            self.engine_blob, self.isa = self._native.blob, self._native.isa
        else:
            import torch

            from .bundle import load_bundle
            bundle_ = load_bundle(bundle, device=device)
            self.backend, self.meta, self.model = "torch", bundle_.meta, bundle_.model
            self.device = torch.device(device)
        self.window = self.meta["window"]
        self.classes = list(self.meta["classes"])
        self.name = self.meta["name"]
        self.normalization = self.meta["normalization"]

    def classify(self, windows: np.ndarray):
        """`windows`: complex (N, W). Returns (probs float32 (N, C), NaN rows if invalid; status int8 (N,))."""
        windows, status, _ = check_windows(windows)
        n = windows.shape[0]
        ok = status == self.VALID
        if not ok.any():
            return np.full((n, len(self.classes)), np.nan, dtype=np.float32), status
        every = bool(ok.all())  # the usual case: no masked copies in or out
        w = windows if every else windows[ok]
        p = self._native.classify(w) if self._native is not None else self._torch_probs(w)
        if every:
            return p, status
        probs = np.full((n, len(self.classes)), np.nan, dtype=np.float32)
        probs[ok] = p
        return probs, status

    def _torch_probs(self, w: np.ndarray) -> np.ndarray:
        import torch

        from .normalize import normalize
        x = torch.from_numpy(np.stack([w.real, w.imag], axis=1).astype(np.float32, copy=False))
        with torch.inference_mode():
            x = normalize(x.to(self.device), self.normalization)
            return torch.softmax(self.model(x), dim=1).cpu().numpy()
