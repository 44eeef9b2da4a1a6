#
# Copyright 2026 gr-robustamc authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""adversarial_injector: adds an adversarial (or jamming) perturbation to a complex stream."""

import numpy as np
import pmt
from gnuradio import gr

from robustamc.bundle import BundleError
from robustamc.injection import MODES, WindowPerturber


class adversarial_injector(gr.sync_block):
    """Complex stream in, the stream plus a perturbation out.

    The stream is cut into windows of `window` samples starting at sample `offset` (the
    victim's framing, as an attacker who knows it would align). Each window gets, by `mode`:
    `off` nothing; `gaussian` white noise (the jamming baseline); `fgm` / `pgd` a white-box
    attack on `bundle` ('' = the shipped default) that moves the window away from the model's
    own prediction (or from class index `label` if >= 0), `pgd_steps` steps for pgd; `uap` the
    universal perturbation in `uap_file` (from `robustamc-attack uap`), at a random cyclic
    shift per window if `random_shift`. The power is `psr_db`, perturbation-to-signal ratio in
    dB against the power of the window it perturbs.

    Message port `control`: a PMT dict with any of `mode` (symbol) and `psr_db` (number), or
    a bare mode symbol; bad values are logged and refused, the stream never stops. Each
    perturbed window carries a tag `adversarial` = dict(mode, psr_db, achieved_psr_db) on its
    first sample. Samples before `offset` and windows with NaN/Inf or no power pass unchanged
    (counted in `stats()`). A final partial window at the end of a finite stream is dropped.
    """

    def __init__(self, mode="off", psr_db=-20.0, bundle="", uap_file="", window=128, offset=0,
                 pgd_steps=10, label=-1, random_shift=True, seed=0, threads=1):
        gr.sync_block.__init__(self, name="adversarial_injector",
                               in_sig=[np.complex64], out_sig=[np.complex64])
        if int(window) < 1 or int(offset) < 0:
            raise ValueError("adversarial_injector: window must be >= 1 and offset >= 0")
        if not np.isfinite(float(psr_db)):
            raise ValueError("adversarial_injector: psr_db must be finite")
        try:
            self.perturber = WindowPerturber(mode, bundle or None, uap_file, pgd_steps, label,
                                             random_shift, seed, int(window))
        except (BundleError, ValueError) as e:
            raise ValueError(f"adversarial_injector: {e}") from None
        if int(threads) > 0:
            import torch
            torch.set_num_threads(int(threads))
        self.window, self.offset, self.psr = int(window), int(offset), float(psr_db)
        self.set_output_multiple(self.window)
        self._stats = dict(windows=0, perturbed=0, nonfinite=0, no_power=0, refused_messages=0,
                           achieved_psr_db_sum=0.0)
        self._tag_key = pmt.intern("adversarial")
        self._k = {k: pmt.intern(k) for k in ("mode", "psr_db", "achieved_psr_db")}
        self.message_port_register_in(pmt.intern("control"))
        self.set_msg_handler(pmt.intern("control"), self._on_control)

    # -- run-time settings (GRC callbacks and the control port) --------------------------
    def set_mode(self, mode):
        try:
            self.perturber.set_mode(str(mode))
        except (BundleError, ValueError) as e:
            self._stats["refused_messages"] += 1
            self.logger.error(f"refused mode {mode!r}: {e}; staying in {self.perturber.mode!r}")

    def set_psr_db(self, psr_db):
        psr_db = float(psr_db)
        if not np.isfinite(psr_db):
            self._stats["refused_messages"] += 1
            self.logger.error(f"refused psr_db {psr_db}: not finite")
            return
        self.psr = psr_db

    def mode(self):
        return self.perturber.mode

    def psr_db(self):
        return self.psr

    def stats(self):
        """Counters, and the mean achieved PSR (dB) over the perturbed windows."""
        s = dict(self._stats)
        total = s.pop("achieved_psr_db_sum")
        s["mean_achieved_psr_db"] = total / s["perturbed"] if s["perturbed"] else None
        return s

    def _on_control(self, msg):
        try:
            if pmt.is_symbol(msg):
                self.set_mode(pmt.symbol_to_string(msg))
                return
            if not pmt.is_dict(msg):
                raise ValueError("expected a dict or a mode symbol")
            d = pmt.to_python(msg)
            unknown = set(d) - {"mode", "psr_db"}
            if unknown:
                raise ValueError(f"unknown keys {sorted(unknown)}")
            if "psr_db" in d:
                self.set_psr_db(d["psr_db"])
            if "mode" in d:
                self.set_mode(d["mode"])
        except (ValueError, TypeError) as e:
            self._stats["refused_messages"] += 1
            self.logger.error(f"refused control message {msg}: {e}")

    # -- streaming -----------------------------------------------------------------------
    def work(self, input_items, output_items):
        inp, out = input_items[0], output_items[0]
        n = len(out)
        start = self.nitems_written(0)
        phase = self.offset % self.window
        if start < phase:
            # pass the samples before the first window, so later calls start on window edges
            k = min(n, phase - start)
            out[:k] = inp[:k]
            return k
        wins = inp[:n - n % self.window].reshape(-1, self.window)
        out[:n] = inp[:n]
        if start < self.offset:     # offsets beyond one window: whole windows pass unchanged
            skip = min(len(wins), (self.offset - start) // self.window)
            wins_from = skip
        else:
            wins_from = 0
        todo = wins[wins_from:]
        if not len(todo):
            return n
        psr, mode = self.psr, self.perturber.mode
        delta, achieved, status = self.perturber.perturb(todo, psr)
        self._stats["windows"] += len(todo)
        if mode == "off":
            return n
        ok = status == WindowPerturber.PERTURBED
        self._stats["nonfinite"] += int(np.sum(status == WindowPerturber.NONFINITE))
        self._stats["no_power"] += int(np.sum(status == WindowPerturber.NO_POWER))
        self._stats["perturbed"] += int(ok.sum())
        self._stats["achieved_psr_db_sum"] += float(achieved[ok].sum())
        o = out[wins_from * self.window:len(todo) * self.window + wins_from * self.window]
        o += delta.reshape(-1)
        mode_p, psr_p = pmt.intern(mode), pmt.from_double(psr)
        for i in np.flatnonzero(ok):
            value = pmt.make_dict()
            value = pmt.dict_add(value, self._k["mode"], mode_p)
            value = pmt.dict_add(value, self._k["psr_db"], psr_p)
            value = pmt.dict_add(value, self._k["achieved_psr_db"], pmt.from_double(float(achieved[i])))
            self.add_item_tag(0, start + (wins_from + i) * self.window, self._tag_key, value)
        return n


__all__ = ["adversarial_injector", "MODES"]
