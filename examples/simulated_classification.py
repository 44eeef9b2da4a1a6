#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: Simulated live modulation classification
# Author: gr-robustamc authors
# Description: Stock GNU Radio modulators take turns (BPSK, QPSK, QAM16, GFSK, AM-DSB, WBFM; 0.5 s each) through a channel model into the modulation classifier; the label display shows each decision, the waterfall the band, and each decision is also printed as a PMT dict.
# GNU Radio version: 3.10.5.1

from packaging.version import Version as StrictVersion

if __name__ == '__main__':
    import ctypes
    import sys
    if sys.platform.startswith('linux'):
        try:
            x11 = ctypes.cdll.LoadLibrary('libX11.so')
            x11.XInitThreads()
        except:
            print("Warning: failed to XInitThreads()")

from PyQt5 import Qt
from gnuradio import qtgui
from gnuradio.filter import firdes
import sip
from gnuradio import blocks
from gnuradio import channels
from gnuradio import gr
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import robustamc



from gnuradio import qtgui

class simulated_classification(gr.top_block, Qt.QWidget):

    def __init__(self, snr_db=14, n_samples=0):
        gr.top_block.__init__(self, "Simulated live modulation classification", catch_exceptions=True)
        Qt.QWidget.__init__(self)
        self.setWindowTitle("Simulated live modulation classification")
        qtgui.util.check_set_qss()
        try:
            self.setWindowIcon(Qt.QIcon.fromTheme('gnuradio-grc'))
        except:
            pass
        self.top_scroll_layout = Qt.QVBoxLayout()
        self.setLayout(self.top_scroll_layout)
        self.top_scroll = Qt.QScrollArea()
        self.top_scroll.setFrameStyle(Qt.QFrame.NoFrame)
        self.top_scroll_layout.addWidget(self.top_scroll)
        self.top_scroll.setWidgetResizable(True)
        self.top_widget = Qt.QWidget()
        self.top_scroll.setWidget(self.top_widget)
        self.top_layout = Qt.QVBoxLayout(self.top_widget)
        self.top_grid_layout = Qt.QGridLayout()
        self.top_layout.addLayout(self.top_grid_layout)

        self.settings = Qt.QSettings("GNU Radio", "simulated_classification")

        try:
            if StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
                self.restoreGeometry(self.settings.value("geometry").toByteArray())
            else:
                self.restoreGeometry(self.settings.value("geometry"))
        except:
            pass

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

        self.waterfall = qtgui.waterfall_sink_c(
            1024, #size
            window.WIN_BLACKMAN_hARRIS, #wintype
            0, #fc
            samp_rate, #bw
            "channel", #name
            1, #number of inputs
            None # parent
        )
        self.waterfall.set_update_time(0.10)
        self.waterfall.enable_grid(False)
        self.waterfall.enable_axis_labels(True)



        labels = ['', '', '', '', '',
                  '', '', '', '', '']
        colors = [0, 0, 0, 0, 0,
                  0, 0, 0, 0, 0]
        alphas = [1.0, 1.0, 1.0, 1.0, 1.0,
                  1.0, 1.0, 1.0, 1.0, 1.0]

        for i in range(1):
            if len(labels[i]) == 0:
                self.waterfall.set_line_label(i, "Data {0}".format(i))
            else:
                self.waterfall.set_line_label(i, labels[i])
            self.waterfall.set_color_map(i, colors[i])
            self.waterfall.set_line_alpha(i, alphas[i])

        self.waterfall.set_intensity_range(-80, 0)

        self._waterfall_win = sip.wrapinstance(self.waterfall.qwidget(), Qt.QWidget)

        self.top_grid_layout.addWidget(self._waterfall_win, 1, 0, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.throttle = blocks.throttle(gr.sizeof_gr_complex*1, samp_rate,True)
        self.src_5 = robustamc.stock_modulation_source("WBFM", seed=5, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.src_4 = robustamc.stock_modulation_source("AM-DSB", seed=4, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.src_3 = robustamc.stock_modulation_source("GFSK", seed=3, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.src_2 = robustamc.stock_modulation_source("QAM16", seed=2, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.src_1 = robustamc.stock_modulation_source("QPSK", seed=1, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.src_0 = robustamc.stock_modulation_source("BPSK", seed=0, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.sink = blocks.null_sink(gr.sizeof_gr_complex*1)
        self.mux = blocks.stream_mux(gr.sizeof_gr_complex*1, [segment] * 6)
        self.labels_print = blocks.message_debug(True)
        self.head = blocks.head(gr.sizeof_gr_complex*1, (n_samples if n_samples > 0 else 2**62))
        self.display = robustamc.label_display('compact-robust (shipped default)', 40, 0)
        self._display_win = self.display.widget()
        self.top_grid_layout.addWidget(self._display_win, 0, 0, 1, 1)
        for r in range(0, 1):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.classifier = robustamc.modulation_classifier(bundle='', hop=0, average=64, min_confidence=0.0, threads=1, tag_output=False, samp_rate=samp_rate, max_batch=0, backend="")
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
        self.msg_connect((self.classifier, 'labels'), (self.display, 'labels'))
        self.msg_connect((self.classifier, 'labels'), (self.labels_print, 'print'))
        self.connect((self.channel, 0), (self.throttle, 0))
        self.connect((self.classifier, 0), (self.sink, 0))
        self.connect((self.head, 0), (self.classifier, 0))
        self.connect((self.head, 0), (self.waterfall, 0))
        self.connect((self.mux, 0), (self.channel, 0))
        self.connect((self.src_0, 0), (self.mux, 0))
        self.connect((self.src_1, 0), (self.mux, 1))
        self.connect((self.src_2, 0), (self.mux, 2))
        self.connect((self.src_3, 0), (self.mux, 3))
        self.connect((self.src_4, 0), (self.mux, 4))
        self.connect((self.src_5, 0), (self.mux, 5))
        self.connect((self.throttle, 0), (self.head, 0))


    def closeEvent(self, event):
        self.settings = Qt.QSettings("GNU Radio", "simulated_classification")
        self.settings.setValue("geometry", self.saveGeometry())
        self.stop()
        self.wait()

        event.accept()

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
        self.waterfall.set_frequency_range(0, self.samp_rate)

    def get_segment(self):
        return self.segment

    def set_segment(self, segment):
        self.segment = segment



def argument_parser():
    description = 'Stock GNU Radio modulators take turns (BPSK, QPSK, QAM16, GFSK, AM-DSB, WBFM; 0.5 s each) through a channel model into the modulation classifier; the label display shows each decision, the waterfall the band, and each decision is also printed as a PMT dict.'
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

    if StrictVersion("4.5.0") <= StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
        style = gr.prefs().get_string('qtgui', 'style', 'raster')
        Qt.QApplication.setGraphicsSystem(style)
    qapp = Qt.QApplication(sys.argv)

    tb = top_block_cls(snr_db=options.snr_db, n_samples=options.n_samples)

    tb.start()

    tb.show()

    def sig_handler(sig=None, frame=None):
        tb.stop()
        tb.wait()

        Qt.QApplication.quit()

    signal.signal(signal.SIGINT, sig_handler)
    signal.signal(signal.SIGTERM, sig_handler)

    timer = Qt.QTimer()
    timer.start(500)
    timer.timeout.connect(lambda: None)

    qapp.exec_()

if __name__ == '__main__':
    main()
