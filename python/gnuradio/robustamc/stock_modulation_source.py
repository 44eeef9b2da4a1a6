#
# Copyright 2026 gr-robustamc authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""stock_modulation_source: one of the 11 classes made by GNU Radio's own stock blocks."""

import math

import numpy as np
from gnuradio import analog, blocks, digital, filter, gr
from gnuradio.digital import qam

from robustamc.constants import SAMPLES_PER_SYMBOL, class_name

_SPS = SAMPLES_PER_SYMBOL
_MAX_RATIO = 16  # the largest ratio of one resampler stage
_H = 0.5  # CPFSK and GFSK modulation index, as in robustamc.synth


def _constellation(name):
    if name == "PAM4":
        return digital.constellation_calcdist([-3, -1, 1, 3], [0, 1, 3, 2], 4, 1,
                                              digital.constellation.AMPLITUDE_NORMALIZATION)
    return {"BPSK": digital.constellation_bpsk, "QPSK": digital.constellation_qpsk,
            "8PSK": digital.constellation_8psk, "QAM16": digital.constellation_16qam,
            "QAM64": lambda: qam.qam_constellation(constellation_points=64)}[name]()


class stock_modulation_source(gr.hier_block2):
    """Baseband `modulation` (one of robustamc's 11 classes) from stock GNU Radio blocks.

    Output: complex at `samp_rate` (the model's 200 kHz by default), 8 samples per symbol,
    scaled to unit mean power; a digital class with `samples_per_symbol` other than 8 is
    made at 8 and resampled to it (pfb arbitrary resampler, in steps of at most 16: any
    symbol rate, fractional ones too; the analog classes keep their audio and deviation in
    Hz), and with `center_hz` the output is moved there (a rotator): the pieces of a wideband
    scene. Digital classes take random bytes through digital.generic_mod (RRC, roll-off
    `excess_bw`, 0.35 by default), digital.gfsk_mod (`bt` 0.35, modulation index `mod_index`
    0.5) or analog.cpfsk_bc (index `mod_index`); analog classes take a
    three-tone audio test signal (300, 1100, 2300 Hz) through analog.wfm_tx (75 kHz
    deviation), an AM-DSB chain (1 + 0.8 a(t)) or a Hilbert-filter upper-sideband SSB chain.
    """

    def __init__(self, modulation="QPSK", seed=0, samp_rate=200e3,
                 samples_per_symbol=float(_SPS), center_hz=0.0, excess_bw=0.35,
                 mod_index=_H, bt=0.35):
        gr.hier_block2.__init__(self, "stock_modulation_source", gr.io_signature(0, 0, 0),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex))
        modulation = class_name(modulation)   # ValueError names the classes
        sps = float(samples_per_symbol)
        if not (math.isfinite(sps) and 2.0 <= sps <= 10_000):
            raise ValueError(f"samples_per_symbol must be in 2..10000, got {samples_per_symbol!r}")
        if not (math.isfinite(float(center_hz)) and abs(float(center_hz)) < float(samp_rate) / 2):
            raise ValueError(f"center_hz {center_hz!r} is outside the band (+-samp_rate / 2)")
        pulse = dict(excess_bw=float(excess_bw), mod_index=float(mod_index), bt=float(bt))
        if not (0.0 < pulse["excess_bw"] <= 1.0 and 0.05 <= pulse["mod_index"] <= 4.0
                and 0.1 <= pulse["bt"] <= 1.0):
            raise ValueError(f"excess_bw must be in (0, 1], mod_index in 0.05..4 and bt in "
                             f"0.1..1, got {excess_bw!r}, {mod_index!r}, {bt!r}")
        self.modulation = modulation
        digital_class = modulation not in ("AM-DSB", "AM-SSB", "WBFM")
        resample = digital_class and sps != _SPS
        chain = self._build(modulation, int(seed), float(samp_rate), **pulse)
        power = self._power(modulation, samp_rate, **pulse)
        self.gain = blocks.multiply_const_cc(1.0 / math.sqrt(power))
        chain.append(self.gain)
        if resample:
            # in steps of at most 16: GNU Radio's pfb arbitrary resampler ran for minutes at
            # the ratios of 67-86 that 10-15 kbaud needs at 8 Msps (at 16: 0.05 s)
            ratio = sps / _SPS
            while ratio > _MAX_RATIO:
                chain.append(filter.pfb.arb_resampler_ccf(_MAX_RATIO))
                ratio /= _MAX_RATIO
            chain.append(filter.pfb.arb_resampler_ccf(ratio))
        if center_hz:
            chain.append(blocks.rotator_cc(2 * math.pi * float(center_hz) / float(samp_rate)))
        self.connect(*chain, self)

    @staticmethod
    def _build(name, seed, rate, excess_bw=0.35, mod_index=_H, bt=0.35):
        if name in ("BPSK", "QPSK", "8PSK", "QAM16", "QAM64", "PAM4"):
            src = analog.random_uniform_source_b(0, 256, seed)
            return [src, digital.generic_mod(_constellation(name), differential=False,
                                             samples_per_symbol=_SPS, excess_bw=excess_bw)]
        if name == "GFSK":
            src = analog.random_uniform_source_b(0, 256, seed)
            return [src, digital.gfsk_mod(samples_per_symbol=_SPS,
                                          sensitivity=math.pi * mod_index / _SPS, bt=bt)]
        if name == "CPFSK":
            return [analog.random_uniform_source_b(0, 2, seed),
                    analog.cpfsk_bc(mod_index, 1.0, _SPS)]
        # analog classes: audio test tones at the model rate
        tones = [analog.sig_source_f(rate, analog.GR_COS_WAVE, f, a)
                 for f, a in ((300, 0.4), (1100, 0.3), (2300, 0.2))]
        audio = blocks.add_ff()
        hb = gr.hier_block2("audio", gr.io_signature(0, 0, 0), gr.io_signature(1, 1, gr.sizeof_float))
        for i, t in enumerate(tones):
            hb.connect(t, (audio, i))
        hb.connect(audio, hb)
        if name == "WBFM":
            return [hb, analog.wfm_tx(audio_rate=int(rate), quad_rate=int(rate), max_dev=75e3)]
        if name == "AM-DSB":
            return [hb, blocks.multiply_const_ff(0.8), blocks.add_const_ff(1.0),
                    blocks.float_to_complex()]
        return [hb, filter.hilbert_fc(129)]  # AM-SSB: a(t) + j*H{a(t)}, upper sideband

    @classmethod
    def _power(cls, name, rate, n=1 << 15, **pulse):
        """Mean power of the raw chain, measured once so the output has unit power."""
        tb = gr.top_block()
        chain = cls._build(name, 12345, rate, **pulse)
        head = blocks.head(gr.sizeof_gr_complex, n)
        sink = blocks.vector_sink_c()
        tb.connect(*chain, head, sink)
        tb.run()
        x = np.asarray(sink.data()[n // 4:])
        return float(np.mean(np.abs(x) ** 2))
