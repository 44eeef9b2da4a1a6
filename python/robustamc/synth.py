"""RadioML 2016.10a-style synthesiser: 11 modulations through a dynamic channel.

Everything is vectorised PyTorch, so it runs on the CPU or a GPU, and it is seeded: the same
labels, SNRs and seed give the same frames on the same machine.

SNR definition (precise): for every frame, SNR_dB = 10*log10(P_s / sigma^2), where
P_s = mean over the frame's 128 samples of |s[n]|^2 of the received signal *after* every
channel effect except noise, and sigma^2 = E|w[n]|^2 of the complex white Gaussian noise over
the full 200 kHz sample bandwidth (sigma^2/2 per I and Q). For the digital classes at
8 samples per symbol, Es/N0 is therefore about SNR + 9 dB.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .constants import (CLASSES, PRESETS, RRC_ROLLOFF, SAMPLE_RATE, SAMPLES_PER_SYMBOL,
                        SNRS_DB, WINDOW)


@dataclass(frozen=True)
class ChannelConfig:
    """Impairments of the dynamic channel (our choices, close to RadioML's GNU Radio model).

    Frequencies in Hz at the model rate, delays in samples, sample-rate offset in ppm.
    """

    cfo_max_hz: float = 100.0          # carrier frequency offset, uniform in +-max
    sro_max_ppm: float = 250.0         # sample-rate offset, uniform in +-max
    path_delays: tuple = (0.0, 0.9, 1.7)   # multipath tap delays (samples)
    path_gains: tuple = (1.0, 0.8, 0.3)    # multipath tap mean amplitudes
    rician_k: float = 4.0              # LOS-to-scatter power ratio of the first tap
    max_start: float = 8.0             # random frame start (samples, fractional)

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


@dataclass(frozen=True)
class ModulationConfig:
    """Per-class parameters of the synthesiser (documented in docs/DATA.md)."""

    sps: int = SAMPLES_PER_SYMBOL
    rolloff: float = RRC_ROLLOFF
    rrc_span: int = 8                  # RRC length in symbols
    cpfsk_h: float = 0.5               # binary CPFSK modulation index, rectangular pulse
    gfsk_h: float = 0.5                # binary GFSK modulation index
    gfsk_bt: float = 0.35              # Gaussian filter bandwidth-time product
    wbfm_dev_hz: float = 75e3          # WBFM peak deviation
    am_index: tuple = (0.5, 1.0)       # AM-DSB modulation index range
    pause_prob: float = 0.25           # probability that an audio frame falls in a pause
    pause_gain: tuple = (0.003, 0.03)  # audio level in a pause, relative to speech


DEFAULT_CHANNEL = ChannelConfig()
DEFAULT_MODULATION = ModulationConfig()
_MARGIN = 24  # extra samples generated around the window for delays, start and SRO


def rrc_taps(sps: int, rolloff: float, span: int) -> np.ndarray:
    """Root-raised-cosine taps, unit energy, `span` symbols long."""
    t = np.arange(-span * sps / 2, span * sps / 2 + 1) / sps
    taps = np.empty_like(t)
    for i, ti in enumerate(t):
        if abs(ti) < 1e-12:
            taps[i] = 1 - rolloff + 4 * rolloff / math.pi
        elif rolloff > 0 and abs(abs(4 * rolloff * ti) - 1) < 1e-9:
            taps[i] = rolloff / math.sqrt(2) * (
                (1 + 2 / math.pi) * math.sin(math.pi / (4 * rolloff))
                + (1 - 2 / math.pi) * math.cos(math.pi / (4 * rolloff)))
        else:
            taps[i] = (math.sin(math.pi * ti * (1 - rolloff))
                       + 4 * rolloff * ti * math.cos(math.pi * ti * (1 + rolloff))) / (
                math.pi * ti * (1 - (4 * rolloff * ti) ** 2))
    return taps / np.sqrt(np.sum(taps ** 2))


def gaussian_taps(sps: int, bt: float, span: int = 4) -> np.ndarray:
    """Gaussian frequency-pulse filter, unit sum."""
    t = np.arange(-span * sps / 2, span * sps / 2 + 1) / sps
    alpha = math.sqrt(math.log(2) / 2) / bt
    g = np.exp(-(math.pi * t / alpha) ** 2)
    return g / g.sum()


def _square_qam(m: int) -> np.ndarray:
    k = int(round(math.sqrt(m)))
    levels = np.arange(-(k - 1), k, 2, dtype=np.float64)
    pts = (levels[:, None] + 1j * levels[None, :]).ravel()
    return pts


CONSTELLATIONS = {
    "BPSK": np.array([-1.0, 1.0], dtype=np.complex128),
    "QPSK": np.exp(1j * (np.pi / 4 + np.pi / 2 * np.arange(4))),
    "8PSK": np.exp(2j * np.pi * np.arange(8) / 8),
    "PAM4": np.array([-3.0, -1.0, 1.0, 3.0], dtype=np.complex128),
    "QAM16": _square_qam(16),
    "QAM64": _square_qam(64),
}
CONSTELLATIONS = {k: v / np.sqrt(np.mean(np.abs(v) ** 2)) for k, v in CONSTELLATIONS.items()}


def _cplx(re: torch.Tensor, im: torch.Tensor) -> torch.Tensor:
    return torch.complex(re.float(), im.float())


def _pulse_shape(values: torch.Tensor, taps: torch.Tensor, sps: int) -> torch.Tensor:
    """Upsample real `values` (n, nsym) by `sps` and filter with `taps` (one conv_transpose)."""
    return F.conv_transpose1d(values.unsqueeze(1), taps.view(1, 1, -1), stride=sps).squeeze(1)


class Synthesizer:
    """Makes frames of the 11 classes through the dynamic channel.

    >>> syn = Synthesizer()
    >>> x, y, snr = syn.random(1024, seed=1)   # x: (1024, 2, 128) float32, not normalised
    """

    def __init__(self, channel: ChannelConfig = DEFAULT_CHANNEL,
                 modulation: ModulationConfig = DEFAULT_MODULATION,
                 window: int = WINDOW, device: str | torch.device = "cpu"):
        self.channel = channel
        self.mod = modulation
        self.window = window
        self.device = torch.device(device)
        m = modulation
        self._rrc = torch.tensor(rrc_taps(m.sps, m.rolloff, m.rrc_span), dtype=torch.float32,
                                 device=self.device)
        g = np.convolve(gaussian_taps(m.sps, m.gfsk_bt), np.ones(m.sps))
        self._gauss_rect = torch.tensor(g / g.sum() * m.sps, dtype=torch.float32,
                                        device=self.device)
        self._const = {k: torch.tensor(v, dtype=torch.complex64, device=self.device)
                       for k, v in CONSTELLATIONS.items()}
        self._gen_len = window + 2 * _MARGIN

    # ------------------------------------------------------------------ public API
    preset = "rml2016"

    def describe(self) -> dict:
        """Everything that defines the data, for dataset and bundle metadata."""
        return {"generator": "robustamc.synth", "preset": self.preset, "window": self.window,
                "sample_rate": SAMPLE_RATE, "channel": self.channel.to_dict(),
                "modulation": {k: list(v) if isinstance(v, tuple) else v
                               for k, v in asdict(self.mod).items()}}

    def random(self, n: int, seed: int, classes=None, snrs_db=None):
        """`n` frames with labels and SNRs drawn uniformly; returns (x, y, snr) tensors."""
        g = torch.Generator(device="cpu").manual_seed(int(seed))
        classes = list(range(len(CLASSES))) if classes is None else list(classes)
        snrs_db = list(SNRS_DB) if snrs_db is None else list(snrs_db)
        y = torch.tensor(classes)[torch.randint(len(classes), (n,), generator=g)]
        snr = torch.tensor(snrs_db)[torch.randint(len(snrs_db), (n,), generator=g)]
        return self.frames(y, snr, generator=g), y, snr

    def frames(self, y: torch.Tensor, snr_db: torch.Tensor,
               generator: torch.Generator) -> torch.Tensor:
        """Frames (N, 2, window) float32 for class indices `y` and SNRs `snr_db` (dB)."""
        y = torch.as_tensor(y).long().cpu()
        snr_db = torch.as_tensor(snr_db).float().cpu()
        n = y.numel()
        out = torch.empty(n, self._gen_len, dtype=torch.complex64, device=self.device)
        for c, name in enumerate(CLASSES):
            idx = (y == c).nonzero().flatten()
            if idx.numel():
                out[idx.to(self.device)] = self._modulate(name, idx.numel(), generator)
        rx = self._channel(out, generator)
        rx = self._awgn(rx, snr_db.to(self.device), generator)
        return torch.stack([rx.real, rx.imag], dim=1).float()

    # ------------------------------------------------------------------ modulators
    def _rand(self, *shape, g):
        return torch.rand(*shape, generator=g).to(self.device)

    def _modulate(self, name: str, n: int, g: torch.Generator) -> torch.Tensor:
        if name in self._const:
            return self._linear(self._const[name], n, g)
        if name in ("CPFSK", "GFSK"):
            return self._fsk(name, n, g)
        return self._analog(name, n, g)

    def _nsym(self, ntaps: int) -> int:
        return (self._gen_len + ntaps) // self.mod.sps + 2

    def _linear(self, const: torch.Tensor, n: int, g) -> torch.Tensor:
        ntaps = self._rrc.numel()
        idx = torch.randint(const.numel(), (n, self._nsym(ntaps)), generator=g).to(self.device)
        sym = const[idx]
        re = _pulse_shape(sym.real, self._rrc, self.mod.sps)
        im = _pulse_shape(sym.imag, self._rrc, self.mod.sps)
        start = ntaps  # skip the filter's start-up transient
        return _cplx(re, im)[:, start:start + self._gen_len]

    def _fsk(self, name: str, n: int, g) -> torch.Tensor:
        m = self.mod
        nsym = self._nsym(self._gauss_rect.numel())
        bits = torch.randint(2, (n, nsym), generator=g).to(self.device).float() * 2 - 1
        h = m.cpfsk_h if name == "CPFSK" else m.gfsk_h
        if name == "CPFSK":
            freq = bits.repeat_interleave(m.sps, dim=1)
        else:
            freq = _pulse_shape(bits, self._gauss_rect, m.sps)
        # phase advances pi*h per symbol: pi*h/sps per sample at full frequency deviation
        phase = torch.cumsum(freq.double() * (math.pi * h / m.sps), dim=1)
        phase = phase + 2 * math.pi * self._rand(n, 1, g=g).double()
        start = self._gauss_rect.numel()
        phase = phase[:, start:start + self._gen_len]
        return torch.polar(torch.ones_like(phase), phase).to(torch.complex64)

    def _audio_components(self, n: int, g):
        """Speech-like voiced audio: harmonics of a pitch shaped by two formants, with pauses.

        A 128-sample frame lasts 0.64 ms at 200 kHz, shorter than one pitch period, so each
        frame sees a short piece of a harmonic waveform; pauses give near-silent frames.
        Returns frequencies (n, K) in Hz, amplitudes (n, K), phases (n, K); sum(amp) <= 1.
        """
        k = 24
        f0 = 85 + 170 * self._rand(n, 1, g=g)
        harm = torch.arange(1, k + 1, device=self.device).float()
        f = f0 * harm
        f1 = 300 + 600 * self._rand(n, 1, g=g)
        f2 = 900 + 1600 * self._rand(n, 1, g=g)
        env = (1 + 4 * torch.exp(-((f - f1) / 150) ** 2) + 3 * torch.exp(-((f - f2) / 250) ** 2))
        amp = env / harm.sqrt() * (f < 4000).float()
        amp = amp / amp.sum(dim=1, keepdim=True)
        loud = 0.3 + 0.7 * self._rand(n, 1, g=g)
        lo, hi = self.mod.pause_gain
        pause = self._rand(n, 1, g=g) < self.mod.pause_prob
        quiet = lo + (hi - lo) * self._rand(n, 1, g=g)
        amp = amp * torch.where(pause, quiet, loud)
        phase = 2 * math.pi * self._rand(n, k, g=g)
        return f, amp, phase

    def _analog(self, name: str, n: int, g) -> torch.Tensor:
        f, amp, ph = self._audio_components(n, g)
        t = torch.arange(self._gen_len, device=self.device).float() / SAMPLE_RATE
        arg = 2 * math.pi * f.unsqueeze(-1) * t + ph.unsqueeze(-1)  # (n, K, L)
        a = amp.unsqueeze(-1)
        if name == "AM-DSB":
            lo, hi = self.mod.am_index
            mi = lo + (hi - lo) * self._rand(n, 1, g=g)
            env = 1 + mi * (a * torch.cos(arg)).sum(1)
            sig = torch.complex(env, torch.zeros_like(env))
        elif name == "AM-SSB":
            # upper sideband, suppressed carrier: audio + j*Hilbert(audio), exact for sinusoids
            sig = torch.complex((a * torch.cos(arg)).sum(1), (a * torch.sin(arg)).sum(1))
        elif name == "WBFM":
            # phase = 2*pi*dev*integral(audio) = sum(a*dev/f*sin(arg)); taken relative to the
            # frame start as 2*cos(mid)*sin(half-difference) to keep float32 precision
            beta = self.mod.wbfm_dev_hz / f.unsqueeze(-1)
            half = math.pi * f.unsqueeze(-1) * t
            mid = arg - half
            phase = (2 * a * beta * torch.cos(mid) * torch.sin(half)).sum(1)
            sig = torch.polar(torch.ones_like(phase), phase)
        else:
            raise ValueError(f"unknown class {name!r}")
        carrier = torch.exp(2j * math.pi * self._rand(n, 1, g=g))
        return sig * carrier

    # ------------------------------------------------------------------ channel
    def _channel(self, s: torch.Tensor, g) -> torch.Tensor:
        """Fractional start, sample-rate offset, Rician multipath, CFO and phase."""
        ch = self.channel
        n, w = s.shape[0], self.window
        ppm = (2 * self._rand(n, 1, g=g) - 1) * ch.sro_max_ppm * 1e-6
        t0 = _MARGIN / 2 + ch.max_start * self._rand(n, 1, g=g)
        t = t0 + torch.arange(w, device=self.device).float() * (1 + ppm)   # (n, w)
        k = ch.rician_k
        rx = torch.zeros(n, w, dtype=torch.complex64, device=self.device)
        for i, (delay, gain) in enumerate(zip(ch.path_delays, ch.path_gains)):
            scatter = _cplx(torch.randn(n, 1, generator=g), torch.randn(n, 1, generator=g))
            scatter = scatter.to(self.device) / math.sqrt(2)
            if i == 0:  # line of sight on the first tap
                los = torch.exp(2j * math.pi * self._rand(n, 1, g=g))
                tap = math.sqrt(k / (k + 1)) * los + math.sqrt(1 / (k + 1)) * scatter
            else:
                tap = scatter
            rx = rx + gain * tap * _interp(s, t - delay)
        cfo = (2 * self._rand(n, 1, g=g) - 1) * ch.cfo_max_hz / SAMPLE_RATE
        nn = torch.arange(w, device=self.device).float()
        return rx * torch.exp(2j * math.pi * cfo * nn)

    def _awgn(self, rx: torch.Tensor, snr_db: torch.Tensor, g) -> torch.Tensor:
        p_s = rx.abs().pow(2).mean(dim=1, keepdim=True)
        sigma = torch.sqrt(p_s / 10 ** (snr_db.view(-1, 1) / 10) / 2)
        noise = _cplx(torch.randn(rx.shape, generator=g), torch.randn(rx.shape, generator=g))
        return rx + sigma * noise.to(self.device)


def _interp(s: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Linear interpolation of complex rows `s` (n, L) at fractional positions `t` (n, w)."""
    i0 = t.floor().long().clamp(0, s.shape[1] - 2)
    frac = (t - i0.float()).clamp(0, 1)
    a = torch.gather(s, 1, i0)
    b = torch.gather(s, 1, i0 + 1)
    return a + (b - a) * frac


def make_synthesizer(preset: str = "rml2016", **kw):
    """A synthesiser for a preset name; keyword arguments go to its constructor."""
    if preset == "rml2016":
        return Synthesizer(**kw)
    if preset == "field":
        from .field_synth import FieldSynthesizer
        return FieldSynthesizer(**kw)
    raise ValueError(f"unknown synthesiser preset {preset!r}; known: {', '.join(PRESETS)}")
