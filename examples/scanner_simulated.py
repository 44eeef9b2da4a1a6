#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: Simulated wideband scan
# Author: gr-robustamc authors
# Description: A simulated 2.048 Msps band: five stock GNU Radio modulators at their own symbol rates (20-128 kbaud) and frequencies, in noise, through the Signal Scanner; the waterfall boxes and names each signal, and each scanner message is printed.
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

from gnuradio import analog
from gnuradio import blocks
from gnuradio import gr
from gnuradio.filter import firdes
from gnuradio.fft import window
import sys
import signal
from PyQt5 import Qt
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import robustamc
from gnuradio.filter import pfb



from gnuradio import qtgui

class scanner_simulated(gr.top_block, Qt.QWidget):

    def __init__(self, n_samples=0):
        gr.top_block.__init__(self, "Simulated wideband scan", catch_exceptions=True)
        Qt.QWidget.__init__(self)
        self.setWindowTitle("Simulated wideband scan")
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

        self.settings = Qt.QSettings("GNU Radio", "scanner_simulated")

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
        self.n_samples = n_samples

        ##################################################
        # Variables
        ##################################################
        self.samp_rate = samp_rate = 2.048e6
        self.center_freq = center_freq = 433.9e6

        ##################################################
        # Blocks
        ##################################################

        self.throttle = blocks.throttle(gr.sizeof_gr_complex*1, samp_rate,True)
        self.src_4 = robustamc.stock_modulation_source("QAM16", seed=5, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.src_3 = robustamc.stock_modulation_source("BPSK", seed=4, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.src_2 = robustamc.stock_modulation_source("8PSK", seed=3, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.src_1 = robustamc.stock_modulation_source("GFSK", seed=2, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.src_0 = robustamc.stock_modulation_source("QPSK", seed=1, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.signals_print = blocks.message_debug(True)
        self.scanner = robustamc.signal_scanner(samp_rate=samp_rate, bundle='', center_freq=center_freq, average=8, interval_s=0.02, threshold_db=8.0, nfft=0, max_signals=32, threads=1, backend="")
        self.resamp_4 = pfb.arb_resampler_ccf(
            (20.48 / 8),
            taps=None,
            flt_size=32)
        self.resamp_4.declare_sample_delay(0)
        self.resamp_3 = pfb.arb_resampler_ccf(
            (80.0 / 8),
            taps=None,
            flt_size=32)
        self.resamp_3.declare_sample_delay(0)
        self.resamp_2 = pfb.arb_resampler_ccf(
            (16.0 / 8),
            taps=None,
            flt_size=32)
        self.resamp_2.declare_sample_delay(0)
        self.resamp_1 = pfb.arb_resampler_ccf(
            (51.2 / 8),
            taps=None,
            flt_size=32)
        self.resamp_1.declare_sample_delay(0)
        self.resamp_0 = pfb.arb_resampler_ccf(
            (32.0 / 8),
            taps=None,
            flt_size=32)
        self.resamp_0.declare_sample_delay(0)
        self.noise = analog.noise_source_c(analog.GR_GAUSSIAN, 0.02, 7)
        self.mix_4 = blocks.multiply_vcc(1)
        self.mix_3 = blocks.multiply_vcc(1)
        self.mix_2 = blocks.multiply_vcc(1)
        self.mix_1 = blocks.multiply_vcc(1)
        self.mix_0 = blocks.multiply_vcc(1)
        self.lo_4 = analog.sig_source_c(samp_rate, analog.GR_COS_WAVE, 750000, 1, 0, 0)
        self.lo_3 = analog.sig_source_c(samp_rate, analog.GR_COS_WAVE, 450000, 1, 0, 0)
        self.lo_2 = analog.sig_source_c(samp_rate, analog.GR_COS_WAVE, 150000, 1, 0, 0)
        self.lo_1 = analog.sig_source_c(samp_rate, analog.GR_COS_WAVE, (-250000), 1, 0, 0)
        self.lo_0 = analog.sig_source_c(samp_rate, analog.GR_COS_WAVE, (-600000), 1, 0, 0)
        self.head = blocks.head(gr.sizeof_gr_complex*1, (n_samples if n_samples > 0 else 2**62))
        self.display = robustamc.scanner_display(samp_rate=samp_rate, center_freq=center_freq, nfft=1024, rows=300, rows_per_s=50, dyn_range_db=50, fade_s=3, title='Five stock GNU Radio modulators at their own symbol rates')
        self._display_win = self.display.widget()
        self.top_grid_layout.addWidget(self._display_win, 0, 0, 1, 1)
        for r in range(0, 1):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.add = blocks.add_vcc(1)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.scanner, 'signals'), (self.display, 'signals'))
        self.msg_connect((self.scanner, 'signals'), (self.signals_print, 'print'))
        self.connect((self.add, 0), (self.throttle, 0))
        self.connect((self.head, 0), (self.scanner, 0))
        self.connect((self.lo_0, 0), (self.mix_0, 1))
        self.connect((self.lo_1, 0), (self.mix_1, 1))
        self.connect((self.lo_2, 0), (self.mix_2, 1))
        self.connect((self.lo_3, 0), (self.mix_3, 1))
        self.connect((self.lo_4, 0), (self.mix_4, 1))
        self.connect((self.mix_0, 0), (self.add, 1))
        self.connect((self.mix_1, 0), (self.add, 2))
        self.connect((self.mix_2, 0), (self.add, 3))
        self.connect((self.mix_3, 0), (self.add, 4))
        self.connect((self.mix_4, 0), (self.add, 5))
        self.connect((self.noise, 0), (self.add, 0))
        self.connect((self.resamp_0, 0), (self.mix_0, 0))
        self.connect((self.resamp_1, 0), (self.mix_1, 0))
        self.connect((self.resamp_2, 0), (self.mix_2, 0))
        self.connect((self.resamp_3, 0), (self.mix_3, 0))
        self.connect((self.resamp_4, 0), (self.mix_4, 0))
        self.connect((self.scanner, 0), (self.display, 0))
        self.connect((self.src_0, 0), (self.resamp_0, 0))
        self.connect((self.src_1, 0), (self.resamp_1, 0))
        self.connect((self.src_2, 0), (self.resamp_2, 0))
        self.connect((self.src_3, 0), (self.resamp_3, 0))
        self.connect((self.src_4, 0), (self.resamp_4, 0))
        self.connect((self.throttle, 0), (self.head, 0))


    def closeEvent(self, event):
        self.settings = Qt.QSettings("GNU Radio", "scanner_simulated")
        self.settings.setValue("geometry", self.saveGeometry())
        self.stop()
        self.wait()

        event.accept()

    def get_n_samples(self):
        return self.n_samples

    def set_n_samples(self, n_samples):
        self.n_samples = n_samples
        self.head.set_length((self.n_samples if self.n_samples > 0 else 2**62))

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.lo_0.set_sampling_freq(self.samp_rate)
        self.lo_1.set_sampling_freq(self.samp_rate)
        self.lo_2.set_sampling_freq(self.samp_rate)
        self.lo_3.set_sampling_freq(self.samp_rate)
        self.lo_4.set_sampling_freq(self.samp_rate)
        self.throttle.set_sample_rate(self.samp_rate)

    def get_center_freq(self):
        return self.center_freq

    def set_center_freq(self, center_freq):
        self.center_freq = center_freq
        self.scanner.set_center_freq(self.center_freq)
        self.display.set_center_freq(self.center_freq)



def argument_parser():
    description = 'A simulated 2.048 Msps band: five stock GNU Radio modulators at their own symbol rates (20-128 kbaud) and frequencies, in noise, through the Signal Scanner; the waterfall boxes and names each signal, and each scanner message is printed.'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--n-samples", dest="n_samples", type=intx, default=0,
        help="Set Samples to run (0 = forever) [default=%(default)r]")
    return parser


def main(top_block_cls=scanner_simulated, options=None):
    if options is None:
        options = argument_parser().parse_args()

    if StrictVersion("4.5.0") <= StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
        style = gr.prefs().get_string('qtgui', 'style', 'raster')
        Qt.QApplication.setGraphicsSystem(style)
    qapp = Qt.QApplication(sys.argv)

    tb = top_block_cls(n_samples=options.n_samples)

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
