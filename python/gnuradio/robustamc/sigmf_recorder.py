#
# Copyright 2026 gr-robustamc authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""sigmf_recorder: records a complex stream as a SigMF recording with labelled annotations."""

import math
import threading

import numpy as np
import pmt
from gnuradio import gr

from robustamc.constants import class_name
from robustamc.recordings import RecordingError, SigMFWriter


class sigmf_recorder(gr.sync_block):
    """Record a complex stream into `path`.sigmf-data / .sigmf-meta (cf32_le), annotating it
    with the modulation being transmitted, so users can build training data from their own
    transmitters (robustamc-train --data path.sigmf-meta reads it back).

    `label` (one of the 11 classes, or empty for none) names what the samples are; message
    port `label` changes it at run time (a PMT symbol or string; empty stops labelling).
    One annotation per run of samples with one label; behind an `occupancy_gate_cc` a gap in
    the radio's stream (a `src_offset` tag) starts a new run, and the gate's `snr_db` tags
    are averaged into the run's robustamc:snr_db. Without a gate, `snr_db` (if finite) is
    stored for every run. The metadata is written when the flowgraph stops.
    """

    def __init__(self, path, samp_rate=200e3, label="", center_freq=0.0, snr_db=float("nan"),
                 description="", overwrite=False):
        gr.sync_block.__init__(self, name="sigmf_recorder", in_sig=[np.complex64], out_sig=None)
        self._check_label(label)
        try:
            self.writer = SigMFWriter(path, samp_rate,
                                      center_freq=float(center_freq) if center_freq else None,
                                      description=description, overwrite=bool(overwrite))
        except RecordingError as e:
            raise ValueError(f"sigmf_recorder: {e}") from None
        self._label = self._check_label(label) or None
        self._snr_default = float(snr_db)
        self._lock = threading.Lock()
        self._new_run = False
        self.message_port_register_in(pmt.intern("label"))
        self.set_msg_handler(pmt.intern("label"), self._on_label)

    @staticmethod
    def _check_label(label):
        """The class name `label` means (any case), '' for none; ValueError otherwise."""
        if not label:
            return ""
        try:
            return class_name(label)
        except ValueError as e:
            raise ValueError(f"sigmf_recorder: {e}") from None

    def set_label(self, label):
        """Label the samples from now on (empty: stop labelling)."""
        label = self._check_label(label)
        with self._lock:
            self._label = label or None

    def label(self):
        return self._label or ""

    def _on_label(self, msg):
        value = pmt.symbol_to_string(msg) if pmt.is_symbol(msg) else pmt.to_python(msg)
        try:
            self.set_label(str(value) if value is not None else "")
        except ValueError as e:
            self.logger.warn(f"label message ignored: {e}")

    def work(self, input_items, output_items):
        x = input_items[0]
        n = len(x)
        base = self.nitems_read(0)
        snr_pos, snr_val, gaps = [], [], set()
        for tag in self.get_tags_in_window(0, 0, n):
            key = pmt.symbol_to_string(tag.key)
            rel = tag.offset - base
            if key == "snr_db" and pmt.is_number(tag.value):
                snr_pos.append(rel)
                snr_val.append(pmt.to_double(tag.value))
            elif key == "src_offset":
                gaps.add(rel)  # the gate skipped samples before this one
        with self._lock:
            label = self._label
        order = np.argsort(snr_pos, kind="stable")
        snr_pos, snr_val = np.asarray(snr_pos)[order], np.asarray(snr_val)[order]
        edges = sorted(gaps | {0}) + [n]
        for a, b in zip(edges[:-1], edges[1:]):
            if a == b:
                continue
            i, j = np.searchsorted(snr_pos, [a, b])  # the SNR tags inside [a, b)
            snrs = snr_val[i:j]
            if not len(snrs) and math.isfinite(self._snr_default):
                snrs = [self._snr_default]
            self.writer.write(x[a:b], label=label, snr_db=snrs,
                              new_run=a in gaps)
        return n

    def stop(self):
        self.writer.close()
        return True

    def samples_written(self):
        return self.writer.n_samples
