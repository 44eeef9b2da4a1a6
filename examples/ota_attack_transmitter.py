#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: Over-the-air attack transmitter (cabled / shielded lab only)
# Author: gr-robustamc authors
# Description: A stock modulator plus an adversarial perturbation (off, Gaussian, FGM, or a universal perturbation from robustamc-attack uap) at a chosen PSR, transmitted by a USRP, for a receiver running usrp_classification or rtlsdr_classification in the same lab. LEGAL AND SAFETY: transmit only into a dummy load, through a cable with enough attenuation, or inside a shielded enclosure, on a frequency and at a power you are licensed for. Radiating interference or jamming is illegal almost everywhere (e.g. 47 U.S.C. 333 in the US, the Wireless Telegraphy Act 2006 in the UK) and can endanger safety-of-life services. Start with TX gain 0 and the attenuators in place.
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
from PyQt5.QtCore import QObject, pyqtSlot
from gnuradio import qtgui
from gnuradio.filter import firdes
import sip
from gnuradio import blocks
from gnuradio import filter
from gnuradio import gr
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import robustamc
from gnuradio import uhd
import time
from gnuradio.qtgui import Range, RangeWidget
from PyQt5 import QtCore



from gnuradio import qtgui

class ota_attack_transmitter(gr.top_block, Qt.QWidget):

    def __init__(self, tx_rate=1e6, center_freq=915e6, usrp_args='', modulation='QPSK', uap_file=''):
        gr.top_block.__init__(self, "Over-the-air attack transmitter (cabled / shielded lab only)", catch_exceptions=True)
        Qt.QWidget.__init__(self)
        self.setWindowTitle("Over-the-air attack transmitter (cabled / shielded lab only)")
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

        self.settings = Qt.QSettings("GNU Radio", "ota_attack_transmitter")

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
        self.tx_rate = tx_rate
        self.center_freq = center_freq
        self.usrp_args = usrp_args
        self.modulation = modulation
        self.uap_file = uap_file

        ##################################################
        # Variables
        ##################################################
        self.tx_gain = tx_gain = 0
        self.samp_rate = samp_rate = 200e3
        self.psr_db = psr_db = -12
        self.mode = mode = 'off'

        ##################################################
        # Blocks
        ##################################################

        self._tx_gain_range = Range(0, 60, 1, 0, 200)
        self._tx_gain_win = RangeWidget(self._tx_gain_range, self.set_tx_gain, "TX gain (dB)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._tx_gain_win, 0, 0, 1, 1)
        for r in range(0, 1):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
            self.top_grid_layout.setColumnStretch(c, 1)
        self._psr_db_range = Range(-40, 0, 1, -12, 200)
        self._psr_db_win = RangeWidget(self._psr_db_range, self.set_psr_db, "PSR (dB)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._psr_db_win, 0, 1, 1, 1)
        for r in range(0, 1):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(1, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        # Create the options list
        self._mode_options = ['off', 'gaussian', 'fgm', 'uap']
        # Create the labels list
        self._mode_labels = ['Off', 'Gaussian noise (jamming)', 'FGM (white-box, window-aligned)', 'Universal perturbation (shift-invariant)']
        # Create the combo box
        self._mode_tool_bar = Qt.QToolBar(self)
        self._mode_tool_bar.addWidget(Qt.QLabel("Perturbation" + ": "))
        self._mode_combo_box = Qt.QComboBox()
        self._mode_tool_bar.addWidget(self._mode_combo_box)
        for _label in self._mode_labels: self._mode_combo_box.addItem(_label)
        self._mode_callback = lambda i: Qt.QMetaObject.invokeMethod(self._mode_combo_box, "setCurrentIndex", Qt.Q_ARG("int", self._mode_options.index(i)))
        self._mode_callback(self.mode)
        self._mode_combo_box.currentIndexChanged.connect(
            lambda i: self.set_mode(self._mode_options[i]))
        # Create the radio buttons
        self.top_grid_layout.addWidget(self._mode_tool_bar, 1, 0, 1, 2)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.usrp = uhd.usrp_sink(
            ",".join((usrp_args, '')),
            uhd.stream_args(
                cpu_format="fc32",
                args='',
                channels=list(range(0,1)),
            ),
            '',
        )
        self.usrp.set_samp_rate(tx_rate)
        # No synchronization enforced.

        self.usrp.set_center_freq(center_freq, 0)
        self.usrp.set_antenna('TX/RX', 0)
        self.usrp.set_gain(tx_gain, 0)
        self.upsample = filter.rational_resampler_ccc(
                interpolation=(int(tx_rate // samp_rate)),
                decimation=1,
                taps=[],
                fractional_bw=0)
        self.throttle = blocks.throttle(gr.sizeof_gr_complex*1, samp_rate,True)
        self.spectrum = qtgui.waterfall_sink_c(
            1024, #size
            window.WIN_BLACKMAN_hARRIS, #wintype
            center_freq, #fc
            samp_rate, #bw
            "transmitted", #name
            1, #number of inputs
            None # parent
        )
        self.spectrum.set_update_time(0.10)
        self.spectrum.enable_grid(False)
        self.spectrum.enable_axis_labels(True)



        labels = ['', '', '', '', '',
                  '', '', '', '', '']
        colors = [0, 0, 0, 0, 0,
                  0, 0, 0, 0, 0]
        alphas = [1.0, 1.0, 1.0, 1.0, 1.0,
                  1.0, 1.0, 1.0, 1.0, 1.0]

        for i in range(1):
            if len(labels[i]) == 0:
                self.spectrum.set_line_label(i, "Data {0}".format(i))
            else:
                self.spectrum.set_line_label(i, labels[i])
            self.spectrum.set_color_map(i, colors[i])
            self.spectrum.set_line_alpha(i, alphas[i])

        self.spectrum.set_intensity_range(-120, 10)

        self._spectrum_win = sip.wrapinstance(self.spectrum.qwidget(), Qt.QWidget)

        self.top_grid_layout.addWidget(self._spectrum_win, 2, 0, 1, 2)
        for r in range(2, 3):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.source = robustamc.stock_modulation_source(modulation, seed=0, samp_rate=samp_rate, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.injector = robustamc.adversarial_injector(mode=mode, psr_db=psr_db, bundle='', uap_file=uap_file, window=128, offset=0, pgd_steps=10, label=(-1), random_shift=True, seed=0, threads=1)
        self.amplitude = blocks.multiply_const_cc(0.5)


        ##################################################
        # Connections
        ##################################################
        self.connect((self.amplitude, 0), (self.usrp, 0))
        self.connect((self.injector, 0), (self.throttle, 0))
        self.connect((self.source, 0), (self.injector, 0))
        self.connect((self.throttle, 0), (self.spectrum, 0))
        self.connect((self.throttle, 0), (self.upsample, 0))
        self.connect((self.upsample, 0), (self.amplitude, 0))


    def closeEvent(self, event):
        self.settings = Qt.QSettings("GNU Radio", "ota_attack_transmitter")
        self.settings.setValue("geometry", self.saveGeometry())
        self.stop()
        self.wait()

        event.accept()

    def get_tx_rate(self):
        return self.tx_rate

    def set_tx_rate(self, tx_rate):
        self.tx_rate = tx_rate
        self.usrp.set_samp_rate(self.tx_rate)

    def get_center_freq(self):
        return self.center_freq

    def set_center_freq(self, center_freq):
        self.center_freq = center_freq
        self.usrp.set_center_freq(self.center_freq, 0)
        self.spectrum.set_frequency_range(self.center_freq, self.samp_rate)

    def get_usrp_args(self):
        return self.usrp_args

    def set_usrp_args(self, usrp_args):
        self.usrp_args = usrp_args

    def get_modulation(self):
        return self.modulation

    def set_modulation(self, modulation):
        self.modulation = modulation

    def get_uap_file(self):
        return self.uap_file

    def set_uap_file(self, uap_file):
        self.uap_file = uap_file

    def get_tx_gain(self):
        return self.tx_gain

    def set_tx_gain(self, tx_gain):
        self.tx_gain = tx_gain
        self.usrp.set_gain(self.tx_gain, 0)

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.throttle.set_sample_rate(self.samp_rate)
        self.spectrum.set_frequency_range(self.center_freq, self.samp_rate)

    def get_psr_db(self):
        return self.psr_db

    def set_psr_db(self, psr_db):
        self.psr_db = psr_db
        self.injector.set_psr_db(self.psr_db)

    def get_mode(self):
        return self.mode

    def set_mode(self, mode):
        self.mode = mode
        self._mode_callback(self.mode)
        self.injector.set_mode(self.mode)



def argument_parser():
    description = 'A stock modulator plus an adversarial perturbation (off, Gaussian, FGM, or a universal perturbation from robustamc-attack uap) at a chosen PSR, transmitted by a USRP, for a receiver running usrp_classification or rtlsdr_classification in the same lab. LEGAL AND SAFETY: transmit only into a dummy load, through a cable with enough attenuation, or inside a shielded enclosure, on a frequency and at a power you are licensed for. Radiating interference or jamming is illegal almost everywhere (e.g. 47 U.S.C. 333 in the US, the Wireless Telegraphy Act 2006 in the UK) and can endanger safety-of-life services. Start with TX gain 0 and the attenuators in place.'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--tx-rate", dest="tx_rate", type=eng_float, default=eng_notation.num_to_str(float(1e6)),
        help="Set USRP sample rate [default=%(default)r]")
    parser.add_argument(
        "--center-freq", dest="center_freq", type=eng_float, default=eng_notation.num_to_str(float(915e6)),
        help="Set Frequency (Hz), licensed for lab use [default=%(default)r]")
    parser.add_argument(
        "--usrp-args", dest="usrp_args", type=str, default='',
        help="Set Device address (e.g. type=b200) [default=%(default)r]")
    parser.add_argument(
        "--modulation", dest="modulation", type=str, default='QPSK',
        help="Set Modulation sent [default=%(default)r]")
    parser.add_argument(
        "--uap-file", dest="uap_file", type=str, default='',
        help="Set UAP file (robustamc-attack uap) [default=%(default)r]")
    return parser


def main(top_block_cls=ota_attack_transmitter, options=None):
    if options is None:
        options = argument_parser().parse_args()

    if StrictVersion("4.5.0") <= StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
        style = gr.prefs().get_string('qtgui', 'style', 'raster')
        Qt.QApplication.setGraphicsSystem(style)
    qapp = Qt.QApplication(sys.argv)

    tb = top_block_cls(tx_rate=options.tx_rate, center_freq=options.center_freq, usrp_args=options.usrp_args, modulation=options.modulation, uap_file=options.uap_file)

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
