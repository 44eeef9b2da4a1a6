#
# Copyright 2026 gr-robustamc authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""modulation_classifier: names the modulation of a complex stream, publishing PMT labels."""

import bisect
import time

import numpy as np
import pmt
from gnuradio import gr

from robustamc.bundle import BundleError
from robustamc.inference import FrameClassifier

from .robustamc_python import engine_classifier_cc, make_label_messages, publish_label_messages


#: Samples GNU Radio may hand the block per call (its history and output buffer size).
BUFFER_ITEMS = 32768


def modulation_classifier(bundle="", hop=0, average=1, min_confidence=0.0, threads=1,
                          tag_output=False, samp_rate=200e3, max_batch=0, backend=""):
    """Classify the modulation of a complex baseband stream with a gr-robustamc bundle.

    The stream passes through unchanged. Every `hop` samples a window of the bundle's length
    (128) is taken, normalised as in training and classified in batches; `average`
    consecutive windows are averaged into one decision, published on message port `labels`
    as a PMT dict: label, index, confidence, probabilities, offset (absolute sample index of
    the decision's first window), window, windows, model, plus rx_time / rx_freq when the
    stream carries those tags. Decisions under `min_confidence` are not published. Windows
    with NaN/Inf samples or no power are counted (see `stats()`) and never classified.

    Behind an `occupancy_gate_cc` the stream has gaps: its `src_offset` tags map offsets back
    to the radio's stream (the published offset is then the radio's sample index), its
    `rx_time` tags give each decision its own time, and its per-window `snr_db` estimates are
    averaged into the message's `snr_db`.

    `max_batch` caps the windows per inference call (0 = all that are ready); 1 reproduces
    one-window-per-call classifiers such as GNU Radio 3.7's gr-inspector AMC block.
    `average` and `min_confidence` can change while the flowgraph runs (set_average,
    set_min_confidence: GRC sliders); a new value applies from the next call on.

    The input must be at the bundle's sample rate (200 kHz for the shipped models) and
    roughly centred on the signal (the field models: 4-16 samples per symbol within +-4 kHz;
    the -rml ones: 8 within 100 Hz); an `rx_rate` stream tag that says otherwise is warned
    about once per rate.

    `backend` chooses who runs the model: "engine" (gr-robustamc's C++ engine, no PyTorch),
    "torch", or "" / "auto" (the engine where it runs the bundle; $ROBUSTAMC_BACKEND can
    override). `threads` sets PyTorch's threads (the engine uses one).

    Returns the block itself, not a hier block around it: on the engine a C++
    `engine_classifier_cc` (windowing, checks, averaging and messages), on PyTorch a Python
    `window_classifier` (the same logic). Both have `average()`, `min_confidence()`, their
    setters and `stats()`, and carry `clf` (the loaded FrameClassifier) and `backend`. (GNU
    Radio 3.10 never frees a hier block with a message output, gnuradio#7706: a program
    building many flowgraphs ran out of memory maps.) Keep a reference to the block while
    its flowgraph runs, as GRC does: GNU Radio 3.10 does not keep a Python block alive, and
    on PyTorch the block is one (the C++ block on the engine needs nothing).
    """
    try:
        clf = FrameClassifier(bundle or None, backend=backend or None)
    except (BundleError, ValueError) as e:
        raise ValueError(f"modulation_classifier: cannot load bundle: {e}") from None
    if int(hop) < 0 or int(average) < 1:
        raise ValueError("modulation_classifier: hop must be >= 0 (0 = the window) and "
                         "average >= 1")
    if not 0.0 <= float(min_confidence) <= 1.0:
        raise ValueError("modulation_classifier: min_confidence must be in [0, 1]")
    if int(max_batch) < 0:
        raise ValueError("modulation_classifier: max_batch must be >= 0")
    if int(threads) > 0 and clf.backend == "torch":
        import torch
        torch.set_num_threads(int(threads))  # process-wide: PyTorch has one CPU pool
    if clf.engine_blob is not None:
        blk = engine_classifier_cc(
            clf.engine_blob, clf.classes, clf.name, int(hop), int(average),
            float(min_confidence), float(samp_rate), float(clf.meta.get("sample_rate", 200e3)),
            int(max_batch), bool(tag_output), clf.isa)
    else:
        blk = window_classifier(clf, hop, average, min_confidence, tag_output, samp_rate,
                                max_batch)
    blk.clf, blk.backend = clf, clf.backend
    return blk


