"""Finding signals in a wideband stream: a running power spectrum, its noise floor, regions
above the floor, and tracks that make each signal one detection from its start to its end.

No GNU Radio, NumPy only. `Detector.process(samples)` takes any number of samples and
returns the tracks that started, were updated and ended in them (see `Track`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np


@dataclass(frozen=True)
class DetectorConfig:
    """Settings of the detector; frequencies are fractions of the sample rate unless named
    in Hz. Defaults suit 1-20 Msps radios carrying 10-500 kbaud signals."""

    # FFT size; 0: the power of two giving bins nearest `bin_hz` (4096 at 2.048 and 2.4 Msps,
    # 16384 at 8 Msps), so that a 10 kbaud signal spans the same bins at any rate
    nfft: int = 0
    bin_hz: float = 500.0
    average: int = 4                 # FFTs per spectrum (Welch; 8 ms at 2.048 Msps)
    smoothing: float = 1.0           # weight of each new spectrum in a running average (1: none,
                                     # so a signal's end is seen within one spectrum)
    threshold_db: float = 8.0        # a bin above floor + this seeds a region
    extend_db: float = 4.0           # ... and bins above floor + this extend it (hysteresis)
    floor_window: float = 0.25       # width of the sliding window the floor is estimated in
    floor_percentile: float = 20.0   # percentile of the spectrum within that window
    gap_bins: int = 4                # regions closer than this are one signal
    # A region no wider than a pure tone's main lobe in the Blackman-Harris window (8 bins,
    # whatever its level: the side lobes are 92 dB down) is a carrier or a DC spike, not a
    # modulated signal; signals need 10 kbaud or more at the default 500 Hz bins.
    tone_bins: int = 11
    # ... and so is a wider region holding 99 % of its power in a tone's main-lobe core (5 bins
    # for the window, 6 with a margin): a strong carrier whose phase-noise skirt rises above
    # the floor further out than its main lobe
    tone_core_bins: int = 6
    sidelobe_db: float = 15.0        # a region this much weaker than a neighbour's peak,
    sidelobe_reach: float = 4.0      # within this many of its bandwidths, and mirrored on its
                                     # other side, is that neighbour's side lobe
    # An AM carrier's sidebands can stand apart from it as regions of their own: regions in
    # mirror-image pairs about a carrier line, weaker than it and within this share of the
    # rate, are one signal with it (a tone has no such pairs).
    mirror_reach: float = 0.125
    # Regions overlapping a track's band (its centre +- this many bandwidths: its occupied
    # band widened by a quarter) are that signal's fragments, and regions overlapping
    # `near` bandwidths but not that start a track only after `near_spectra` spectra in a row:
    # an FM or SSB spectrum throws off brief fragments beside it, a burst beside a wide
    # signal stays. Regions overlapping the span a confirmed track's regions covered over
    # its last 16 spectra are its fragments too.
    absorb: float = 0.625
    near: float = 1.0
    near_spectra: int = 6
    on_spectra: int = 2              # spectra in a row a region must be seen to start a track
    off_spectra: int = 3             # spectra without it before a track ends
    guard: float = 0.02              # band edges (fraction of the rate) left out (filter roll-off)
    # A carrier (a tone region) is followed over time: its spectra summed, it is a modulated
    # signal when that sum holds more than 1 % of its power beyond the tone's core (an AM
    # signal whose sidebands stay under the threshold in every single spectrum: shallow or
    # quiet audio), judged after `carrier_spectra` spectra and every 4 after; and a tone at
    # the carrier of a live track keeps the track alive (an AM signal in an audio pause is its
    # bare carrier, still the same signal). Never at 0 Hz (a DC spike).
    carrier_spectra: int = 12
    # A track's occupied bandwidth (what its events report) is measured on the spectra it was
    # seen in, summed: over its region widened by this many of the region's widths on each side
    # (cut halfway to a neighbour), where a speech-modulated signal's faint skirts, under the
    # floor in any one spectrum, hold a few per cent of its power
    occupied_reach: float = 1.0
    carrier_reach: float = 3.0       # ... times this for a signal with a carrier line (AM)


@dataclass
class Track:
    """One detected signal. Frequencies are offsets from the stream's centre (Hz)."""

    id: int
    center_hz: float
    bandwidth_hz: float
    snr_db: float
    start: int                       # first sample of the first spectrum it was seen in
    stop: int                        # last sample of the latest spectrum it was seen in
    seen: int = 1                    # spectra it was seen in
    missed: int = 0                  # spectra in a row without it
    confirmed: bool = False
    needs: int = 0                   # spectra in a row it must be seen in to be confirmed
    # (center, bandwidth, snr, first bin, last bin) of its latest spectra
    history: list = field(default_factory=list, repr=False)
    extent: tuple = (0.0, 0.0)       # median first and last bin of those spectra's regions
    excess: np.ndarray | None = field(default=None, repr=False)   # sum of spectrum - floor
    summed: int = 0                  # spectra in that sum
    occupied: tuple | None = None    # (centre, bandwidth) Hz, fixed when it ends (Detector.occupied)
    carrier: int | None = None       # bin of its carrier line (AM), if half its spectra or
    lines: int = 0                   # more show one; spectra that showed one
    fine: tuple | None = None        # (centre, bandwidth) Hz in the fine spectrum: a signal
                                     # too narrow for the bins (Detector._fine_look)


