#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: USRP wideband scan
# Author: gr-robustamc authors
# Description: USRP (UHD) at 4 Msps (raise it as far as one core keeps up: robustamc-bench --only scan) -> Signal Scanner -> boxed waterfall; rx_time tags reach the scanner's messages. Set the device address and antenna. Only receive.
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
from gnuradio import uhd
import time
from gnuradio.qtgui import Range, RangeWidget
from PyQt5 import QtCore



from gnuradio import qtgui

class usrp_scanner(gr.top_block, Qt.QWidget):

    def __init__(self, radio_rate=4e6, center_freq=915e6, rf_gain=30, usrp_args='', antenna='RX2'):
        gr.top_block.__init__(self, "USRP wideband scan", catch_exceptions=True)
        Qt.QWidget.__init__(self)
        self.setWindowTitle("USRP wideband scan")
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

        self.settings = Qt.QSettings("GNU Radio", "usrp_scanner")

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
        self.radio_rate = radio_rate
        self.center_freq = center_freq
        self.rf_gain = rf_gain
        self.usrp_args = usrp_args
        self.antenna = antenna

        ##################################################
        # Variables
        ##################################################
        self.threshold_db = threshold_db = 8
        self.gain = gain = rf_gain
        self.freq = freq = center_freq

        ##################################################
        # Blocks
        ##################################################

        self._threshold_db_range = Range(4, 30, 0.5, 8, 200)
        self._threshold_db_win = RangeWidget(self._threshold_db_range, self.set_threshold_db, "Threshold (dB over floor)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._threshold_db_win, 1, 1, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(1, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self._gain_range = Range(0, 50, 1, rf_gain, 200)
        self._gain_win = RangeWidget(self._gain_range, self.set_gain, "Gain (dB)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._gain_win, 1, 0, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
            self.top_grid_layout.setColumnStretch(c, 1)
        self._freq_range = Range(24e6, 1.7e9, 1e3, center_freq, 200)
        self._freq_win = RangeWidget(self._freq_range, self.set_freq, "Centre frequency (Hz)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._freq_win, 0, 0, 1, 2)
        for r in range(0, 1):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.signals_print = blocks.message_debug(True)
        self.scanner = robustamc.signal_scanner(samp_rate=radio_rate, bundle='', center_freq=freq, average=8, interval_s=0.02, threshold_db=threshold_db, nfft=0, max_signals=32, threads=1, backend="")
        self.radio = uhd.usrp_source(
            ",".join((usrp_args, '')),
            uhd.stream_args(
                cpu_format="fc32",
                args='',
                channels=list(range(0,1)),
            ),
        )
        self.radio.set_samp_rate(radio_rate)
        self.radio.set_time_now(uhd.time_spec(time.time()), uhd.ALL_MBOARDS)

        self.radio.set_center_freq(freq, 0)
        self.radio.set_antenna(antenna, 0)
        self.radio.set_gain(gain, 0)
        self.display = robustamc.scanner_display(samp_rate=radio_rate, center_freq=freq, nfft=1024, rows=300, rows_per_s=50, dyn_range_db=50, fade_s=3, title='USRP wideband scan')
        self._display_win = self.display.widget()
        self.top_grid_layout.addWidget(self._display_win, 2, 0, 1, 2)
        for r in range(2, 3):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.scanner, 'signals'), (self.display, 'signals'))
        self.msg_connect((self.scanner, 'signals'), (self.signals_print, 'print'))
        self.connect((self.radio, 0), (self.scanner, 0))
        self.connect((self.scanner, 0), (self.display, 0))


    def closeEvent(self, event):
        self.settings = Qt.QSettings("GNU Radio", "usrp_scanner")
        self.settings.setValue("geometry", self.saveGeometry())
        self.stop()
        self.wait()

        event.accept()

    def get_radio_rate(self):
        return self.radio_rate

    def set_radio_rate(self, radio_rate):
        self.radio_rate = radio_rate
        self.radio.set_samp_rate(self.radio_rate)

    def get_center_freq(self):
        return self.center_freq

    def set_center_freq(self, center_freq):
        self.center_freq = center_freq
        self.set_freq(self.center_freq)

    def get_rf_gain(self):
        return self.rf_gain

    def set_rf_gain(self, rf_gain):
        self.rf_gain = rf_gain
        self.set_gain(self.rf_gain)

    def get_usrp_args(self):
        return self.usrp_args

    def set_usrp_args(self, usrp_args):
        self.usrp_args = usrp_args

    def get_antenna(self):
        return self.antenna

    def set_antenna(self, antenna):
        self.antenna = antenna
        self.radio.set_antenna(self.antenna, 0)

    def get_threshold_db(self):
        return self.threshold_db

    def set_threshold_db(self, threshold_db):
        self.threshold_db = threshold_db

    def get_gain(self):
        return self.gain

    def set_gain(self, gain):
        self.gain = gain
        self.radio.set_gain(self.gain, 0)

    def get_freq(self):
        return self.freq

    def set_freq(self, freq):
        self.freq = freq
        self.radio.set_center_freq(self.freq, 0)
        self.scanner.set_center_freq(self.freq)
        self.display.set_center_freq(self.freq)



def argument_parser():
    description = "USRP (UHD) at 4 Msps (raise it as far as one core keeps up: robustamc-bench --only scan) -> Signal Scanner -> boxed waterfall; rx_time tags reach the scanner's messages. Set the device address and antenna. Only receive."
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--radio-rate", dest="radio_rate", type=eng_float, default=eng_notation.num_to_str(float(4e6)),
        help="Set USRP sample rate [default=%(default)r]")
    parser.add_argument(
        "--center-freq", dest="center_freq", type=eng_float, default=eng_notation.num_to_str(float(915e6)),
        help="Set Start frequency (Hz) [default=%(default)r]")
    parser.add_argument(
        "--rf-gain", dest="rf_gain", type=eng_float, default=eng_notation.num_to_str(float(30)),
        help="Set Start gain (dB) [default=%(default)r]")
    parser.add_argument(
        "--usrp-args", dest="usrp_args", type=str, default='',
        help="Set Device address (e.g. type=b200) [default=%(default)r]")
    parser.add_argument(
        "--antenna", dest="antenna", type=str, default='RX2',
        help="Set Antenna [default=%(default)r]")
    return parser


def main(top_block_cls=usrp_scanner, options=None):
    if options is None:
        options = argument_parser().parse_args()

    if StrictVersion("4.5.0") <= StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
        style = gr.prefs().get_string('qtgui', 'style', 'raster')
        Qt.QApplication.setGraphicsSystem(style)
    qapp = Qt.QApplication(sys.argv)

    tb = top_block_cls(radio_rate=options.radio_rate, center_freq=options.center_freq, rf_gain=options.rf_gain, usrp_args=options.usrp_args, antenna=options.antenna)

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
