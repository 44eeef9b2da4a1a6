#
# Copyright 2026 gr-robustamc authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""signal_scanner: finds every signal in a wideband stream and names each one."""

import numpy as np
import pmt
from gnuradio import gr

from robustamc.bundle import BundleError
from robustamc.inference import FrameClassifier
from robustamc.spectrum.detect import DetectorConfig
from robustamc.spectrum.scanner import Scanner


class signal_scanner(gr.sync_block):
    """Find, centre, resample and classify every signal of a complex stream at any rate.

    The stream passes through unchanged. A running spectrum (FFT size `nfft`; 0: bins of about
    500 Hz at any rate) and its noise floor find the signals `threshold_db` above it, tracked
    with hysteresis in time and frequency; each one is mixed to 0 Hz, filtered and resampled
    into the model-input convention (docs/ARCHITECTURE.md) and classified, all signals in one
    batch. Message port `signals` gets a PMT dict per decision per signal (every `interval_s`
    seconds of a signal, `average` windows each): type "decision", id (stable over the signal's
    life), label, confidence, probabilities, center_hz (offset from the stream's centre),
    frequency_hz (absolute, from an rx_freq tag or `center_freq`; else absent), bandwidth_hz
    (center_hz and bandwidth_hz: the band holding 99 % of its power, over its spectra so far),
    snr_db, offset (first input sample of the decision) and rx_time (from rx_time tags); and one
    dict of type "end" when a signal ends, with its start and stop sample and time, and its
    label over its whole life. Signals still on when a finite stream ends are reported by
    `stop()`; GNU Radio may have stopped the receiving blocks by then.
    NaN/Inf samples are counted and read as zeros; see `stats()`.
    `backend`: "engine" (C++, no PyTorch), "torch" or "" / "auto", as modulation_classifier.
    """

    def __init__(self, samp_rate=2.048e6, bundle="", center_freq=0.0, average=8,
                 interval_s=0.02, threshold_db=8.0, nfft=0, max_signals=32, threads=1,
                 backend=""):
        gr.sync_block.__init__(self, name="signal_scanner", in_sig=[np.complex64],
                               out_sig=[np.complex64])
        if not (np.isfinite(float(samp_rate)) and float(samp_rate) > 0):
            raise ValueError("signal_scanner: samp_rate must be a positive number of Hz")
        if int(nfft) != 0 and (int(nfft) < 64 or int(nfft) & (int(nfft) - 1)):
            raise ValueError("signal_scanner: nfft must be 0 (automatic: bins of about 500 Hz) "
                             "or a power of two >= 64")
        try:
            clf = FrameClassifier(bundle or None, backend=backend or None)
        except (BundleError, ValueError) as e:
            raise ValueError(f"signal_scanner: cannot load bundle: {e}") from None
        if int(threads) > 0 and clf.backend == "torch":
            import torch
            torch.set_num_threads(int(threads))
        cfg = DetectorConfig(nfft=int(nfft), threshold_db=float(threshold_db),
                             extend_db=max(1.0, float(threshold_db) - 4.0))
        try:
            self.scanner = Scanner(float(samp_rate), clf, average=int(average),
                                   interval_s=float(interval_s), detector=cfg,
                                   max_signals=int(max_signals))
        except ValueError as e:
            raise ValueError(f"signal_scanner: {e}") from None
        self.samp_rate = float(samp_rate)
        self.center_freq = float(center_freq) or None
        self._rx_time = None          # (stream offset, seconds) of the latest rx_time tag
        self._warned_rate = False
        self.model = clf.name
        self.port = pmt.intern("signals")
        self.message_port_register_out(self.port)
        self.messages = 0

    def set_center_freq(self, center_freq):
        """The stream's centre frequency (Hz; 0 = unknown) for absolute frequencies, as a
        GRC slider or a retune sets it (an rx_freq tag does the same)."""
        self.center_freq = float(center_freq) or None

    def stats(self):
        """Counters: samples, nonfinite_samples, decisions, signals_ended, signals_skipped,
        and the detector's (spectra, tones_rejected, tracks_started, ...), messages."""
        s = dict(self.scanner.counters)
        s.update({f"detector_{k}": v for k, v in self.scanner.detector.counters.items()})
        s["messages"] = self.messages
        return s

    def _read_tags(self, n):
        for tag in self.get_tags_in_window(0, 0, n):
            key = pmt.symbol_to_string(tag.key)
            if key == "rx_freq" and pmt.is_number(tag.value):
                self.center_freq = pmt.to_double(tag.value)
            elif key == "rx_time" and pmt.is_tuple(tag.value):
                t = pmt.to_uint64(pmt.tuple_ref(tag.value, 0)) + pmt.to_double(
                    pmt.tuple_ref(tag.value, 1))
                self._rx_time = (tag.offset, t)
            elif key == "rx_rate" and pmt.is_number(tag.value):
                rate = pmt.to_double(tag.value)
                if abs(rate / self.samp_rate - 1) > 1e-3 and not self._warned_rate:
                    self._warned_rate = True
                    self.logger.warn(f"the stream's rx_rate tag says {rate:g} Hz but the scanner "
                                     f"was set to {self.samp_rate:g} Hz: frequencies and times "
                                     "will be scaled wrong")

    def work(self, input_items, output_items):
        x = input_items[0]
        output_items[0][:] = x
        self._read_tags(len(x))
        for ev in self.scanner.process(x):
            self._publish(ev)
        return len(x)

    def stop(self):
        for ev in self.scanner.close():
            self._publish(ev)
        return True

    def _publish(self, ev):
        d = {"type": ev["type"], "id": int(ev["id"]), "model": self.model,
             "center_hz": float(ev["center_hz"]), "bandwidth_hz": float(ev["bandwidth_hz"]),
             "snr_db": float(ev["snr_db"]), "offset": int(ev["first_sample"])}
        if self.center_freq is not None:
            d["frequency_hz"] = self.center_freq + d["center_hz"]
        if ev["label"] is not None:
            d["label"] = ev["label"]
            d["confidence"] = float(ev["confidence"])
            d["probabilities"] = [float(v) for v in ev["probabilities"]]
        if ev["type"] == "decision":
            d["windows"] = int(ev["windows"])
        else:
            d["last_offset"] = int(ev["last_sample"])
            d["start_s"], d["stop_s"] = float(ev["start_s"]), float(ev["stop_s"])
            d["decisions"] = int(ev["decisions"])
        if self._rx_time is not None:
            off, t = self._rx_time
            d["rx_time"] = t + (d["offset"] - off) / self.samp_rate
        msg = pmt.make_dict()
        for k, v in d.items():
            if k == "probabilities":
                v = pmt.init_f32vector(len(v), v)
            elif k == "rx_time":   # as UHD and the classifier give it: (whole s, fraction)
                whole = int(np.floor(v))
                v = pmt.make_tuple(pmt.from_uint64(whole), pmt.from_double(v - whole))
            else:
                v = pmt.to_pmt(v)
            msg = pmt.dict_add(msg, pmt.intern(k), v)
        self.message_port_pub(self.port, msg)
        self.messages += 1