@dataclass
class _Carrier:
    """A tone being followed: is it a carrier with modulation under the threshold?"""

    peak: int                        # bin of its line
    start: int                       # first sample of the first spectrum it was seen in
    stop: int
    excess: np.ndarray               # sum of spectrum - floor over the spectra it was seen in
    summed: int = 1
    missed: int = 0
    fine: np.ndarray | None = None   # the same in the fine spectrum, around its line


@dataclass
class Region:
    lo: int                          # first bin (in fftshifted order)
    hi: int                          # last bin, inclusive
    center_bin: float
    bandwidth_bins: float
    snr_db: float
    peak: float = 0.0                # largest spectrum / floor ratio in it
    level: float = 0.0               # mean ratio over it
    carrier: int | None = None       # bin of a carrier line at its centre (AM), if any


class Detector:
    """Running spectrum, noise floor and signal tracks of a complex stream at `samp_rate`."""

    def __init__(self, samp_rate: float, config: DetectorConfig = DetectorConfig()):
        if not (np.isfinite(samp_rate) and samp_rate > 0):
            raise ValueError(f"sample rate must be a positive number of Hz, got {samp_rate!r}")
        if config.nfft == 0:
            config = replace(config, nfft=auto_nfft(samp_rate, config.bin_hz))
        if config.nfft < 16 or config.average < 1:
            raise ValueError("nfft must be 0 (automatic) or >= 16, and average >= 1")
        self.rate, self.cfg = float(samp_rate), config
        self.win = _blackman_harris(config.nfft).astype(np.float32)
        self.enbw = float(np.sum(self.win ** 2) / np.sum(self.win) ** 2 * config.nfft)
        # the fine spectrum: one FFT over a whole block (`average` times finer bins), made
        # only while tones are followed; its noise per bin is `average` times the coarse one's
        self.fine_q = config.average
        self.win_fine = _blackman_harris(config.nfft * config.average).astype(np.float32)
        self.fine_scale = float(np.sum(self.win_fine ** 2) / np.sum(self.win ** 2))
        self._fine = None
        self.block = config.nfft * config.average
        self._buf = np.zeros(0, np.complex64)
        self._pos = 0                   # sample index of _buf[0]
        self.psd = None                 # running average spectrum (fftshifted, linear)
        self.floor = None               # noise floor per bin (linear)
        self.tracks: list[Track] = []
        self._recent: list[tuple] = []  # (id, start, stop, first bin, last bin) of ended tracks
        self._tones: list[int] = []     # peak bins of this spectrum's tone regions
        self._carriers: list[_Carrier] = []
        self._next_id = 1
        self.counters = dict(spectra=0, nonfinite_blocks=0, regions=0, tones_rejected=0,
                             sidebands_joined=0, sidelobes_rejected=0, carriers_modulated=0,
                             tracks_started=0, tracks_ended=0)

    # ------------------------------------------------------------------ spectra
    def bin_hz(self, b: float) -> float:
        """Frequency offset (Hz) of fftshifted bin position `b`."""
        return (b - self.cfg.nfft / 2) * self.rate / self.cfg.nfft

    def process(self, x: np.ndarray):
        """Feed samples; returns (started, updated, ended) lists of tracks for the spectra
        completed by them. Started tracks are confirmed ones seen for the first time."""
        self._buf = np.concatenate((self._buf, np.asarray(x, np.complex64)))
        started, updated, ended = [], [], []
        while len(self._buf) >= self.block:
            blk, self._buf = self._buf[:self.block], self._buf[self.block:]
            start = self._pos
            self._pos += self.block
            if not np.isfinite(blk).all():
                # a block with NaN/Inf says nothing about the band: skip it, count it
                self.counters["nonfinite_blocks"] += 1
                continue
            s, u, e = self._spectrum(blk, start)
            started += s
            updated += u
            ended += e
        return started, updated, ended

    def _spectrum(self, blk, start):
        c = self.cfg
        f = np.fft.fft(blk.reshape(c.average, c.nfft) * self.win, axis=1)
        p = np.fft.fftshift(np.mean(np.abs(f) ** 2, axis=0)).astype(np.float64)
        self.psd = p if self.psd is None else (1 - c.smoothing) * self.psd + c.smoothing * p
        floor = self._floor(self.psd)
        self.floor = floor if self.floor is None else 0.8 * self.floor + 0.2 * floor
        self.counters["spectra"] += 1
        regions = self._regions(self.psd, self.floor)
        self._excess = self.psd - self.floor   # what each track seen in it adds to its sum
        self._fine = None
        if self.fine_q > 1 and (self._carriers or any(abs(k - c.nfft // 2) > 2
                                                      for k in self._tones)):   # not DC
            f = np.fft.fftshift(np.abs(np.fft.fft(blk * self.win_fine)) ** 2)
            k = np.arange(len(f)) / self.fine_q                 # the same frequency, coarse
            self._fine = f - np.interp(k, np.arange(c.nfft), self.floor) * self.fine_scale
        return self._track(regions, start, start + self.block - 1)

    def _floor(self, psd):
        """Noise floor per bin: a low percentile of the spectrum in a sliding window (so a
        band whose floor tilts, as an RTL-SDR's does at its edges, is followed), taken twice:
        the second time over the bins that the first found no signal in. In a busy band the
        first percentile still holds signal bins and reads 10-20 % high, which hides a
        signal's faint skirts (an AM signal's 0.5 % edges lie in them)."""
        c = self.cfg
        first = self._percentile_floor(psd, None)
        if not (psd > first * 10 ** (c.threshold_db / 10)).any():
            return first                 # nothing above the threshold: nothing to leave out
        busy = psd > first * 10 ** (c.extend_db / 10)
        # widen each run of signal bins by half its width (its skirts), at least gap_bins
        # and at most 4 gap_bins (a wide signal masked whole would leave too few free bins)
        d = np.diff(np.concatenate(([0], busy.astype(np.int8), [0])))
        starts, stops = np.flatnonzero(d == 1), np.flatnonzero(d == -1)
        wide = (stops - starts) // 2 > c.gap_bins
        busy = np.convolve(busy, np.ones(2 * c.gap_bins + 1), mode="same") > 0.5
        for a, b in zip(starts[wide], stops[wide]):
            m = min((b - a) // 2, 4 * c.gap_bins)
            busy[max(0, a - m):b + m] = True
        return self._percentile_floor(psd, busy)

    def _percentile_floor(self, psd, busy):
        """The `floor_percentile` of `psd` in each sliding window, over the bins not `busy`
        (all of a window's bins where fewer than an eighth of them are free), scaled from
        percentile to mean and interpolated to every bin."""
        c = self.cfg
        n = len(psd)
        w = min(n, max(8, int(c.floor_window * n)))
        step = max(1, w // 8)
        wins = np.lib.stride_tricks.sliding_window_view(psd, w)[::step]   # (k, w), no copy
        if busy is None:
            vals = np.percentile(wins, c.floor_percentile, axis=1)
        else:
            busy = np.lib.stride_tricks.sliding_window_view(busy, w)[::step]
            free = w - busy.sum(axis=1)
            free = np.where(free >= w // 8, free, w)      # too few free bins: use them all
            srt = np.sort(np.where(busy & (free < w)[:, None], np.inf, wins), axis=1)
            q = (free - 1) * c.floor_percentile / 100     # np.percentile's linear rule
            i = np.floor(q).astype(int)
            j = np.minimum(i + 1, free - 1)
            rows = np.arange(len(srt))
            vals = srt[rows, i] + (q - i) * (srt[rows, j] - srt[rows, i])
        centres = np.arange(len(vals)) * step + (w - 1) / 2
        floor = np.interp(np.arange(n), centres, vals)   # flat beyond the outermost windows
        # the percentile of noise-only bins sits below the mean of the exponential-like PSD
        # distribution; scale it so that the floor is the noise's mean level
        return floor * self._percentile_bias()

    def _percentile_bias(self) -> float:
        """mean / percentile of averaged noise power (chi-square with 2*K*average degrees
        of freedom, approximated by simulation once)."""
        if not hasattr(self, "_bias"):
            rng = np.random.default_rng(0)
            c = self.cfg
            # K averaged FFTs, then a running average of weight a: variance a / (2 - a) of one
            # spectrum's, i.e. 2 K (2 - a) / a degrees of freedom
            dof = max(2.0, 2 * c.average * (2 - c.smoothing) / c.smoothing)
            v = rng.chisquare(dof, 200_000) / dof
            self._bias = 1.0 / np.percentile(v, self.cfg.floor_percentile)
        return self._bias

    # ------------------------------------------------------------------ regions
    def _regions(self, psd, floor):
        c = self.cfg
        n = len(psd)
        ratio = psd / np.maximum(floor, 1e-30)
        seed = ratio > 10 ** (c.threshold_db / 10)
        grow = ratio > 10 ** (c.extend_db / 10)
        guard = int(np.ceil(c.guard * n))
        seed[:guard] = seed[n - guard:] = False
        grow[:guard] = grow[n - guard:] = False
        # close small gaps in the grow mask, then keep its runs that contain a seed
        runs = _runs(grow)
        merged = []
        for lo, hi in runs:
            if merged and lo - merged[-1][1] - 1 < c.gap_bins:
                merged[-1][1] = hi
            else:
                merged.append([lo, hi])
        merged = self._join_sidebands([r for r in merged if seed[r[0]:r[1] + 1].any()], ratio)
        out = []
        self._tones = []
        for lo, hi in merged:
            k = lo + int(np.argmax(ratio[lo:hi + 1]))
            if hi - lo + 1 <= c.tone_bins:
                self.counters["tones_rejected"] += 1
                self._tones.append(k)
                continue
            excess = np.maximum(psd[lo:hi + 1] - floor[lo:hi + 1], 0)
            total = excess.sum()
            if total <= 0:
                continue
            # occupied bandwidth (ITU-R SM.328): the span holding 99 % of the power above the
            # floor, 0.5 % left out on each side
            a, b = (lo + i for i in _span99(excess, total))
            if b - a + 1 <= c.tone_core_bins:
                self.counters["tones_rejected"] += 1
                self._tones.append(k)
                continue
            # the middle of that span, so that centre +- bandwidth / 2 is the occupied band
            # (an SSB signal's power centroid sits beside it, near its suppressed carrier)
            centre = (a + b) / 2
            width = max(1.0, b - a + 1 - self.enbw)   # the window's own spread removed
            snr = 10 * np.log10(total / max(floor[lo:hi + 1].sum(), 1e-30) + 1e-12)
            r = Region(lo, hi, centre, width, float(snr))
            r.peak = float(ratio[k])
            r.level = float(ratio[lo:hi + 1].mean())
            # a line near its middle 6 dB above the spectrum just beyond the line's main lobe
            # (5-12 bins each side in this window): an AM carrier (a PSK or FSK spectrum is
            # as high there as at its peak)
            beside = np.concatenate((ratio[max(0, k - 12):max(0, k - 4)], ratio[k + 5:k + 13]))
            if len(beside) and r.peak >= 4 * beside.mean() \
                    and abs(k - centre) <= max(2.0, 0.1 * (b - a + 1)):
                r.carrier = k
            out.append(r)
        out = self._drop_sidelobes(out, ratio)
        self.counters["regions"] += len(out)
        return out

    def _join_sidebands(self, runs, ratio):
        """Runs [lo, hi] with each carrier joined to the runs lying in mirror-image pairs about
        it. A carrier is a run no wider than a tone or whose peak stands 10 dB above its mean;
        a pair is two runs 6 dB or more below its peak at the same distance either side of it
        (within 2 bins or 5 %) whose peaks are within 4 dB of each other: an AM signal's
        sidebands. A pure tone or DC spike has none and stays a tone."""
        c = self.cfg
        reach = c.mirror_reach * len(ratio)
        info = []
        for lo, hi in runs:
            k = lo + int(np.argmax(ratio[lo:hi + 1]))
            info.append((k, float(ratio[k]), float(ratio[lo:hi + 1].mean())))
        used = [False] * len(runs)
        out = []
        for i in sorted(range(len(runs)), key=lambda i: -info[i][1]):
            if used[i]:
                continue
            lo, hi = runs[i]
            k, peak, mean = info[i]
            used[i] = True
            if hi - lo + 1 <= c.tone_bins or peak >= 10 * mean:
                # sidebands at least 6 dB below the carrier: each line of an AM signal is at
                # most half its carrier's amplitude (an SSB signal's harmonics are not)
                side = [j for j in range(len(runs)) if not used[j] and info[j][1] <= peak / 4
                        and abs(info[j][0] - k) <= reach]
                for a in side:
                    da, pa = k - info[a][0], info[a][1]
                    if da <= 0 or used[a]:
                        continue
                    for b in side:
                        db, pb = info[b][0] - k, info[b][1]
                        if (db > 0 and not used[b] and abs(db - da) <= max(2.0, 0.05 * da)
                                and max(pa, pb) <= 2.5 * min(pa, pb)):
                            used[a] = used[b] = True
                            lo, hi = min(lo, runs[a][0]), max(hi, runs[b][1])
                            self.counters["sidebands_joined"] += 1
                            break
            out.append([lo, hi])
        # runs inside a joined span (between a carrier and its sidebands) are part of it
        out.sort()
        joined = []
        for lo, hi in out:
            if joined and lo <= joined[-1][1]:
                joined[-1][1] = max(joined[-1][1], hi)
            else:
                joined.append([lo, hi])
        return joined

    def _drop_sidelobes(self, regions, ratio):
        """Regions that are another's spectral side lobes, not signals: far weaker than it
        (by `sidelobe_db`), within `sidelobe_reach` of its bandwidths, and mirrored on its
        other side at a like level (a modulated signal's lobes come in pairs, as CPFSK's do;
        a weak neighbour two channels away has no mirror and stays)."""
        c = self.cfg
        n = len(ratio)
        keep = []
        for r in regions:
            lobe = False
            for s in regions:
                if s is r or s.peak < r.peak * 10 ** (c.sidelobe_db / 10):
                    continue
                d = r.center_bin - s.center_bin
                if abs(d) > c.sidelobe_reach * max(s.bandwidth_bins, 4.0):
                    continue
                a = int(round(s.center_bin - d - (r.hi - r.lo) / 2))
                b = int(round(s.center_bin - d + (r.hi - r.lo) / 2))
                if 0 <= a and b < n and ratio[a:b + 1].mean() >= r.level / 4:
                    lobe = True
                    break
            if lobe:
                self.counters["sidelobes_rejected"] += 1
            else:
                keep.append(r)
        return keep

    # ------------------------------------------------------------------ tracks
    def _track(self, regions, first, last):
        c = self.cfg
        hz = self.rate / c.nfft
        started, updated, ended = [], [], []
        unmatched = list(regions)
        # each region goes to the nearest track whose band it overlaps; a track keeps its
        # widest region as this spectrum's measurement, and the others are fragments of the
        # same signal (an FM or AM signal's spectrum breaks up as its audio moves), absorbed
        # rather than started as tracks of their own
        claims: dict[int, list] = {}
        close = set()
        # the span a confirmed track's regions covered over its recent spectra: a wide SSB
        # signal's formants wander over its band, each spectrum showing a part
        spans = {t.id: (min(h[3] for h in t.history), max(h[4] for h in t.history))
                 for t in self.tracks if t.confirmed}
        for r in regions:
            best, dist = None, None
            for t in self.tracks:
                tc = t.center_hz / hz + c.nfft / 2
                bw = max(t.bandwidth_hz / hz, 4.0)
                reach = bw * c.absorb
                span = spans.get(t.id)
                if (r.lo - c.gap_bins <= tc + reach and r.hi + c.gap_bins >= tc - reach) or (
                        span and r.lo - c.gap_bins <= span[1] and r.hi + c.gap_bins >= span[0]):
                    d = abs(r.center_bin - tc)
                    if best is None or d < dist:
                        best, dist = t, d
                elif t.confirmed and r.lo - c.gap_bins <= tc + bw * c.near \
                        and r.hi + c.gap_bins >= tc - bw * c.near:
                    close.add(id(r))
            if best is not None:
                claims.setdefault(best.id, []).append(r)
                unmatched.remove(r)
        for t in self.tracks:
            mine = claims.get(t.id)
            if not mine:
                t.missed += 1
                continue
            best = max(mine, key=lambda r: r.bandwidth_bins)
            t.lines += best.carrier is not None
            t.history.append(self._measurement(best))
            t.history = t.history[-16:]
            self._sum_spectrum(t)
            med = np.median(np.array(t.history), axis=0)
            t.center_hz, t.bandwidth_hz, t.snr_db = float(med[0]), float(med[1]), float(med[2])
            t.extent = (float(med[3]), float(med[4]))
            t.stop, t.seen, t.missed = last, t.seen + 1, 0
            # an AM carrier shows in most spectra; a PSK spectrum's noisy peak now and then
            # (whose wide occupied-band search would take in a neighbour's skirt) does not
            t.carrier = ((best.carrier if best.carrier is not None else t.carrier)
                         if 2 * t.lines >= t.seen else None)
            if not t.confirmed and t.seen >= max(c.on_spectra, t.needs):
                t.confirmed = True
                self.counters["tracks_started"] += 1
                started.append(t)
            elif t.confirmed:
                updated.append(t)
        started += self._follow_carriers(claims, regions, first, last)
        for r in unmatched:
            t = Track(self._next_id, self.bin_hz(r.center_bin), r.bandwidth_bins * hz,
                      r.snr_db, first, last, history=[self._measurement(r)],
                      needs=c.near_spectra if id(r) in close else 0, extent=(r.lo, r.hi),
                      carrier=r.carrier, lines=int(r.carrier is not None))
            self._sum_spectrum(t)
            self._next_id += 1
            if max(c.on_spectra, t.needs) <= 1:
                t.confirmed = True
                self.counters["tracks_started"] += 1
                started.append(t)
            self.tracks.append(t)
        keep = []
        for t in self.tracks:
            if t.missed >= c.off_spectra or (not t.confirmed and t.missed > 0):
                if t.confirmed:
                    self.counters["tracks_ended"] += 1
                    ended.append(t)
            else:
                keep.append(t)
        self._end(ended, keep)
        return started, updated, ended

    def _follow_carriers(self, claims, regions, first, last) -> list[Track]:
        """This spectrum's tones: one at the carrier of a track not seen in this spectrum
        keeps it alive; the others are followed as carriers (and so is a carrier inside a
        region, where its sidebands rose above the threshold in this one spectrum), and one
        whose summed spectra show modulation beyond the tone's core becomes a confirmed
        track (returned)."""
        c, n = self.cfg, self.cfg.nfft
        hz = self.rate / n

        def inside(k, confirmed_only=False):
            return [t for t in self.tracks if (t.confirmed or not confirmed_only) and (
                t.extent[0] <= k <= t.extent[1] or
                abs(k - (t.center_hz / hz + n / 2)) <= max(t.bandwidth_hz / hz, 4.0) * c.absorb)]
        # a followed carrier that a confirmed signal's band has come to cover is that signal's
        self._carriers = [m for m in self._carriers if not inside(m.peak, True)]
        free = []
        # (a track with a carrier is an AM signal, or one found as a modulated carrier: a
        # narrow signal whose every spectrum looks like a tone, its line anywhere in its band)
        for k in self._tones:
            if abs(k - n // 2) <= 2:
                continue
            within = inside(k)
            if not within:
                free.append(k)
                continue
            for t in within:    # a tone inside a signal's band is that signal's
                if t.carrier is not None and t.extent[0] - 2 <= k <= t.extent[1] + 2 \
                        and t.confirmed and t.id not in claims and t.missed > 0:
                    t.stop, t.missed = last, 0
                    self._sum_spectrum(t)
        followed = []
        for k in free:
            m = next((f for f in self._carriers if abs(f.peak - k) <= 2 and f not in followed), None)
            if m is None:
                m = _Carrier(k, first, last, self._excess.copy(), summed=0)
                self._carriers.append(m)
            else:
                m.excess += self._excess
            self._add_fine(m)
            m.summed, m.stop, m.missed = m.summed + 1, last, 0
            followed.append(m)
        for m in self._carriers:
            if m not in followed and any(r.lo <= m.peak <= r.hi for r in regions):
                m.excess += self._excess
                self._add_fine(m)
                m.summed, m.stop, m.missed = m.summed + 1, last, 0
                followed.append(m)
        started, keep = [], []
        for m in self._carriers:
            if m not in followed:
                m.missed += 1
                if m.missed >= c.off_spectra:
                    continue
            if m.summed >= c.carrier_spectra and (m.summed - c.carrier_spectra) % 4 == 0 \
                    and m in followed:
                t = self._modulated_carrier(m) or self._fine_look(m)
                if t is not None:
                    self.counters["carriers_modulated"] += 1
                    self.counters["tracks_started"] += 1
                    self.tracks.append(t)
                    started.append(t)
                    continue
            keep.append(m)
        self._carriers = keep
        return started

    def _modulated_carrier(self, m: _Carrier) -> Track | None:
        """A confirmed track for carrier `m` if its summed spectra hold more than 1 % of its
        power beyond a tone's core, and more than their noise explains, else None."""
        c, n = self.cfg, self.cfg.nfft
        reach = int(c.mirror_reach * n)
        core = c.tone_core_bins // 2 + 1
        lo, hi = self._neighbours_cut(None, m.start, m.stop, m.peak - core, m.peak + core,
                                      m.peak - reach, m.peak + reach)
        lo, hi = self._skirts(m.excess, m.summed, lo, hi, m.peak - core, m.peak + core)
        ex = m.excess[lo:hi + 1]
        total = ex.sum()
        if hi <= lo or total <= 0:
            return None
        a, b = (lo + i for i in _span99(ex, total))
        if b - a + 1 <= c.tone_core_bins or not self._beyond_noise(
                m.excess[a:b + 1], m.peak - core - a, m.peak + core - a,
                float(self.floor[a:b + 1].mean()) / np.sqrt(c.average), m.summed):
            return None
        hz = self.rate / n
        floor = max(float(self.floor[a:b + 1].sum()), 1e-30)
        snr = 10 * np.log10(total / m.summed / floor + 1e-12)
        width = max(1.0, b - a + 1 - self.enbw)
        t = Track(self._next_id, self.bin_hz((a + b) / 2), width * hz, float(snr), m.start,
                  m.stop, seen=m.summed, confirmed=True, extent=(float(a), float(b)),
                  excess=m.excess, summed=m.summed, carrier=m.peak, lines=m.summed)
        t.history = [(t.center_hz, t.bandwidth_hz, t.snr_db, a, b)]
        self._next_id += 1
        return t

    def _beyond_noise(self, ex, core_lo, core_hi, sd, summed, sigmas: float = 5.0) -> bool:
        """Whether the summed excess `ex` (over `summed` spectra, each bin's noise of standard
        deviation `sd`) holds power outside its core `core_lo..core_hi` (indices into `ex`)
        that noise cannot explain: more than `sigmas` standard deviations of its sum. A weak
        bare carrier's sum is mostly noise around it, and its 99 % span is then wide."""
        out = np.ones(len(ex), bool)
        out[max(0, core_lo):max(0, core_hi + 1)] = False
        k = int(out.sum())
        return k > 0 and float(ex[out].sum()) > sigmas * sd * np.sqrt(k * summed)

    def _add_fine(self, m: _Carrier) -> None:
        """This spectrum's fine excess around carrier `m`'s line, added to its sum (the
        first time, it starts the sum; `summed` counts the coarse spectra)."""
        if self._fine is None:
            return
        r = self.fine_q * self.cfg.tone_bins
        k = self.fine_q * m.peak
        if k - r < 0 or k + r >= len(self._fine):
            return
        if m.fine is None:
            m.fine = self._fine[k - r:k + r + 1].copy()
        else:
            m.fine += self._fine[k - r:k + r + 1]

    def _fine_look(self, m: _Carrier) -> Track | None:
        """A confirmed track for carrier `m` if the fine spectrum (bins `average` times finer)
        shows more than 1 % of its power beyond a tone's core there, and more than its noise
        explains: a signal narrower than a tone's lobe in the bins (SSB or AM voice, 2-4 kHz,
        in 500 Hz bins), else None. A carrier's phase-noise skirt (an RTL-SDR's: -80 dBc/Hz at
        10 kHz) holds far less."""
        if m.fine is None:
            return None
        c, q = self.cfg, self.fine_q
        ex = m.fine
        total = ex.sum()
        if total <= 0:
            return None
        a, b = _span99(ex, total)
        r = q * c.tone_bins
        core = c.tone_core_bins // 2 + 1
        k = int(np.argmax(ex))                           # the line, in the window
        near = self.floor[max(0, m.peak - c.tone_bins):m.peak + c.tone_bins]
        noise = self.fine_scale * float(near.mean())     # per fine bin and spectrum (one FFT: sd = mean)
        if b - a + 1 <= c.tone_core_bins or not self._beyond_noise(
                ex[a:b + 1], k - core - a, k + core - a, noise, m.summed):
            return None
        centre = q * m.peak - r + (a + b) / 2            # fine bin
        fine_hz = self.rate / (q * c.nfft)
        width = max(1.0, b - a + 1 - self.enbw) * fine_hz
        lo, hi = (q * m.peak - r + a) / q, (q * m.peak - r + b) / q   # coarse bins
        floor = max(float(near.mean()) * (hi - lo + 1), 1e-30)
        snr = 10 * np.log10(total / q / m.summed / floor + 1e-12)
        t = Track(self._next_id, self.bin_hz(centre / q), width, float(snr), m.start, m.stop,
                  seen=m.summed, confirmed=True, extent=(lo, hi), excess=m.excess,
                  summed=m.summed, carrier=m.peak, lines=m.summed)
        t.fine = (t.center_hz, t.bandwidth_hz)
        t.history = [(t.center_hz, t.bandwidth_hz, t.snr_db, lo, hi)]
        self._next_id += 1
        return t

    def close(self):
        """End every open track (the stream ended); returns them."""
        ended = [t for t in self.tracks if t.confirmed]
        self.counters["tracks_ended"] += len(ended)
        self._end(ended, [])
        return ended

    def _end(self, ended, keep):
        """Fixes each ended track's occupied band while every neighbour is still known, then
        keeps the extents of ended tracks only while a live track overlaps them in time
        (their power is in that track's summed spectrum)."""
        for t in ended:
            t.occupied = self.occupied(t)
        self.tracks = keep
        self._recent += [(t.id, t.start, t.stop) + t.extent for t in ended]
        first = min((t.start for t in keep), default=None)
        self._recent = [r for r in self._recent if first is not None and r[2] >= first]

    # ------------------------------------------------------------------ occupied band
    def _measurement(self, r: Region) -> tuple:
        hz = self.rate / self.cfg.nfft
        return (self.bin_hz(r.center_bin), r.bandwidth_bins * hz, r.snr_db, r.lo, r.hi)

    def _sum_spectrum(self, t: Track):
        if t.excess is None:
            t.excess = self._excess.copy()
        else:
            t.excess += self._excess
        t.summed += 1

    def occupied(self, t: Track) -> tuple[float, float]:
        """(centre, bandwidth), Hz, of track `t`'s occupied band (ITU-R SM.328: the span
        holding 99 % of its power) in the sum of the spectra it was seen in, over its region
        widened by `occupied_reach` of its widths each side, cut halfway to any signal that
        was on at the same time and at the first stretch of noise. Noise averages out of the
        sum, so the faint skirts that one spectrum's threshold cuts off count: a
        speech-modulated AM, SSB or FM signal measured in single spectra came out at 55-70 %
        of its width."""
        c, n = self.cfg, self.cfg.nfft
        if t.occupied is not None:       # fixed when it ended
            return t.occupied
        if t.fine is not None:           # narrower than the bins: measured finely when found
            return t.fine
        if t.excess is None:
            return t.center_hz, t.bandwidth_hz
        lo0, hi0 = t.extent
        # an AM signal's single spectra show its carrier and the loud part of its sidebands:
        # the quiet rest can reach several times as far
        w = (hi0 - lo0 + 1) * (c.carrier_reach if t.carrier is not None else 1.0)
        lo, hi = self._neighbours_cut(t.id, t.start, t.stop, lo0, hi0,
                                      lo0 - c.occupied_reach * w, hi0 + c.occupied_reach * w)
        lo, hi = self._skirts(t.excess, t.summed, lo, hi, lo0, hi0)
        ex = t.excess[lo:hi + 1] - self._baseline(t.excess, lo, hi)
        total = ex.sum()
        if hi <= lo or total <= 0:
            return t.center_hz, t.bandwidth_hz
        a, b = (lo + i for i in _span99(ex, total))
        hz = self.rate / n
        return self.bin_hz((a + b) / 2), max(1.0, b - a + 1 - self.enbw) * hz

    def _neighbours_cut(self, tid, start, stop, lo0, hi0, lo, hi) -> tuple[float, float]:
        """lo..hi cut halfway to every other track (live or recently ended) that was on at
        the same time as start..stop, beside the core lo0..hi0."""
        spans = [(o.id, o.start, o.stop) + o.extent for o in self.tracks] + self._recent
        for oid, a, b, olo, ohi in spans:
            if oid == tid or b < start or a > stop:
                continue
            if olo > hi0:
                hi = min(hi, (hi0 + olo) / 2)
            elif ohi < lo0:
                lo = max(lo, (ohi + lo0) / 2)
        return lo, hi

    def _baseline(self, excess, lo, hi, gap: int = 8, ring: int = 16) -> float:
        """The summed spectrum's level per bin in the noise beyond lo..hi (the mean of `ring`
        bins each side, `gap` bins out, within the guard bands): what the floor, a percentile
        of a band that holds signals, leaves over or under the noise. Over a wide span a floor
        off by 2 % moves the 0.5 % edges of a carrier-heavy AM signal by a third of its width."""
        n = self.cfg.nfft
        guard = int(np.ceil(self.cfg.guard * n))
        lo, hi = lo - gap, hi + gap
        side = np.concatenate((excess[max(guard, lo - ring):max(guard, lo)],
                               excess[min(n - guard, hi + 1):min(n - guard, hi + 1 + ring)]))
        return float(side.mean()) if len(side) else 0.0

    def _skirts(self, excess, summed, lo, hi, lo0, hi0) -> tuple[int, int]:
        """The bins lo..hi (inside the guard bands) of a summed spectrum `excess` over
        `summed` spectra, cut at the first stretch of 8 bins (4 kHz at 500 Hz) beyond the
        signal's core lo0..hi0 where the sum is within its noise (2 sigma of a 5-bin mean): a
        neighbour the tracks missed (a weak AM carrier) beyond such a gap is not this signal,
        while a skirt's own dips are shorter."""
        c, n = self.cfg, self.cfg.nfft
        guard = int(np.ceil(c.guard * n))
        lo, hi = int(max(np.floor(lo), guard)), int(min(np.ceil(hi), n - 1 - guard))
        k, gap = 5, 8
        if hi - lo + 1 >= 2 * gap:
            sm = np.convolve(excess[lo:hi + 1], np.ones(k) / k, mode="same")
            sigma = self.floor[lo:hi + 1] * np.sqrt(summed / (c.average * k / 2))
            quiet = np.convolve((sm < 2 * sigma).astype(float), np.ones(gap), mode="same") >= gap
            a0, b0 = int(np.clip(lo0, lo, hi)) - lo, int(np.clip(hi0, lo, hi)) - lo
            below = np.flatnonzero(quiet[:a0])
            above = np.flatnonzero(quiet[b0 + 1:])
            lo, hi = (lo + (below[-1] if len(below) else 0),
                      lo + (b0 + 1 + above[0] if len(above) else hi - lo))
        return lo, hi


def auto_nfft(samp_rate: float, bin_hz: float = 500.0) -> int:
    """The power of two (256-65536) whose bins at `samp_rate` are nearest `bin_hz` wide."""
    if not (np.isfinite(bin_hz) and bin_hz > 0):
        raise ValueError(f"bin width must be a positive number of Hz, got {bin_hz!r}")
    return int(2 ** np.clip(np.round(np.log2(samp_rate / bin_hz)), 8, 16))


def _span99(ex: np.ndarray, total: float) -> tuple[int, int]:
    """First and last index of the span of `ex` holding 99 % of `total` (ITU-R SM.328: 0.5 %
    left out on each side): where its running sum first reaches 0.5 % and 99.5 % (the sum
    of a noisy excess need not rise everywhere)."""
    cum = np.cumsum(ex) / total
    return int(np.argmax(cum >= 0.005)), int(np.argmax(cum >= 0.995))


def _blackman_harris(n: int) -> np.ndarray:
    """4-term Blackman-Harris window: side lobes 92 dB down, so a strong signal does not
    leak over a weak neighbour."""
    k = 2 * np.pi * np.arange(n) / n
    return 0.35875 - 0.48829 * np.cos(k) + 0.14128 * np.cos(2 * k) - 0.01168 * np.cos(3 * k)


def _runs(mask: np.ndarray) -> list[list[int]]:
    """[lo, hi] (inclusive) of each run of True in `mask`."""
    d = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return [[int(a), int(b) - 1] for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1))]
