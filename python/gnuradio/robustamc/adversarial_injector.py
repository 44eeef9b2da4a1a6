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

def _injection():
    """robustamc.injection, imported on first use: it needs PyTorch, which the other blocks
    (on the C++ engine) do not, so importing the blocks must not load it."""
    from robustamc import injection
    return injection


class adversarial_injector(gr.sync_block):
    """Complex stream in, the stream plus a perturbation out.

    The stream is cut into windows of `window` samples starting at sample `offset` (the
    victim's framing, as an attacker who knows it would align). Each window gets, by `mode`:
    `off` nothing; `gaussian` white noise (the jamming baseline); `fgm` / `pgd` a white-box
    attack on `bundle` ('' = the shipped default) that moves the window away from the model's
    own prediction (or from class index `label` if >= 0), `pgd_steps` steps for pgd; `uap` the
    universal perturbation in `uap_file` (from `robustamc-attack uap`), at a random cyclic
    shift per window if `random_shift`. The power is `psr_db`, perturbation-to-signal ratio in
    dB against the power of the window it perturbs, within -150..+40 dB (checked after the
    conversion to float32).

    Message port `control`: a PMT dict with any of `mode` (symbol) and `psr_db` (real number),
    or a bare mode symbol; anything else (unknown keys, an empty dict, a bool or a string for
    psr_db, a PSR out of range) is logged, counted in `stats()["refused_messages"]` and
    refused as a whole, and the stream never stops. Each perturbed window carries a tag
    `adversarial` = dict(mode, psr_db, achieved_psr_db) on its first sample. Samples before
    `offset` and windows with NaN/Inf or no power pass unchanged, as do windows whose
    perturbed samples would not fit float32 (a huge input at a high PSR): all counted in
    `stats()`. A final partial window at the end of a finite stream is dropped.
    """

    def __init__(self, mode="off", psr_db=-20.0, bundle="", uap_file="", window=128, offset=0,
                 pgd_steps=10, label=-1, random_shift=True, seed=0, threads=1):
        gr.sync_block.__init__(self, name="adversarial_injector",
                               in_sig=[np.complex64], out_sig=[np.complex64])
        if int(window) < 1 or int(offset) < 0:
            raise ValueError("adversarial_injector: window must be >= 1 and offset >= 0")
        try:
            inj = _injection()
        except ModuleNotFoundError as e:
            raise RuntimeError(f"adversarial_injector crafts its attacks with PyTorch, which "
                               f"this Python cannot import ({e}); run the flowgraph with the "
                               f"project's venv (bash scripts/bootstrap.sh)") from None
        try:
            psr_db = inj.check_psr_db(psr_db)
        except ValueError as e:
            raise ValueError(f"adversarial_injector: {e}") from None
        try:
            self.perturber = inj.WindowPerturber(mode, bundle or None, uap_file, pgd_steps, label,
                                             random_shift, seed, int(window))
        except (BundleError, ValueError) as e:
            raise ValueError(f"adversarial_injector: {e}") from None
        if int(threads) > 0:
            import torch
            torch.set_num_threads(int(threads))
        self.window, self.offset, self.psr = int(window), int(offset), float(psr_db)
        self.set_output_multiple(self.window)
        self._stats = dict(windows=0, perturbed=0, nonfinite=0, no_power=0,
                           nonfinite_output=0, refused_messages=0, achieved_psr_db_sum=0.0)
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
        try:
            self.psr = _injection().check_psr_db(psr_db)
        except ValueError as e:
            self._stats["refused_messages"] += 1
            self.logger.error(f"refused: {e}; staying at {self.psr:g} dB")

    def mode(self):
        return self.perturber.mode

    def psr_db(self):
        return self.psr

    def stats(self):
        """Counters (windows, perturbed, nonfinite and no_power inputs, nonfinite_output:
        windows left unperturbed because the result would not fit float32, refused_messages)
        and the mean achieved PSR (dB) over the perturbed windows."""
        s = dict(self._stats)
        total = s.pop("achieved_psr_db_sum")
        s["mean_achieved_psr_db"] = total / s["perturbed"] if s["perturbed"] else None
        return s

    def _on_control(self, msg):
        """A mode symbol, or a dict of mode and/or psr_db: checked whole before anything is
        applied, so a refused message changes nothing."""
        try:
            if pmt.is_symbol(msg):
                mode, psr = pmt.symbol_to_string(msg), None
            elif pmt.is_null(msg):   # also what an empty PMT dict is
                raise ValueError("empty message: give a dict of mode and/or psr_db")
            elif pmt.is_dict(msg):
                items, keys = {}, pmt.dict_keys(msg)
                for i in range(pmt.length(keys)):
                    key = pmt.nth(i, keys)
                    if not pmt.is_symbol(key):
                        raise ValueError(f"key {key} is not a symbol")
                    items[pmt.symbol_to_string(key)] = pmt.dict_ref(msg, key, pmt.PMT_NIL)
                unknown = set(items) - {"mode", "psr_db"}
                if unknown:
                    raise ValueError(f"unknown keys {sorted(unknown)}; known: mode, psr_db")
                mode = psr = None
                if "mode" in items:
                    if not pmt.is_symbol(items["mode"]):
                        raise ValueError(f"mode must be a symbol, not {items['mode']}")
                    mode = pmt.symbol_to_string(items["mode"])
                    if mode not in _injection().MODES:
                        raise ValueError(f"unknown mode {mode!r}; known: {', '.join(_injection().MODES)}")
                if "psr_db" in items:
                    v = items["psr_db"]
                    if pmt.is_bool(v) or not pmt.is_number(v) or pmt.is_complex(v):
                        raise ValueError(f"psr_db must be a real number, not {v}")
                    psr = _injection().check_psr_db(pmt.to_double(v))
            else:
                raise ValueError("expected a dict (mode, psr_db) or a mode symbol")
        except (ValueError, TypeError, RuntimeError) as e:   # RuntimeError: malformed PMT
            self._stats["refused_messages"] += 1
            self.logger.error(f"refused control message {msg}: {e}")
            return
        if psr is not None:
            self.set_psr_db(psr)
        if mode is not None:
            self.set_mode(mode)

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
        ok = status == self.perturber.PERTURBED
        self._stats["nonfinite"] += int(np.sum(status == self.perturber.NONFINITE))
        self._stats["no_power"] += int(np.sum(status == self.perturber.NO_POWER))
        self._stats["nonfinite_output"] += int(np.sum(status == self.perturber.OVERFLOW))
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


__all__ = ["adversarial_injector"]
