"""Synthetic wideband scenes: several signals of the 11 classes at their own symbol rates,
frequencies, levels and on/off times in white noise, with the truth, for testing and
measuring the scanner (no GNU Radio; the GNU Radio tests build scenes from its own
modulators).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np
import torch

from ..constants import CLASSES, SAMPLE_RATE
from ..field_synth import FIELD, FieldSynthesizer

#: The field preset with every impairment off: the scene adds its own noise and offsets.
_CLEAN = dataclasses.replace(
    FIELD, cfo_max_hz=0.0, drift_max_hz=0.0, sro_max_ppm=0.0, rician_k=(1e6, 1e6),
    path_gains=(1.0, 0.0, 0.0), phase_noise=(0.0, 0.0), iq_gain_db=0.0, iq_phase_deg=0.0,
    dc_prob=0.0, quant_prob=0.0, adjacent_prob=0.0, pause_prob=0.0, rolloff=(0.35, 0.35),
    fsk_h=(0.5, 0.5), gfsk_bt=(0.35, 0.35), am_index=(0.8, 0.8), wbfm_dev_hz=(75e3, 75e3))


#: WBFM in a scene is what the class names on air: broadcast FM, 75 kHz peak deviation and
#: audio to 15 kHz. 99 % of its power lies in 60-145 kHz (median 98 kHz, 20 draws), with the
#: synthesiser's speech loudness; GNU Radio's wfm_tx, a full-scale tone, fills about 140 kHz.
#: Until 2026-12-04 its deviation was half the scene's symbol-rate draw: 13-40 kHz wide, a
#: narrowband FM.
BROADCAST_FM = {"deviation_hz": 75e3, "audio_hz": 15e3}
#: the half-width a scene leaves free around a WBFM signal: Carson's rule
BROADCAST_FM_HALF_HZ = BROADCAST_FM["deviation_hz"] + BROADCAST_FM["audio_hz"]


@dataclass
class SceneSignal:
    """One signal of a scene: `rate_hz` is the symbol rate of a digital class, or sets the
    audio's time scale for AM-DSB and AM-SSB; WBFM is broadcast FM whatever `rate_hz`
    (BROADCAST_FM); the truth records the occupied bandwidth measured on the signal as made
    (99 % of its power)."""

    label: str
    center_hz: float
    rate_hz: float
    snr_db: float                   # in its own occupied bandwidth
    start_s: float = 0.0
    stop_s: float | None = None     # None: to the end



def make_scene(rate: float, duration_s: float, signals: list[SceneSignal], seed: int = 0,
               noise_power: float = 1.0, modulate=None) -> tuple[np.ndarray, list[dict]]:
    """complex64 samples of `duration_s` at `rate` and the truth: one dict per signal
    (label, center_hz, bandwidth_hz, snr_db, start_s, stop_s). `modulate(signal, n, rate,
    seed)` makes each signal's n samples at 0 Hz (default: the field synthesiser; the
    scanner's table passes GNU Radio's stock modulators)."""
    n = int(round(duration_s * rate))
    rng = np.random.default_rng(seed)
    x = ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) * math.sqrt(noise_power / 2)
         ).astype(np.complex64)
    truth = []
    for i, s in enumerate(signals):
        a = int(round(s.start_s * rate))
        b = n if s.stop_s is None else min(n, int(round(s.stop_s * rate)))
        if b <= a:
            continue
        sig = np.asarray((modulate or _modulated)(s, b - a, rate, seed * 1000 + i), np.complex64)
        bw, mid = occupied_band(sig, rate)
        p = noise_power * bw / rate * 10 ** (s.snr_db / 10)
        sig *= math.sqrt(p / np.mean(np.abs(sig) ** 2))
        t = np.arange(a, b) / rate
        x[a:b] += (sig * np.exp(2j * np.pi * s.center_hz * t)).astype(np.complex64)
        # the centre is the middle of the occupied band, as a spectrum shows it (an SSB
        # signal's lies half its bandwidth beside its suppressed carrier)
        truth.append({"label": s.label, "center_hz": s.center_hz + mid, "bandwidth_hz": bw,
                      "snr_db": s.snr_db, "start_s": a / rate, "stop_s": b / rate})
    return x, truth


def occupied_band(x: np.ndarray, rate: float, share: float = 0.99,
                  nfft: int = 0) -> tuple[float, float]:
    """(occupied bandwidth, the middle of that span as an offset from 0 Hz), Hz: the span
    holding `share` of the power of `x` (ITU-R SM.328, (1 - share) / 2 left out on each
    side), from a Welch spectrum of `nfft` bins (0: bins of 125 Hz or less, as long as `x`
    allows: the window's own spread, about 2 bins, then adds under 5 % to a 10 kHz signal
    at any rate; 4096 bins at 8 Msps made it 15 % wider)."""
    if nfft == 0:
        fine = np.ceil(np.log2(rate / 125.0))
        nfft = int(2 ** max(6, min(fine, np.floor(np.log2(max(len(x), 1))))))
    m = len(x) // nfft * nfft
    if m == 0:
        raise ValueError("too short for the spectrum")
    seg = x[:m].reshape(-1, nfft) * np.hanning(nfft)
    p = np.fft.fftshift(np.mean(np.abs(np.fft.fft(seg, axis=1)) ** 2, axis=0))
    c = np.cumsum(p) / p.sum()
    lo, hi = np.searchsorted(c, (1 - share) / 2), np.searchsorted(c, 1 - (1 - share) / 2)
    return float((hi - lo + 1) * rate / nfft), float(((lo + hi) / 2 - nfft / 2) * rate / nfft)


def _modulated(s: SceneSignal, n: int, rate: float, seed: int) -> np.ndarray:
    """n samples of one signal at `rate` (Hz), made in pieces of at most 2**16 samples
    with the synthesiser's closed-form pulses (continuous symbol rate)."""
    cls = CLASSES.index(s.label)
    sps = rate / s.rate_hz
    # analog: the synthesiser's audio is speech at SAMPLE_RATE; scale it so that the
    # bandwidth matches rate_hz (AM: 2 x 4 kHz audio = 8 kHz at scale 1)
    scale = s.rate_hz * 1.35 / 8e3 * SAMPLE_RATE / rate
    dev = BROADCAST_FM["deviation_hz"] * SAMPLE_RATE / rate
    if s.label == "WBFM":   # the synthesiser's speech reaches 4 kHz at scale 1
        scale = BROADCAST_FM["audio_hz"] / 4e3 * SAMPLE_RATE / rate
    cfg = dataclasses.replace(_CLEAN, sps=(sps, sps), audio_scale=(scale, scale),
                              wbfm_dev_hz=(dev, dev))
    out, done, piece = [], 0, 1 << 16
    gen = torch.Generator().manual_seed(seed)
    while done < n:
        m = min(piece, n - done)
        syn = FieldSynthesizer(cfg, window=m)
        x = syn.frames(torch.tensor([cls]), torch.tensor([200.0]), gen)
        out.append((x[0, 0] + 1j * x[0, 1]).numpy())
        done += m
    return np.concatenate(out)[:n]
