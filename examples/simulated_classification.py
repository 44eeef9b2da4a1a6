#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: Simulated live modulation classification
# Author: gr-robustamc authors
# Description: Stock GNU Radio modulators take turns (BPSK, QPSK, QAM16, GFSK, AM-DSB, WBFM; 0.5 s each) through a channel model into the modulation classifier; each decision is printed as a PMT dict.
# GNU Radio version: 3.10.5.1

from gnuradio import blocks
from gnuradio import channels
from gnuradio.filter import firdes
from gnuradio import gr
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import robustamc




class simulated_classification(gr.top_block):

    def __init__(self, snr_db=14, n_samples=0):
        gr.top_block.__init__(self, "Simulated live modulation classification", catch_exceptions=True)

        ##################################################
        # Parameters
        ##################################################
        self.snr_db = snr_db
        self.n_samples = n_samples

        ##################################################
        # Variables
        ##################################################
        self.samp_rate = samp_rate = 200e3
        self.segment = segment = int(0.5 * samp_rate)

        ##################################################
        # Blocks
        ##################################################

        self.throttle = blocks.throttle(gr.sizeof_gr_complex*1, samp_rate,True)
        self.src_5 = robustamc.stock_modulation_source("WBFM", seed=5)
        self.src_4 = robustamc.stock_modulation_source("AM-DSB", seed=4)
        self.src_3 = robustamc.stock_modulation_source("GFSK", seed=3)
        self.src_2 = robustamc.stock_modulation_source("QAM16", seed=2)
        self.src_1 = robustamc.stock_modulation_source("QPSK", seed=1)
        self.src_0 = robustamc.stock_modulation_source("BPSK", seed=0)
        self.sink = blocks.null_sink(gr.sizeof_gr_complex*1)
        self.mux = blocks.stream_mux(gr.sizeof_gr_complex*1, [segment] * 6)
        self.labels_print = blocks.message_debug(True)
        self.head = blocks.head(gr.sizeof_gr_complex*1, (n_samples if n_samples > 0 else 2**62))
        self.classifier = robustamc.modulation_classifier(bundle='', hop=0, average=64, min_confidence=0.0, threads=1, tag_output=False, samp_rate=samp_rate, max_batch=0)
        self.channel = channels.channel_model(
            noise_voltage=(10 ** (-snr_db / 20)),
            frequency_offset=(50 / samp_rate),
            epsilon=1.0,
            taps=[1.0],
            noise_seed=0,
            block_tags=False)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.classifier, 'labels'), (self.labels_print, 'print'))
        self.connect((self.channel, 0), (self.throttle, 0))
        self.connect((self.classifier, 0), (self.sink, 0))
        self.connect((self.head, 0), (self.classifier, 0))
        self.connect((self.mux, 0), (self.channel, 0))
        self.connect((self.src_0, 0), (self.mux, 0))
        self.connect((self.src_1, 0), (self.mux, 1))
        self.connect((self.src_2, 0), (self.mux, 2))
        self.connect((self.src_3, 0), (self.mux, 3))
        self.connect((self.src_4, 0), (self.mux, 4))
        self.connect((self.src_5, 0), (self.mux, 5))
        self.connect((self.throttle, 0), (self.head, 0))


    def get_snr_db(self):
        return self.snr_db

    def set_snr_db(self, snr_db):
        self.snr_db = snr_db
        self.channel.set_noise_voltage((10 ** (-self.snr_db / 20)))

    def get_n_samples(self):
        return self.n_samples

    def set_n_samples(self, n_samples):
        self.n_samples = n_samples
        self.head.set_length((self.n_samples if self.n_samples > 0 else 2**62))

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.set_segment(int(0.5 * self.samp_rate))
        self.channel.set_frequency_offset((50 / self.samp_rate))
        self.throttle.set_sample_rate(self.samp_rate)

    def get_segment(self):
        return self.segment

    def set_segment(self, segment):
        self.segment = segment



def argument_parser():
    description = 'Stock GNU Radio modulators take turns (BPSK, QPSK, QAM16, GFSK, AM-DSB, WBFM; 0.5 s each) through a channel model into the modulation classifier; each decision is printed as a PMT dict.'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--snr-db", dest="snr_db", type=eng_float, default=eng_notation.num_to_str(float(14)),
        help="Set SNR (dB) [default=%(default)r]")
    parser.add_argument(
        "--n-samples", dest="n_samples", type=intx, default=0,
        help="Set Samples to run (0 = forever) [default=%(default)r]")
    return parser


def main(top_block_cls=simulated_classification, options=None):
    if options is None:
        options = argument_parser().parse_args()
    tb = top_block_cls(snr_db=options.snr_db, n_samples=options.n_samples)

    def sig_handler(sig=None, frame=None):
        tb.stop()
        tb.wait()

        sys.exit(0)

    signal.signal(signal.SIGINT, sig_handler)
    signal.signal(signal.SIGTERM, sig_handler)

    tb.start()

    tb.wait()


if __name__ == '__main__':
    main()