class window_classifier(gr.sync_block):
    """modulation_classifier's Python path, for a FrameClassifier on PyTorch (the reference:
    the C++ engine_classifier_cc does the same with the engine; tests compare the two).
    Build it through modulation_classifier."""

    def __init__(self, clf, hop=0, average=1, min_confidence=0.0, tag_output=False,
                 samp_rate=200e3, max_batch=0):
        gr.sync_block.__init__(self, name="window_classifier",
                               in_sig=[np.complex64], out_sig=[np.complex64])
        self.clf = clf
        w = self.clf.window
        hop = int(hop) or w
        self.window, self.hop, self._average = w, hop, int(average)
        self._min_confidence = float(min_confidence)
        self._pending_settings = None   # (average, min_confidence) from a setter
        self.model_rate = float(self.clf.meta.get("sample_rate", 200e3))
        self._warned_rates = set()
        self.tag_output = bool(tag_output)
        self.samp_rate = float(samp_rate)
        self.max_batch = int(max_batch)  # windows per inference call; 0 = all available
        self._buf = np.zeros(0, dtype=np.complex64)  # samples from _buf_start on
        self._buf_start = 0
        self._next = 0                       # absolute offset of the next window
        # windows classified but not yet part of a decision (fewer than `average`)
        self._pend_off = np.zeros(0, dtype=np.int64)
        self._pend_probs = np.zeros((0, len(self.clf.classes)), dtype=np.float32)
        self._pend_ok = np.zeros(0, dtype=bool)
        # (stream offset, value) of recent rx_time (seconds) and src_offset tags, oldest
        # first: a decision uses the latest one at or before its first window
        self._rx_time = _Anchors()
        self._src = _Anchors()
        self._snr = {}  # window offset -> SNR estimate (dB) from snr_db tags
        self._rx_freq = None
        self._stats = dict(windows=0, decisions=0, published=0, below_confidence=0,
                           nonfinite=0, no_power=0, inference_ns=0, work_ns=0)
        # offset, windows, confidence and probabilities are added in C++ (make_label_messages)
        self._keys = {k: pmt.intern(k) for k in (
            "label", "index", "window", "model", "rx_time", "rx_freq", "snr_db")}
        base = pmt.make_dict()
        for key, value in (("model", pmt.intern(self.clf.name)),
                           ("window", pmt.from_long(self.window))):
            base = pmt.dict_add(base, self._keys[key], value)
        self._base_msgs = [
            pmt.dict_add(pmt.dict_add(base, self._keys["index"], pmt.from_long(i)),
                         self._keys["label"], pmt.intern(c))
            for i, c in enumerate(self.clf.classes)]
        self._tag_key = pmt.intern("robustamc_label")
        self.port = pmt.intern("labels")
        self.message_port_register_out(self.port)
        self._send = self.message_port_pub  # looked up once: the gateway's lookup is slow
        # Bigger work() calls mean bigger inference batches: 32 -> ~240 windows per call and
        # 1.55 -> 2.4 Msps (docs/MODELS.md). A block cannot size its input buffer, but GNU
        # Radio makes the upstream buffer at least twice a block's history; the history
        # samples themselves are skipped in work(). Latency is unchanged: work() still runs
        # as soon as any input arrives.
        self.set_history(BUFFER_ITEMS)
        self.set_min_output_buffer(0, 2 * BUFFER_ITEMS)  # the port form logs nothing
        self._skip = BUFFER_ITEMS - 1

    def average(self):
        """Windows per decision in use."""
        return self._average

    def min_confidence(self):
        """Smallest confidence published, in use."""
        return self._min_confidence

    def set_average(self, average):
        """Windows per decision from the next work() call on (>= 1)."""
        if int(average) < 1:
            self.logger.error(f"refused average {average!r}: must be >= 1")
            return
        self._pending_settings = (int(average), (self._pending_settings or
                                                 (0, self._min_confidence))[1])

    def set_min_confidence(self, min_confidence):
        """Smallest confidence published, from the next work() call on (0..1)."""
        c = float(min_confidence)
        if not 0.0 <= c <= 1.0:
            self.logger.error(f"refused min_confidence {min_confidence!r}: must be in [0, 1]")
            return
        self._pending_settings = ((self._pending_settings or (self._average, 0))[0], c)

    def stats(self):
        """Counters: windows seen, decisions, published, below_confidence, nonfinite, no_power."""
        return dict(self._stats)

    def _read_tags(self, n):
        for tag in self.get_tags_in_window(0, 0, n):
            key = pmt.symbol_to_string(tag.key)
            if key == "rx_time" and pmt.is_tuple(tag.value):
                whole = pmt.to_uint64(pmt.tuple_ref(tag.value, 0))
                self._rx_time.add(tag.offset, whole + pmt.to_double(pmt.tuple_ref(tag.value, 1)))
            elif key == "src_offset" and (pmt.is_integer(tag.value) or pmt.is_uint64(tag.value)):
                self._src.add(tag.offset, pmt.to_uint64(tag.value))
            elif key == "snr_db" and pmt.is_real(tag.value):
                self._snr[tag.offset] = pmt.to_double(tag.value)
            elif key == "rx_freq" and pmt.is_number(tag.value):
                self._rx_freq = pmt.to_double(tag.value)
            elif key == "rx_rate" and pmt.is_number(tag.value):
                self.samp_rate = pmt.to_double(tag.value)
                rate = self.samp_rate
                if abs(rate / self.model_rate - 1) > 1e-3 and rate not in self._warned_rates:
                    self._warned_rates.add(rate)
                    self.logger.warn(
                        f"the stream's rx_rate tag says {rate:g} Hz but model {self.clf.name} "
                        f"expects {self.model_rate:g} Hz: resample to the model's rate "
                        "(Rational Resampler) or labels will be wrong")

    def work(self, input_items, output_items):
        t0 = time.perf_counter_ns()
        try:
            return self._work(input_items, output_items)
        finally:
            self._stats["work_ns"] += time.perf_counter_ns() - t0

    def _work(self, input_items, output_items):
        if self._pending_settings is not None:   # set between calls, never during one
            settings, self._pending_settings = self._pending_settings, None
            self._average, self._min_confidence = settings
        inp = input_items[0][self._skip:]
        n = len(inp)
        output_items[0][:] = inp
        self._read_tags(n)
        # a view of GNU Radio's buffer for this call only: the tail kept below is copied
        self._buf = np.concatenate((self._buf, inp)) if len(self._buf) else inp
        end = self._buf_start + len(self._buf)
        count = 0 if self._next + self.window > end else (end - self.window - self._next) // self.hop + 1
        if count:
            first = self._next - self._buf_start
            if self.hop == self.window:   # back to back: a view, no gather
                windows = self._buf[first:first + count * self.window].reshape(count, self.window)
            else:
                starts = first + self.hop * np.arange(count)
                windows = self._buf[starts[:, None] + np.arange(self.window)]
            step = self.max_batch or count
            for i in range(0, count, step):
                t = time.perf_counter_ns()
                result = self.clf.classify(windows[i:i + step])
                self._stats["inference_ns"] += time.perf_counter_ns() - t
                self._take(i, result)
            self._next += self.hop * count
        keep_from = min(self._next, end) - self._buf_start
        self._buf = self._buf[keep_from:].copy()
        self._buf_start += keep_from
        return n

    def _take(self, i, result):
        """Queue classified windows i, i+1, ... of this call and publish complete decisions."""
        probs, status = result
        self._stats["windows"] += len(status)
        self._stats["nonfinite"] += int(np.sum(status == FrameClassifier.NONFINITE))
        self._stats["no_power"] += int(np.sum(status == FrameClassifier.NO_POWER))
        offsets = self._next + self.hop * (i + np.arange(len(status)))
        self._pend_off = np.concatenate((self._pend_off, offsets))
        self._pend_probs = np.concatenate((self._pend_probs, probs))
        self._pend_ok = np.concatenate((self._pend_ok, status == FrameClassifier.VALID))
        self._decide()

    def _decide(self):
        """Average complete groups of `average` windows (valid ones only) and publish them."""
        k = self._average
        groups = len(self._pend_off) // k
        if not groups:
            return
        n = groups * k
        ok = self._pend_ok[:n].reshape(groups, k)
        probs = np.where(ok[..., None], self._pend_probs[:n].reshape(groups, k, -1), 0.0)
        valid = ok.sum(1)
        mean = probs.sum(1) / np.maximum(valid, 1)[:, None]
        idx = mean.argmax(1)
        conf = mean[np.arange(groups), idx]
        first = self._pend_off[:n:k]
        ready = self._pend_off[k - 1:n:k] + self.window - 1
        self._stats["decisions"] += groups
        # groups without a valid window are already counted as nonfinite / no_power
        publish = (valid > 0) & (conf >= self._min_confidence)
        self._stats["below_confidence"] += int(np.sum((valid > 0) & ~publish))
        pub = np.flatnonzero(publish)
        if len(pub):
            self._publish(pub, first[pub], ready[pub], idx[pub], conf[pub], mean[pub], valid[pub])
        self._pend_off = self._pend_off[n:]
        self._pend_probs = self._pend_probs[n:]
        self._pend_ok = self._pend_ok[n:]
        oldest = int(self._pend_off[0]) if len(self._pend_off) else self._next
        self._rx_time.prune(oldest)
        self._src.prune(oldest)
        if self._snr:
            self._snr = {o: v for o, v in self._snr.items() if o >= oldest}

    def _publish(self, groups, first, ready, idx, conf, probs, valid):
        """Publish decisions: `groups` index the pending groups, `first` is each decision's
        first window offset, `ready` the sample where its last window ends (tag position)."""
        offsets = first
        src = self._src.at_many(first)
        if src is not None:  # behind a gate: the radio's sample index
            offsets = src[1] + (first - src[0])
        arrays = (idx.astype(np.int32), offsets.astype(np.uint64), valid.astype(np.int32),
                  conf.astype(np.float64), probs.astype(np.float32))
        extras = self._extra_fields(groups, first)
        if extras is None and not self.tag_output:
            # the messages are built and published in one C++ call, never handed to Python
            # and back as a list of PMT objects; the block pointer is fetched each time: a
            # copy kept on self can outlive the C++ block when the interpreter tears the
            # flowgraph down, and crash it
            self._stats["published"] += publish_label_messages(
                self.to_basic_block(), self.port, self._base_msgs, *arrays)
            return
        msgs = make_label_messages(self._base_msgs, *arrays)
        send, port = self._send, self.port
        for j, d in enumerate(msgs):
            for key, value in (extras[j] if extras is not None else ()):
                d = pmt.dict_add(d, key, value)
            send(port, d)
            if self.tag_output:
                self.add_item_tag(0, int(ready[j]), self._tag_key, d)
        self._stats["published"] += len(msgs)

    def _extra_fields(self, groups, first):
        """Per decision, the optional (key, PMT) fields rx_time, snr_db and rx_freq; None
        when the stream carries none of the tags they come from."""
        times = self._rx_time.at_many(first) if self.samp_rate > 0 else None
        if times is None and not self._snr and self._rx_freq is None:
            return None
        k, keys = self._average, self._keys
        freq = None if self._rx_freq is None else (keys["rx_freq"], pmt.from_double(self._rx_freq))
        out = []
        for j, g in enumerate(groups.tolist()):
            fields = []
            if times is not None:
                t = float(times[1][j]) + (int(first[j]) - int(times[0][j])) / self.samp_rate
                whole = int(np.floor(t))
                fields.append((keys["rx_time"], pmt.make_tuple(pmt.from_uint64(whole),
                                                               pmt.from_double(t - whole))))
            if self._snr:
                est = [self._snr[o] for o in self._pend_off[g * k:(g + 1) * k].tolist()
                       if o in self._snr]
                if est:
                    fields.append((keys["snr_db"], pmt.from_double(sum(est) / len(est))))
            if freq is not None:
                fields.append(freq)
            out.append(fields)
        return out


class _Anchors:
    """Tag values by stream offset, oldest first, for mapping a window offset to the latest
    tag at or before it (or the first one, when all are later)."""

    def __init__(self):
        self._offsets, self._values = [], []

    def add(self, offset, value):
        self._offsets.append(int(offset))
        self._values.append(value)

    def at_many(self, offsets):
        """(anchor offsets, values) as arrays, one per entry of `offsets`; None if empty."""
        if not self._offsets:
            return None
        i = np.maximum(np.searchsorted(self._offsets, offsets, side="right") - 1, 0)
        return np.asarray(self._offsets, dtype=np.int64)[i], np.asarray(self._values)[i]

    def prune(self, oldest):
        """Forget entries no window from `oldest` on can need (keeps the latest before it)."""
        i = bisect.bisect_right(self._offsets, oldest) - 1
        if i > 0:
            del self._offsets[:i], self._values[:i]
