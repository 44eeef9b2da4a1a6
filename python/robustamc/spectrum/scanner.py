"""The wideband scanner: detect every signal in a stream, condition each one into the
model-input convention, classify them in batches, and report one event per decision per
signal and one when a signal ends.

No GNU Radio: the `signal_scanner` block and `robustamc-classify --scan` are thin layers on
`Scanner.process` (samples in, events out).
"""
from __future__ import annotations

import numpy as np

from .condition import TARGET_FILL, Channelizer
from .detect import Detector, DetectorConfig, Track


class _Signal:
    """A confirmed track being classified."""

    def __init__(self, track: Track, classes: int, channel: tuple[float, float]):
        self.track = track
        self.channel = channel                  # (centre, bandwidth) Hz conditioned from
        self.buf = np.zeros(0, np.complex64)   # conditioned samples from output index `at`
        self.at = 0                             # output index of buf[0]
        self.next_group = 0                     # output index where the next decision starts
        self.sum_probs = np.zeros(classes)      # over the signal's whole life
        self.valid = 0
        self.decisions = 0


class Scanner:
    """Finds, conditions and classifies the signals of a complex stream at `samp_rate`.

    `classifier` is an inference.FrameClassifier (its window and classes are used). Each
    signal gets a decision of `average` consecutive windows every `interval_s` seconds (so
    the cost of classifying does not grow with a signal's bandwidth), from the spectrum it
    was first seen in. At most `max_signals` are classified at once (later ones are counted
    in `counters["signals_skipped"]`). Events carry the signal's occupied band (99 % of its
    power) measured on its spectra so far (Detector.occupied); the channel it is classified in
    is set from its first spectra, and end events carry it too (channel_center_hz,
    channel_bandwidth_hz: what recordings.labelled_windows cuts a box out with)."""

    def __init__(self, samp_rate: float, classifier, average: int = 8,
                 interval_s: float = 0.02, detector: DetectorConfig = DetectorConfig(),
                 fill: float = TARGET_FILL, max_signals: int = 32):
        if average < 1 or not interval_s >= 0:
            raise ValueError("average must be >= 1 and interval_s >= 0")
        self.rate = float(samp_rate)
        self.detector = Detector(samp_rate, detector)
        self.chan = Channelizer(samp_rate, fill=fill)
        self.clf, self.average, self.interval_s = classifier, int(average), float(interval_s)
        self.max_signals = int(max_signals)
        self.signals: dict[int, _Signal] = {}
        self.counters = dict(samples=0, nonfinite_samples=0, decisions=0, signals_ended=0,
                             signals_skipped=0)

    # ------------------------------------------------------------------ streaming
    def process(self, x: np.ndarray) -> list[dict]:
        """Feed samples; returns the events they complete (decisions, then ends)."""
        x = np.asarray(x, np.complex64)
        self.counters["samples"] += len(x)
        bad = ~np.isfinite(x)
        if bad.any():   # counted; zeros keep the channel filters' history clean
            self.counters["nonfinite_samples"] += int(bad.sum())
            x = np.where(bad, 0, x).astype(np.complex64)
        started, _, ended = self.detector.process(x)
        for t in started:
            if len(self.signals) >= self.max_signals:
                self.counters["signals_skipped"] += 1
                continue
            bw = max(t.bandwidth_hz, self.rate / self.detector.cfg.nfft)
            self.chan.add(t.id, t.center_hz, bw, t.start)
            self.signals[t.id] = _Signal(t, len(self.clf.classes), (self.chan.center_hz(t.id), bw))
        for key, y in self.chan.process(x).items():
            sig = self.signals[key]
            sig.buf = np.concatenate((sig.buf, y))
        events = self._classify()
        for t in ended:
            events += self._end(t.id)
        return events

    def close(self) -> list[dict]:
        """The stream ended: end every signal."""
        events = self._classify()
        for t in self.detector.close():
            events += self._end(t.id)
        return events

    # ------------------------------------------------------------------ internals
    def _end(self, key) -> list[dict]:
        sig = self.signals.pop(key, None)
        if sig is None:
            return []
        if not sig.valid:
            self._classify_rest(sig)
        ev = self._end_event(sig)
        self.chan.remove(key)
        return [ev]

    def _classify(self) -> list[dict]:
        """One inference call for every group of windows ready in any signal."""
        w, k = self.clf.window, self.average
        batch, groups = [], []
        for key, sig in self.signals.items():
            step = max(k * w, int(round(self.interval_s * self.chan.out_rate(key))))
            while True:
                lo = sig.next_group - sig.at
                if lo < 0:   # the group started before the samples kept: move on
                    sig.next_group = sig.at
                    lo = 0
                if lo + k * w > len(sig.buf):
                    break
                batch.append(sig.buf[lo:lo + k * w].reshape(k, w))
                groups.append((key, sig.next_group))
                sig.next_group += step
            drop = min(len(sig.buf), max(0, sig.next_group - sig.at))
            sig.buf, sig.at = sig.buf[drop:], sig.at + drop
        if not batch:
            return []
        probs, status = self.clf.classify(np.concatenate(batch))
        events = []
        for i, (key, first) in enumerate(groups):
            p, ok = probs[i * k:(i + 1) * k], status[i * k:(i + 1) * k] == 0
            events.append(self._decision(self.signals[key], key, first, p[ok]))
        return events

    def _classify_rest(self, sig: _Signal):
        """A signal that ended before its first full group (a short burst, or a narrow one
        resampled to a low rate) is named from the whole windows it left, not left unnamed."""
        w = self.clf.window
        n = min(len(sig.buf) // w, self.average)
        if n == 0:
            return
        probs, status = self.clf.classify(sig.buf[:n * w].reshape(n, w))
        ok = status == 0
        sig.sum_probs += probs[ok].sum(0)
        sig.valid += int(ok.sum())

    def _decision(self, sig: _Signal, key, first_out: int, ok_probs) -> dict:
        t = sig.track
        first = int(round(self.chan.sample_of(key, first_out)))
        center, bandwidth = self.detector.occupied(t)
        ev = {"type": "decision", "id": t.id, "center_hz": center,
              "bandwidth_hz": bandwidth, "snr_db": t.snr_db, "first_sample": first,
              "time_s": first / self.rate, "windows": len(ok_probs)}
        if len(ok_probs):
            mean = ok_probs.mean(0)
            c = int(np.argmax(mean))
            sig.sum_probs += ok_probs.sum(0)
            sig.valid += len(ok_probs)
            ev.update(label=self.clf.classes[c], confidence=float(mean[c]),
                      probabilities=[float(v) for v in mean])
        else:
            ev.update(label=None, confidence=None, probabilities=None)
        sig.decisions += 1
        self.counters["decisions"] += 1
        return ev

    def _end_event(self, sig: _Signal) -> dict:
        t = sig.track
        self.counters["signals_ended"] += 1
        center, bandwidth = self.detector.occupied(t)
        ev = {"type": "end", "id": t.id, "center_hz": center,
              "bandwidth_hz": bandwidth, "snr_db": t.snr_db,
              "first_sample": t.start, "last_sample": t.stop,
              "start_s": t.start / self.rate, "stop_s": (t.stop + 1) / self.rate,
              "decisions": sig.decisions, "windows": sig.valid,
              "channel_center_hz": sig.channel[0], "channel_bandwidth_hz": sig.channel[1]}
        if sig.valid:
            mean = sig.sum_probs / sig.valid
            c = int(np.argmax(mean))
            ev.update(label=self.clf.classes[c], confidence=float(mean[c]),
                      probabilities=[float(v) for v in mean])
        else:
            ev.update(label=None, confidence=None, probabilities=None)
        return ev
