"""Perturbations for live windows of complex samples, as the injector block makes them.

`WindowPerturber.perturb(windows)` takes complex windows (N, W) and returns the complex
perturbations to add, the achieved PSR of each and a status (perturbed, non-finite, no power,
or overflow: the perturbed window would leave float32, so nothing is added).
The budget is a PSR in dB against the power of the window being perturbed. White-box modes
(fgm, pgd) attack a bundle and use its own prediction on the clean window as the label to
move away from (an attacker who does not know what is sent), or a fixed class index.
"""
from __future__ import annotations

import numpy as np
import torch

from .attacks import apply_universal, gaussian, load_perturbation, perturbation_frame, psr_db
from .bundle import load_bundle
from .inference import check_windows
from .normalize import normalize
from .robustness import craft

MODES = ("off", "gaussian", "fgm", "pgd", "uap")
#: Attack power limits (PSR, dB): above +40 dB the "perturbation" is a transmitter 10,000
#: times the signal's power, which no attack study needs and which an over-the-air chain
#: must never be asked for; below -150 dB it is nothing. The C++ perturbation adder uses the
#: same limits (perturbation_adder_cc.h).
MAX_PSR_DB, MIN_PSR_DB = 40.0, -150.0


def check_psr_db(value) -> float:
    """A PSR in dB as the float32 the stream arithmetic uses, or ValueError: a real number
    (not a bool) within MIN_PSR_DB..MAX_PSR_DB after the conversion to float32."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                      np.floating)):
        raise ValueError(f"psr_db must be a real number, not {value!r}")
    with np.errstate(over="ignore"):
        v = float(np.float32(value))
    if not (MIN_PSR_DB <= v <= MAX_PSR_DB):   # also NaN and inf
        raise ValueError(f"psr_db {value!r} is outside {MIN_PSR_DB:g}..{MAX_PSR_DB:g} dB")
    return v


class WindowPerturber:
    """Makes perturbations for windows of a live stream (see module doc)."""

    #: OVERFLOW: the perturbed window would not fit float32 (a huge window at a high PSR);
    #: it passes unperturbed
    PERTURBED, NONFINITE, NO_POWER, OFF, OVERFLOW = 0, 1, 2, 3, 4

    def __init__(self, mode: str = "off", bundle=None, uap_file: str = "", pgd_steps: int = 10,
                 label: int = -1, random_shift: bool = True, seed: int = 0, window: int = 128):
        self.bundle = self.uap = None
        self.pgd_steps, self.label, self.random_shift = int(pgd_steps), int(label), random_shift
        self.window = int(window)
        if self.pgd_steps < 1:
            raise ValueError("pgd_steps must be >= 1")
        self._bundle_path, self._uap_file = bundle, uap_file
        self.gen = torch.Generator().manual_seed(int(seed))
        self.set_mode(mode)

    def set_mode(self, mode: str) -> None:
        """Switch mode, loading the bundle or UAP file it needs (errors leave the old mode)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; known: {', '.join(MODES)}")
        if mode in ("fgm", "pgd") and self.bundle is None:
            b = load_bundle(self._bundle_path or None)
            if b.window != self.window:
                raise ValueError(f"bundle window {b.window} != injector window {self.window}")
            if not -1 <= self.label < len(b.meta["classes"]):
                raise ValueError(f"label {self.label} is not a class index of the bundle")
            self.bundle = b
        if mode == "uap" and self.uap is None:
            if not self._uap_file:
                raise ValueError("mode uap needs a universal perturbation file (uap_file)")
            c, meta = load_perturbation(self._uap_file)
            if len(c) != self.window:
                raise ValueError(f"{self._uap_file}: perturbation length {len(c)} != window {self.window}")
            self.uap, self.uap_meta = perturbation_frame(c), meta
        self.mode = mode

    def perturb(self, windows: np.ndarray, psr: float):
        """complex (N, W) -> (delta complex64 (N, W), achieved PSR dB (N,), status int8 (N,))."""
        windows = np.asarray(windows, dtype=np.complex64)
        n = len(windows)
        delta = np.zeros_like(windows)
        achieved = np.full(n, -np.inf, dtype=np.float32)
        status = np.full(n, self.OFF if self.mode == "off" else self.PERTURBED, dtype=np.int8)
        if self.mode == "off" or n == 0:
            return delta, achieved, status
        windows, status, scale = check_windows(windows)   # statuses match: 0, 1, 2
        ok = status == self.PERTURBED
        if not ok.any():
            return delta, achieved, status
        w = windows[ok]
        x = torch.from_numpy(np.stack([w.real, w.imag], axis=1).astype(np.float32))
        if self.mode in ("fgm", "pgd"):
            b = self.bundle
            if self.label >= 0:
                y = torch.full((len(x),), self.label, dtype=torch.long)
            else:
                with torch.no_grad():
                    y = b.model(normalize(x, b.normalization)).argmax(1)
            d = torch.from_numpy(craft(b.model, b.normalization, x, y, self.mode, psr,
                                       pgd_steps=self.pgd_steps,
                                       seed=int(torch.randint(0, 2**31, (1,), generator=self.gen))))
        elif self.mode == "gaussian":
            d = gaussian(x, psr, generator=self.gen)
        else:
            shifts = (torch.randint(0, self.window, (len(x),), generator=self.gen)
                      if self.random_shift else None)
            d = apply_universal(x, self.uap, psr, shifts)
        achieved[ok] = psr_db(x, d).numpy()
        # windows scaled for float32 arithmetic get their perturbation scaled back; where that
        # (or the perturbed window) is beyond float32, nothing is added
        d = (d[:, 0] + 1j * d[:, 1]).numpy().astype(np.complex128) * scale[ok][:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            d32 = d.astype(np.complex64)
            out = windows[ok].astype(np.complex128) * scale[ok][:, None] + d
            fits = (np.isfinite(d32).all(axis=1)
                    & np.isfinite(out.astype(np.complex64)).all(axis=1))
        idx = np.flatnonzero(ok)
        delta[idx[fits]] = d32[fits]
        status[idx[~fits]] = self.OVERFLOW
        achieved[idx[~fits]] = -np.inf
        return delta, achieved, status
