"""Conditioning detected signals into the model-input convention (docs/ARCHITECTURE.md):
each one moved to 0 Hz, filtered, and resampled so that its occupied bandwidth fills
TARGET_FILL of the model's rate, with the noise the filter took away put back at the level
of the noise beside the signal (noise fill), so that the model sees white noise, as it was
trained.

`Channelizer` does it for any number of signals at once by fast convolution (overlap-save):
one FFT of each input block serves every signal, each of which takes the bins around its
centre, weights them by its channel filter and returns to the time domain with a short
inverse FFT at its own output rate. The mixing, the filter and the resampling are that one
step, so the cost per signal is a small fraction of the shared FFT.
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np

#: Occupied bandwidth as a fraction of the model's rate after conditioning (40 kHz at 200 kHz:
#: a 35 % roll-off RRC signal at 6.75 samples per symbol, inside the field preset's 4-16).
TARGET_FILL = 0.2
#: The channel filter passes +-PASS of the output rate flat and is zero from +-STOP. Flat
#: over one bandwidth each side of the centre (twice the nominal band: the first spectra
#: underestimate a signal whose skirts are under the floor, CPFSK at 10 dB or speech, and
#: cutting those skirts made the models take CPFSK for GFSK), nothing from 1.5 bandwidths.
#: Until 2026-12-04 it passed +-0.4 and stopped at +-0.5, so a neighbour up to 2.5 bandwidths
#: away reached the model: the default then called an 8PSK signal beside a QPSK, GFSK or WBFM
#: one QPSK in nearly every decision, and named 86-92 % of the random scenes' signals right
#: at 20-25 dB.
PASS = 0.2
STOP = 0.3
#: Percentile of the per-bin power (one FFT of the input block) around a channel that the
#: noise fill takes as the noise level: low enough to land between signals in a busy band.
FILL_PERCENTILE = 20.0


def channel_response(f, pass_edge: float = PASS, stop_edge: float = STOP):
    """The channel filter at |f| (fractions of the output rate; a NumPy array or a torch
    tensor): 1 up to `pass_edge`, a raised-cosine edge, 0 from `stop_edge`. The scanner's
    channel, and the band limit the field synthesiser puts on a share of its frames."""
    t = ((f - pass_edge) / (stop_edge - pass_edge)).clip(0, 1) * math.pi
    return 0.5 * (1 + (t.cos() if hasattr(t, "cos") else np.cos(t)))


def _fast_size(n: int) -> int:
    """The smallest multiple of 4 >= n with no prime factor above 5."""
    m = (n + 3) // 4 * 4
    while True:
        k = m
        for f in (2, 3, 5):
            while k % f == 0:
                k //= f
        if k == 1:
            return m
        m += 4


@dataclass
class _Channel:
    center_bin: int
    bins: int                  # M: output samples per input block of N
    response: np.ndarray       # (M,) channel filter over the selected bins, fftshifted order
    fill: np.ndarray           # (M,) amplitude of the noise put back: sqrt(1 - response^2)
    filled: np.ndarray         # indices of the bins where that is above 0
    rng: np.random.Generator
    next_block: int            # index of the next input block to extract
    first_sample: int          # input sample of this channel's output sample 0
    noise: float | None = None  # running estimate of the noise power per input FFT bin


class Channelizer:
    """Extracts channels from a complex stream at `in_rate`.

    `add(key, center_hz, bandwidth_hz, first_sample)` opens a channel whose output rate is
    `bandwidth_hz / fill` (so the signal fills `fill` of it), from `first_sample` on when the
    last `history_blocks` input blocks still hold it; `process(x)` returns {key: new output
    samples} for every open channel; `out_rate(key)` and `sample_of(key, i)` map output
    sample i back to the input stream. Centres are rounded to the FFT's bins (in_rate / nfft,
    62.5 Hz at 2.048 Msps with the default size).

    With `noise_fill` (the default), what the channel filter removes is replaced by white
    noise at the level of the noise around the channel (the median over four output bands of
    a low percentile of the block's spectrum in 512-bin segments, followed block to block;
    a segment a signal fills is outvoted), drawn from a generator seeded
    by `seed` and the channel's order of opening: every model is trained on white noise, and
    with the noise outside the band taken away it named QPSK at 6 dB in 26 % of windows
    instead of 84 % (docs/reports/field/band_limited_qpsk.md). The SNR in the signal's band
    is unchanged; a neighbour stays removed."""

    def __init__(self, in_rate: float, nfft: int = 1 << 15, overlap: float = 0.25,
                 fill: float = TARGET_FILL, history_blocks: int = 8,
                 noise_fill: bool = True, seed: int = 0):
        if not (np.isfinite(in_rate) and in_rate > 0):
            raise ValueError(f"sample rate must be a positive number of Hz, got {in_rate!r}")
        self.rate, self.N, self.fill = float(in_rate), int(nfft), float(fill)
        self.V = int(round(self.N * overlap / 4)) * 4     # samples each block overlaps the last
        self.H = self.N - self.V                          # new samples per block
        # the filter is zero-phase, so its circular wrap reaches both ends of a block: each
        # block starts V/2 samples before the H it delivers and ends V/2 after them
        self._buf = np.zeros(self.V // 2, np.complex64)
        self._blocks = deque(maxlen=history_blocks)       # (block index, spectrum)
        self._next = 0                                    # index of the next block to make
        self.channels: dict = {}
        self.noise_fill, self._seed, self._opened = bool(noise_fill), int(seed), 0
        self._levels_of: dict = {}                         # block index: noise levels

    def add(self, key, center_hz: float, bandwidth_hz: float, first_sample: int = 0) -> float:
        """Open a channel; returns its output rate (Hz)."""
        if not (np.isfinite(bandwidth_hz) and bandwidth_hz > 0):
            raise ValueError(f"bandwidth must be a positive number of Hz, got {bandwidth_hz!r}")
        out = min(bandwidth_hz / self.fill, self.rate)
        # bins for that rate, rounded up to a size whose inverse FFT is fast (2^a 3^b 5^c, a
        # multiple of 4 so that the block's wrap-around cut is whole samples)
        m = min(self.N, _fast_size(max(16, int(np.ceil(self.N * out / self.rate)))))
        k = np.arange(m) - m // 2
        f = np.abs(k) / m                                  # fraction of the output rate
        resp = channel_response(f)
        block = max(int(first_sample) // self.H, self._blocks[0][0] if self._blocks else self._next)
        centre = int(round(center_hz / self.rate * self.N))
        rng = np.random.default_rng((self._seed, self._opened))
        self._opened += 1
        fill = np.sqrt(1 - resp ** 2).astype(np.float32)
        self.channels[key] = _Channel(centre, m, resp.astype(np.float32), fill,
                                      np.flatnonzero(fill > 0), rng, block, block * self.H)
        return m * self.rate / self.N

    def remove(self, key) -> None:
        self.channels.pop(key, None)

    def out_rate(self, key) -> float:
        return self.channels[key].bins * self.rate / self.N

    def center_hz(self, key) -> float:
        return self.channels[key].center_bin * self.rate / self.N

    def sample_of(self, key, i) -> float:
        """Input sample index of output sample `i` of channel `key`."""
        ch = self.channels[key]
        return ch.first_sample + i * self.N / ch.bins

    def process(self, x: np.ndarray) -> dict:
        """Feed input samples; returns {key: output samples made now} (open channels)."""
        self._buf = np.concatenate((self._buf, np.asarray(x, np.complex64)))
        new = []
        while len(self._buf) >= self.N:
            new.append((self._next, np.fft.fft(self._buf[:self.N])))
            self._next += 1
            self._buf = self._buf[self.H:]
        blocks = list(self._blocks) + new   # the history, then every block made now
        self._blocks.extend(new)
        self._levels_of = {j: v for j, v in self._levels_of.items() if j >= blocks[0][0]} \
            if blocks else {}
        out = {}
        for key, ch in self.channels.items():
            pieces = [self._extract(ch, j, spec) for j, spec in blocks if j >= ch.next_block]
            ch.next_block = max(ch.next_block, self._next)
            out[key] = np.concatenate(pieces) if pieces else np.zeros(0, np.complex64)
        return out

    def _extract(self, ch: _Channel, j: int, spec: np.ndarray) -> np.ndarray:
        """Output of block j (input samples j*H - V/2 ... j*H - V/2 + N) for one channel: its
        bins, filtered, back to time at M/N of the input rate, the circular-wrap parts cut
        (what remains is input samples j*H ... j*H + H)."""
        m, n = ch.bins, self.N
        idx = (ch.center_bin + np.arange(m) - m // 2) % n
        sel = spec[idx] * ch.response
        if self.noise_fill:
            sel = sel + self._fill_noise(ch, j, spec)
        sel = np.fft.ifftshift(sel)                          # bin 0 = the channel's centre
        y = np.fft.ifft(sel) * (m / n)
        # the block's time origin is its first sample: rotate so that the mixing phase is
        # continuous from block to block (x[k] exp(-2 pi i c k / N) for the stream's k)
        y *= np.exp(-2j * np.pi * ((ch.center_bin * (j * self.H - self.V // 2)) % n) / n)
        a = self.V // 2 * m // n                             # the circular-wrap samples
        return y[a:a + self.H * m // n].astype(np.complex64)

    def _fill_noise(self, ch: _Channel, j: int, spec: np.ndarray) -> np.ndarray:
        """White noise in the bins the filter attenuated, at the noise level around the
        channel: the median over four output bands (at least 2048 bins) of the block's
        per-segment noise levels (`_levels`), followed across blocks."""
        n = self.N
        half = min(n // 2, max(2 * ch.bins, 1024))
        lev, seg = self._levels(j, spec)
        a = (ch.center_bin - half) // seg
        b = (ch.center_bin + half) // seg
        est = float(np.median(lev[np.arange(a, b) % len(lev)]))
        ch.noise = est if ch.noise is None else 0.8 * ch.noise + 0.2 * est
        k = ch.filled                       # the bins the filter attenuates
        g = ch.rng.standard_normal((2, len(k)), dtype=np.float32)
        out = np.zeros(ch.bins, np.complex64)
        out[k] = (g[0] + 1j * g[1]) * (ch.fill[k] * np.float32(math.sqrt(ch.noise / 2)))
        return out

    def _levels(self, j: int, spec: np.ndarray) -> tuple[np.ndarray, int]:
        """Noise level of block j in each segment of 512 bins (fewer for a small FFT): the
        `FILL_PERCENTILE` of |X|^2 there, which is -ln(1 - p) of the mean for noise
        (exponential per bin). Made once per block for every channel; a median over
        segments ignores the few a signal fills."""
        if j not in self._levels_of:
            seg = min(512, self.N // 4)
            power = np.abs(spec[:self.N // seg * seg].reshape(-1, seg)) ** 2
            p = FILL_PERCENTILE / 100
            k = int(round(p * (seg - 1)))
            self._levels_of[j] = (np.partition(power, k, axis=1)[:, k] / -math.log(1 - p), seg)
        return self._levels_of[j]
