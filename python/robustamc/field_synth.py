"""The `field` synthesiser preset: the 11 classes as real receivers deliver them.

RadioML 2016.10a (the `rml2016` preset, robustamc.synth) fixes 8 samples per symbol, RRC
roll-off 0.35, FSK index 0.5 and a carrier within 100 Hz. Real transmitters pick their own
symbol rates, roll-offs and deviations, real receivers are off frequency and add their own
impairments, and the wideband scanner hands over each signal with the errors its estimates
leave. This preset draws every one of those per frame from a documented range
(`FieldConfig`, docs/DATA.md "The field preset"), sized to the model-input convention in
docs/ARCHITECTURE.md with margin.

Pulses are evaluated in closed form at each sample (no integer upsampling), so the symbol
rate is continuous. Same interface as `Synthesizer`: `random`, `frames`, `describe`.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch

from .constants import CLASSES, SAMPLE_RATE, WINDOW
from .spectrum.condition import channel_response
from .synth import _MARGIN, CONSTELLATIONS, Synthesizer, _cplx, _interp


@dataclass(frozen=True)
class FieldConfig:
    """Ranges drawn per frame (uniform unless noted); frequencies in Hz at the model rate
    (200 kHz). Each field says why it has its value."""

    # Symbol rate: samples per symbol, log-uniform. 4-16 is what the field issue asks for;
    # the scanner's convention (occupied bandwidth ~20 % of the rate, +-25 % estimation error,
    # roll-off 0.2-0.5) leaves 4.5-11, inside it.
    sps: tuple = (4.0, 16.0)
    # RRC roll-off of the linear modulations: 0.2 (DVB-S2, LTE-like) to 0.5 (older links).
    rolloff: tuple = (0.2, 0.5)
    rrc_span: int = 8                   # RRC length in symbols
    # CPFSK / GFSK modulation index and GFSK BT: from narrow GMSK-like (0.3) to wide FSK (1.0);
    # BT 0.3 (GSM) to 0.5 (Bluetooth).
    fsk_h: tuple = (0.3, 1.0)
    gfsk_bt: tuple = (0.3, 0.5)
    # Analog audio: the audio's time scale relative to speech sampled at the model rate, so
    # SSB occupies about 3-40 kHz and AM twice that: hand-tuned voice and broadcast AM at
    # the low end, and the scanner's convention (every signal resampled to fill 15-25 % of
    # the rate, 30-50 kHz) inside the range.
    audio_scale: tuple = (1.0, 12.5)
    am_index: tuple = (0.3, 1.0)        # AM-DSB modulation depth
    # SSB: the lower sideband in this share of frames (amateur HF below 10 MHz), the upper in
    # the rest; the receiver's carrier lies anywhere from the suppressed carrier (tuned by
    # hand) to the middle of the occupied band (where the scanner centres any signal, as it
    # cannot know the carrier), as a share of the way.
    ssb_lower_prob: float = 0.5
    ssb_centring: tuple = (0.0, 1.0)
    # WBFM peak deviation: 10 kHz (broadcast FM resampled by the scanner to fill 15-25 % of
    # the rate) to 75 kHz (broadcast FM at 200 kHz, RadioML's); audio time scale as above,
    # bounded by the channel.
    wbfm_dev_hz: tuple = (10e3, 75e3)
    # The audio is scaled so that its peak over a pitch period is its loudness (0.3-1.0 outside
    # pauses), so that am_index and wbfm_dev_hz are the depth and deviation a transmitter's
    # limiter allows, reached at full loudness. Until 2026-12-04 (False) the harmonics'
    # amplitudes summed to the loudness and their random phases left the peak at 0.4-0.6 of it:
    # AM was 6-48 % deep and WBFM 2-36 kHz in deviation (median 14 kHz), never a broadcast
    # station's 75 kHz nor the 80 % of GNU Radio's AM chains.
    audio_true_peak: bool = True
    # WBFM pre-emphasis time constant (us): broadcast FM lifts the treble before the limiter,
    # 50 us in Europe and 75 us in the Americas (GNU Radio's wfm_tx); 0 is none. Applied to
    # the audio before its peak is set, so the deviation limit holds.
    wbfm_preemphasis_us: tuple = (0.0, 75.0)
    pause_prob: float = 0.25            # audio pauses (near-silent frames), as rml2016
    pause_gain: tuple = (0.003, 0.03)
    # Carrier: a residual offset after the scanner or a hand-tuned radio (a 10-50 ppm RTL-SDR
    # at 433 MHz is off by 4-20 kHz before correction); +-4 kHz is twice the field issue's
    # +-2 kHz, and drift within a frame as an LO warming up, Hz over the 128 samples.
    cfo_max_hz: float = 4000.0
    drift_max_hz: float = 100.0
    # Sample-clock offset of the receiver against the transmitter (ppm), as cheap crystals.
    sro_max_ppm: float = 100.0
    # Multipath and fading: rml2016's three Rician taps, with a random delay spread.
    path_delays: tuple = (0.0, 0.9, 1.7)
    path_gains: tuple = (1.0, 0.8, 0.3)
    rician_k: tuple = (1.0, 10.0)
    max_start: float = 16.0             # random frame start (samples, fractional)
    # Receiver: LO phase noise as a random walk (rad per sample, std), IQ gain imbalance (dB)
    # and phase skew (degrees), DC offset (relative to the received RMS) in a share of frames.
    phase_noise: tuple = (0.0, 0.02)
    iq_gain_db: float = 1.0
    iq_phase_deg: float = 5.0
    dc_prob: float = 0.5
    dc_max: float = 0.1
    # 8-bit quantisation after an AGC (RTL-SDR): in a share of frames, the RMS sits 8-20 dB
    # below full scale (clipping the peaks of some), then rounding to 127 levels per rail.
    quant_prob: float = 0.5
    quant_backoff_db: tuple = (8.0, 20.0)
    quant_levels: int = 127
    # A weaker signal in the adjacent channel: in a share of frames, 10-25 dB below, centred
    # 35-48 % of the rate away (what a channel filter leaves of a neighbour).
    adjacent_prob: float = 0.2
    adjacent_db: tuple = (-25.0, -10.0)
    adjacent_offset: tuple = (0.35, 0.48)
    # A channel filter in front of the model, in a share of frames: the scanner's (flat to
    # +-0.2 of the rate, nothing from +-0.3; robustamc.spectrum.condition) or the low-pass a
    # user puts before the classifier in a flowgraph, so the noise beyond it is gone. Flat to
    # +-band_limit_pass of the rate, then a raised-cosine edge band_limit_transition wide; the
    # noise keeps its power in the window, so the SNR keeps its meaning. Models trained on
    # white noise alone named such frames far worse at low SNR although they hold no more
    # noise (docs/DATA.md). 0 in the preset, so its grids and every figure measured on them
    # stay as they were; training turns it on (robustamc-train --band-limit-prob).
    band_limit_prob: float = 0.0
    band_limit_pass: tuple = (0.2, 0.45)
    band_limit_transition: float = 0.1

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}


FIELD = FieldConfig()
_SPAN_GFSK = 3   # symbols either side a Gaussian frequency pulse reaches (BT >= 0.3)
RES = 256        # points per symbol of the tabulated RRC pulse


def rrc(tau: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
    """Root-raised-cosine pulse at `tau` symbols, roll-off `beta` (broadcast), peak 1 + ..."""
    eps = 1e-4
    t = torch.where(tau.abs() < eps, torch.full_like(tau, eps), tau)
    x = 4 * beta * t
    t = torch.where((x.abs() - 1).abs() < 1e-3, t + 2e-3 / (4 * beta), t)  # off 1/(4 beta)
    x = 4 * beta * t
    num = torch.sin(math.pi * t * (1 - beta)) + x * torch.cos(math.pi * t * (1 + beta))
    return num / (math.pi * t * (1 - x * x))


class FieldSynthesizer:
    """Frames of the 11 classes with per-frame symbol rate, pulse, carrier and receiver
    impairments drawn from `FieldConfig` (see module doc)."""

    preset = "field"

    def __init__(self, config: FieldConfig = FIELD, window: int = WINDOW,
                 device: str | torch.device = "cpu"):
        self.cfg = config
        self.window = window
        self.device = torch.device(device)
        self._gen_len = window + 2 * _MARGIN
        self._const = {k: torch.tensor(v, dtype=torch.complex64, device=self.device)
                       for k, v in CONSTELLATIONS.items()}

    def describe(self) -> dict:
        return {"generator": "robustamc.field_synth", "preset": self.preset,
                "window": self.window, "sample_rate": SAMPLE_RATE, "field": self.cfg.to_dict()}

    #: `n` frames with labels and SNRs drawn uniformly; returns (x, y, snr) tensors.
    random = Synthesizer.random

    def frames(self, y, snr_db, generator: torch.Generator, return_params: bool = False):
        """Frames (N, 2, window) float32 for class indices `y` and SNRs `snr_db` (dB); with
        `return_params`, also the per-frame draws (a dict of (N,) tensors) for tests."""
        g = generator
        y = torch.as_tensor(y).long().cpu()
        snr_db = torch.as_tensor(snr_db).float().cpu()
        n = y.numel()
        c = self.cfg
        sps = torch.exp(self._uniform(n, *map(math.log, c.sps), g=g))
        params = {"sps": sps}
        out = torch.zeros(n, self._gen_len, dtype=torch.complex64)
        for ci, name in enumerate(CLASSES):
            idx = (y == ci).nonzero().flatten()
            if idx.numel():
                out[idx] = self._modulate(name, sps[idx], g, params, idx, n)
        rx = self._channel(out, g, params)
        if c.adjacent_prob > 0:
            rx = rx + self._adjacent(rx, g, params)
        rx = self._awgn(rx, snr_db, g, params)
        rx = self._receiver(rx, g, params)
        x = torch.stack([rx.real, rx.imag], dim=1).float().to(self.device)
        return (x, params) if return_params else x

    # ------------------------------------------------------------------ draws
    @staticmethod
    def _uniform(n, lo, hi, g):
        return lo + (hi - lo) * torch.rand(n, generator=g)

    def _param(self, params, key, idx, n, values):
        """Record a per-frame draw for the frames `idx` (NaN for the others)."""
        if key not in params:
            params[key] = torch.full((n,), float("nan"))
        params[key][idx] = values

    # ------------------------------------------------------------------ modulators
    def _modulate(self, name, sps, g, params, idx, n_all):
        if name in self._const:
            beta = self._uniform(len(sps), *self.cfg.rolloff, g=g)
            self._param(params, "rolloff", idx, n_all, beta)
            return self._linear(self._const[name], sps, beta, g)
        if name in ("CPFSK", "GFSK"):
            h = self._uniform(len(sps), *self.cfg.fsk_h, g=g)
            bt = self._uniform(len(sps), *self.cfg.gfsk_bt, g=g) if name == "GFSK" else None
            self._param(params, "fsk_h", idx, n_all, h)
            if bt is not None:
                self._param(params, "gfsk_bt", idx, n_all, bt)
            return self._fsk(sps, h, bt, g)
        return self._analog(name, len(sps), g, params, idx, n_all)

    def _symbol_grid(self, sps, span):
        """For every sample n (of the generated length) and every symbol k near it: the
        symbol index (N, L, K) and the pulse argument tau = n / sps - k in symbols."""
        n_idx = torch.arange(self._gen_len, dtype=torch.float32)
        pos = n_idx[None, :] / sps[:, None]                      # (N, L) in symbols
        k0 = pos.floor()
        ks = k0[..., None] + torch.arange(-span, span + 1, dtype=torch.float32)  # (N, L, K)
        return ks.long() + span, pos[..., None] - ks               # symbol index >= 0

    def _rrc_table(self):
        """RRC pulses tabulated once: rows for roll-offs on a 0.01 grid over the configured
        range, RES points per symbol over |tau| <= span + 1. The nearest entry is within
        1.5e-3 of the closed form (-57 dB of the pulse's peak, under 8-bit quantisation);
        looking it up is several times faster than evaluating the closed form per sample."""
        if getattr(self, "_table", None) is None:
            lo, hi = self.cfg.rolloff
            self._betas = torch.linspace(lo, hi, max(2, int(round((hi - lo) / 0.01)) + 1))
            half = self.cfg.rrc_span // 2 + 1
            tau = torch.arange(-half * RES, half * RES + 1, dtype=torch.float64) / RES
            self._table = rrc(tau[None, :], self._betas[:, None].double()).float()
            self._table_half = half
        return self._table

    def _linear(self, const, sps, beta, g):
        """sum_k a_k p(n / sps - k) at every generated sample n, for the K = rrc_span + 1
        symbols whose pulse reaches it; `beta` is rounded to the table's 0.01 grid."""
        span = self.cfg.rrc_span // 2
        table = self._rrc_table()
        n, width = len(sps), table.shape[1]
        pos = torch.arange(self._gen_len, dtype=torch.float32)[None, :] / sps[:, None]  # (N, L)
        k0 = pos.floor()
        r = torch.round((pos - k0) * RES).long()            # the fractional part, in entries
        j = torch.arange(-span, span + 1)
        row = torch.bucketize(beta, (self._betas[1:] + self._betas[:-1]) / 2)
        idx = (r + (row * width + self._table_half * RES)[:, None])[..., None] - j * RES
        p = torch.take(table, idx)                           # p(frac - j), (N, L, K)
        k = k0.long()[..., None] + j + span                  # symbol indices, >= 0
        nsym = int(k.max()) + 1
        sym = const[torch.randint(const.numel(), (n, nsym), generator=g)]
        a = torch.gather(sym, 1, k.flatten(1)).view(k.shape)
        return (a * p).sum(-1)

    def _fsk(self, sps, h, bt, g):
        """Continuous-phase FSK: frequency = sum_k b_k * pulse(n/sps - k), where the pulse is
        the unit rectangle (CPFSK) or its Gaussian-smoothed version (GFSK, bandwidth-time
        product `bt`); the phase advances pi*h per symbol at full deviation."""
        span = _SPAN_GFSK
        k, tau = self._symbol_grid(sps, span)
        nsym = int(k.max()) + 1
        bits = torch.randint(2, (len(sps), nsym), generator=g).float() * 2 - 1
        b = torch.gather(bits, 1, k.flatten(1)).view(k.shape)
        if bt is None:
            pulse = ((tau >= -0.5) & (tau < 0.5)).float()
        else:
            c = (math.pi * math.sqrt(2 / math.log(2)) * bt)[:, None, None]
            pulse = 0.5 * (torch.erf(c * (tau + 0.5)) - torch.erf(c * (tau - 0.5)))
        freq = (b * pulse).sum(-1)
        # the symbol grid starts at sample 0 with tau = 0: shift by half a symbol so that a
        # rectangle covers whole symbols; the cumulative phase is what matters
        phase = torch.cumsum(freq.double() * (math.pi * h[:, None].double() / sps[:, None]), 1)
        phase = phase + 2 * math.pi * torch.rand(len(sps), 1, generator=g, dtype=torch.float64)
        return torch.polar(torch.ones_like(phase), phase).to(torch.complex64)

    def _audio(self, n, g, scale, preemphasis_s=None):
        """Speech-like audio as rml2016 makes it (harmonics of a pitch under two formants,
        pauses), its frequencies multiplied by `scale` (n,); with `preemphasis_s` (n,) the
        audio goes through a first-order pre-emphasis of that time constant first."""
        c = self.cfg
        k = 24
        u = lambda *s: torch.rand(*s, generator=g)  # noqa: E731
        f0 = 85 + 170 * u(n, 1)
        harm = torch.arange(1, k + 1).float()
        f = f0 * harm
        f1, f2 = 300 + 600 * u(n, 1), 900 + 1600 * u(n, 1)
        env = 1 + 4 * torch.exp(-((f - f1) / 150) ** 2) + 3 * torch.exp(-((f - f2) / 250) ** 2)
        amp = env / harm.sqrt() * (f < 4000).float()
        amp = amp / amp.sum(dim=1, keepdim=True)
        lo, hi = c.pause_gain
        pause = u(n, 1) < c.pause_prob
        loud = torch.where(pause, lo + (hi - lo) * u(n, 1), 0.3 + 0.7 * u(n, 1))
        ph = 2 * math.pi * u(n, k)
        if preemphasis_s is not None:
            # H(f) = 1 + j 2 pi f tau, at the audio's own frequencies (before `scale`)
            w = 2 * math.pi * f * preemphasis_s[:, None]
            amp, ph = amp * torch.sqrt(1 + w * w), ph + torch.atan(w)
        if c.audio_true_peak:
            # the harmonics repeat every pitch period: their sum over one period at 256
            # points (an inverse FFT of the harmonics' phasors), and its peak
            spec = torch.zeros(n, 129, dtype=torch.complex64)
            spec[:, 1:k + 1] = torch.polar(amp * 128, ph)
            wave = torch.fft.irfft(spec, n=256, dim=1)
            amp = amp / wave.abs().amax(dim=1, keepdim=True)
        amp = amp * loud
        return f * scale[:, None], amp, ph

    def _analog(self, name, n, g, params, idx, n_all):
        c = self.cfg
        scale = self._uniform(n, *c.audio_scale, g=g)
        self._param(params, "audio_scale", idx, n_all, scale)
        tau = None
        if name == "WBFM" and c.wbfm_preemphasis_us[1] > 0:
            tau = self._uniform(n, *c.wbfm_preemphasis_us, g=g)
            self._param(params, "wbfm_preemphasis_us", idx, n_all, tau)
            tau = tau * 1e-6
        f, amp, ph = self._audio(n, g, scale, tau)
        t = torch.arange(self._gen_len).float() / SAMPLE_RATE
        arg = 2 * math.pi * f.unsqueeze(-1) * t + ph.unsqueeze(-1)   # (n, K, L)
        a = amp.unsqueeze(-1)
        if name == "AM-DSB":
            mi = self._uniform(n, *c.am_index, g=g)[:, None]
            env = 1 + mi * (a * torch.cos(arg)).sum(1)
            sig = torch.complex(env, torch.zeros_like(env))
        elif name == "AM-SSB":
            lower = torch.rand(n, generator=g) < c.ssb_lower_prob
            side = torch.where(lower, -1.0, 1.0)
            # the middle of the band holding 99 % of the audio's power (harmonics ascend)
            pw = amp ** 2
            cum = pw.cumsum(1) / pw.sum(1, keepdim=True)
            lo = f.gather(1, (cum < 0.005).sum(1, keepdim=True).clamp_max(f.shape[1] - 1))
            hi = f.gather(1, (cum < 0.995).sum(1, keepdim=True).clamp_max(f.shape[1] - 1))
            shift = side * self._uniform(n, *c.ssb_centring, g=g) * (lo + hi)[:, 0] / 2
            self._param(params, "ssb_lower", idx, n_all, lower.float())
            self._param(params, "ssb_shift_hz", idx, n_all, -shift)
            sig = torch.complex((a * torch.cos(arg)).sum(1), side[:, None] * (a * torch.sin(arg)).sum(1))
            sig = sig * torch.exp(-2j * math.pi * shift[:, None] * t)
        elif name == "WBFM":
            dev = self._uniform(n, *c.wbfm_dev_hz, g=g)
            self._param(params, "wbfm_dev_hz", idx, n_all, dev)
            beta = dev[:, None, None] / f.unsqueeze(-1)
            half = math.pi * f.unsqueeze(-1) * t
            phase = (2 * a * beta * torch.cos(arg - half) * torch.sin(half)).sum(1)
            sig = torch.polar(torch.ones_like(phase), phase)
        else:
            raise ValueError(f"unknown class {name!r}")
        return (sig * torch.exp(2j * math.pi * torch.rand(n, 1, generator=g))).to(torch.complex64)

    # ------------------------------------------------------------------ channel
    def _channel(self, s, g, params):
        """Fractional start, sample-clock offset, Rician multipath, carrier offset and drift."""
        c = self.cfg
        n, w = s.shape[0], self.window
        u = lambda *sh: torch.rand(*sh, generator=g)  # noqa: E731
        ppm = (2 * u(n, 1) - 1) * c.sro_max_ppm * 1e-6
        t0 = (_MARGIN - c.max_start / 2) / 2 + c.max_start * u(n, 1)
        t = t0 + torch.arange(w).float() * (1 + ppm)
        k = c.rician_k[0] + (c.rician_k[1] - c.rician_k[0]) * u(n, 1)
        rx = torch.zeros(n, w, dtype=torch.complex64)
        for i, (delay, gain) in enumerate(zip(c.path_delays, c.path_gains)):
            scatter = _cplx(torch.randn(n, 1, generator=g), torch.randn(n, 1, generator=g))
            scatter = scatter / math.sqrt(2)
            if i == 0:
                los = torch.exp(2j * math.pi * u(n, 1))
                tap = torch.sqrt(k / (k + 1)) * los + torch.sqrt(1 / (k + 1)) * scatter
            else:
                tap = scatter
            rx = rx + gain * tap * _interp(s, t - delay)
        cfo = (2 * u(n, 1) - 1) * c.cfo_max_hz
        drift = (2 * u(n, 1) - 1) * c.drift_max_hz
        params["cfo_hz"], params["drift_hz"] = cfo[:, 0], drift[:, 0]
        nn = torch.arange(w).float()
        # frequency cfo + drift * (n / w): phase = 2 pi (cfo n + drift n^2 / (2 w)) / fs
        phase = 2 * math.pi * (cfo * nn + drift * nn * nn / (2 * w)) / SAMPLE_RATE
        return rx * torch.polar(torch.ones_like(phase), phase)

    def _adjacent(self, rx, g, params):
        """A weaker QPSK neighbour in a share of frames (zero elsewhere)."""
        c = self.cfg
        n, w = rx.shape
        on = torch.rand(n, generator=g) < c.adjacent_prob
        params["adjacent"] = on
        if not on.any():
            return torch.zeros_like(rx)
        m = int(on.sum())
        sps = torch.exp(self._uniform(m, *map(math.log, c.sps), g=g))
        beta = self._uniform(m, *c.rolloff, g=g)
        s = self._linear(self._const["QPSK"], sps, beta, g)[:, :w]
        side = torch.where(torch.rand(m, generator=g) < 0.5, -1.0, 1.0)
        off = side * self._uniform(m, *c.adjacent_offset, g=g)            # cycles per sample
        level = 10 ** (self._uniform(m, *c.adjacent_db, g=g) / 20)
        p_rx = rx[on].abs().pow(2).mean(1)
        p_s = s.abs().pow(2).mean(1).clamp_min(1e-12)
        gain = (level * torch.sqrt(p_rx / p_s))[:, None]
        nn = torch.arange(w).float()
        mix = torch.polar(torch.ones(m, w), 2 * math.pi * off[:, None] * nn[None, :])
        out = torch.zeros_like(rx)
        out[on] = (gain * s * mix).to(torch.complex64)
        return out

    def _awgn(self, rx, snr_db, g, params):
        """Noise for the SNR as rml2016 defines it (signal power after the channel, noise
        over the full band)."""
        p_s = rx.abs().pow(2).mean(dim=1, keepdim=True)
        sigma = torch.sqrt(p_s / 10 ** (snr_db.view(-1, 1) / 10) / 2)
        noise = _cplx(torch.randn(rx.shape, generator=g), torch.randn(rx.shape, generator=g))
        if self.cfg.band_limit_prob > 0:
            noise = self._band_limited(noise, g, params)
        return rx + sigma * noise

    def _band_limited(self, noise, g, params):
        """The noise of a share of frames through a channel filter, at its power before."""
        c = self.cfg
        n, w = noise.shape
        on = torch.rand(n, generator=g) < c.band_limit_prob
        edge = self._uniform(n, *c.band_limit_pass, g=g)
        params["band_limit"] = torch.where(on, edge, torch.full_like(edge, float("nan")))
        f = torch.fft.fftfreq(w).abs()[None, :]
        h = channel_response(f, edge[:, None], edge[:, None] + c.band_limit_transition)
        h = h / h.pow(2).mean(1, keepdim=True).sqrt()
        limited = torch.fft.ifft(torch.fft.fft(noise) * h)
        return torch.where(on[:, None], limited.to(noise.dtype), noise)

    def _receiver(self, rx, g, params):
        """Phase noise, IQ imbalance, DC offset, then AGC and 8-bit quantisation."""
        c = self.cfg
        n, w = rx.shape
        u = lambda *sh: torch.rand(*sh, generator=g)  # noqa: E731
        pn = (c.phase_noise[0] + (c.phase_noise[1] - c.phase_noise[0]) * u(n, 1))
        walk = torch.cumsum(pn * torch.randn(n, w, generator=g), dim=1)
        rx = rx * torch.polar(torch.ones_like(walk), walk)
        # IQ imbalance: I and Q rails amplified by sqrt(r) and 1/sqrt(r) (gain ratio r in dB)
        # and the Q rail's LO skewed by phi
        r = 10 ** ((2 * u(n, 1) - 1) * c.iq_gain_db / 20)
        phi = torch.deg2rad((2 * u(n, 1) - 1) * c.iq_phase_deg)
        i, q = rx.real, rx.imag
        rx = torch.complex(i * r.sqrt(), (q * torch.cos(phi) + i * torch.sin(phi)) / r.sqrt())
        rms = rx.abs().pow(2).mean(1, keepdim=True).sqrt()
        dc_on = (u(n, 1) < c.dc_prob).float()
        dc = dc_on * c.dc_max * u(n, 1) * rms * torch.exp(2j * math.pi * u(n, 1))
        rx = rx + dc
        quant = u(n, 1) < c.quant_prob
        params["quantised"] = quant[:, 0]
        if quant.any():
            backoff = 10 ** ((c.quant_backoff_db[0] + (c.quant_backoff_db[1] - c.quant_backoff_db[0])
                              * u(n, 1)) / 20)
            rms = rx.abs().pow(2).mean(1, keepdim=True).sqrt().clamp_min(1e-12)
            full = rms * backoff                 # the AGC puts the RMS this far below full scale
            L = c.quant_levels
            qi = torch.round((rx.real / full).clamp(-1, 1) * L) / L * full
            qq = torch.round((rx.imag / full).clamp(-1, 1) * L) / L * full
            rx = torch.where(quant, torch.complex(qi, qq), rx)
        return rx
