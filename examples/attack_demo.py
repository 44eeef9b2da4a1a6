#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: Adversarial attack demo: standard vs robust compact classifier
# Author: gr-robustamc authors
# Description: A stock modulator, an adversarial injector (mode chooser, PSR slider) attacking the standard compact model, a channel, and two classifiers side by side: the standard compact model and the robust distilled one, each with its label display.
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
from gnuradio import analog
from gnuradio import blocks
from gnuradio import gr
from gnuradio.filter import firdes
from gnuradio.fft import window
import sys
import signal
from argparse import ArgumentParser
from gnuradio.eng_arg import eng_float, intx
from gnuradio import eng_notation
from gnuradio import robustamc
from gnuradio.qtgui import Range, RangeWidget
from PyQt5 import QtCore



from gnuradio import qtgui

class attack_demo(gr.top_block, Qt.QWidget):

    def __init__(self, modulation='BPSK', snr_db=18, uap_file='', n_samples=0):
        gr.top_block.__init__(self, "Adversarial attack demo: standard vs robust compact classifier", catch_exceptions=True)
        Qt.QWidget.__init__(self)
        self.setWindowTitle("Adversarial attack demo: standard vs robust compact classifier")
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

        self.settings = Qt.QSettings("GNU Radio", "attack_demo")

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
        self.modulation = modulation
        self.snr_db = snr_db
        self.uap_file = uap_file
        self.n_samples = n_samples

        ##################################################
        # Variables
        ##################################################
        self.samp_rate = samp_rate = 200e3
        self.psr_db = psr_db = -16
        self.mode = mode = 'fgm'

        ##################################################
        # Blocks
        ##################################################

        self._psr_db_range = Range(-40, 0, 1, -16, 200)
        self._psr_db_win = RangeWidget(self._psr_db_range, self.set_psr_db, "PSR (dB)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._psr_db_win, 0, 1, 1, 1)
        for r in range(0, 1):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(1, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        # Create the options list
        self._mode_options = ['off', 'gaussian', 'fgm', 'pgd', 'uap']
        # Create the labels list
        self._mode_labels = ['Off', 'Gaussian noise (jamming)', 'FGM on the standard model', 'PGD on the standard model', 'Universal perturbation']
        # Create the combo box
        self._mode_tool_bar = Qt.QToolBar(self)
        self._mode_tool_bar.addWidget(Qt.QLabel("Attack" + ": "))
        self._mode_combo_box = Qt.QComboBox()
        self._mode_tool_bar.addWidget(self._mode_combo_box)
        for _label in self._mode_labels: self._mode_combo_box.addItem(_label)
        self._mode_callback = lambda i: Qt.QMetaObject.invokeMethod(self._mode_combo_box, "setCurrentIndex", Qt.Q_ARG("int", self._mode_options.index(i)))
        self._mode_callback(self.mode)
        self._mode_combo_box.currentIndexChanged.connect(
            lambda i: self.set_mode(self._mode_options[i]))
        # Create the radio buttons
        self.top_grid_layout.addWidget(self._mode_tool_bar, 0, 0, 1, 1)
        for r in range(0, 1):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.throttle = blocks.throttle(gr.sizeof_gr_complex*1, samp_rate,True)
        self.standard = robustamc.modulation_classifier(bundle='compact', hop=0, average=8, min_confidence=0, threads=1, tag_output=False, samp_rate=samp_rate, max_batch=0, backend="")
        self.source = robustamc.stock_modulation_source(modulation, seed=0, samp_rate=200e3, samples_per_symbol=8, center_hz=0, excess_bw=0.35, mod_index=0.5, bt=0.35)
        self.sink_standard = blocks.null_sink(gr.sizeof_gr_complex*1)
        self.sink_robust = blocks.null_sink(gr.sizeof_gr_complex*1)
        self.rotator = blocks.rotator_cc((2 * 3.141592653589793 * 50 / samp_rate), False)
        self.robust = robustamc.modulation_classifier(bundle='compact-robust', hop=0, average=8, min_confidence=0, threads=1, tag_output=False, samp_rate=samp_rate, max_batch=0, backend="")
        self.noise = analog.noise_source_c(analog.GR_GAUSSIAN, (10 ** (-snr_db / 20)), 1)
        self.injector = robustamc.adversarial_injector(mode=mode, psr_db=psr_db, bundle='compact', uap_file=uap_file, window=128, offset=0, pgd_steps=10, label=(-1), random_shift=True, seed=0, threads=1)
        self.head = blocks.head(gr.sizeof_gr_complex*1, (n_samples if n_samples > 0 else 2**62))
        self.display_standard = robustamc.label_display('standard compact (attacked, white-box)', 40, 0)
        self._display_standard_win = self.display_standard.widget()
        self.top_grid_layout.addWidget(self._display_standard_win, 1, 0, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.display_robust = robustamc.label_display('robust compact (shipped default)', 40, 0)
        self._display_robust_win = self.display_robust.widget()
        self.top_grid_layout.addWidget(self._display_robust_win, 1, 1, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(1, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.add = blocks.add_vcc(1)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.robust, 'labels'), (self.display_robust, 'labels'))
        self.msg_connect((self.standard, 'labels'), (self.display_standard, 'labels'))
        self.connect((self.add, 0), (self.throttle, 0))
        self.connect((self.head, 0), (self.robust, 0))
        self.connect((self.head, 0), (self.standard, 0))
        self.connect((self.injector, 0), (self.rotator, 0))
        self.connect((self.noise, 0), (self.add, 1))
        self.connect((self.robust, 0), (self.sink_robust, 0))
        self.connect((self.rotator, 0), (self.add, 0))
        self.connect((self.source, 0), (self.injector, 0))
        self.connect((self.standard, 0), (self.sink_standard, 0))
        self.connect((self.throttle, 0), (self.head, 0))


    def closeEvent(self, event):
        self.settings = Qt.QSettings("GNU Radio", "attack_demo")
        self.settings.setValue("geometry", self.saveGeometry())
        self.stop()
        self.wait()

        event.accept()

    def get_modulation(self):
        return self.modulation

    def set_modulation(self, modulation):
        self.modulation = modulation

    def get_snr_db(self):
        return self.snr_db

    def set_snr_db(self, snr_db):
        self.snr_db = snr_db
        self.noise.set_amplitude((10 ** (-self.snr_db / 20)))

    def get_uap_file(self):
        return self.uap_file

    def set_uap_file(self, uap_file):
        self.uap_file = uap_file

    def get_n_samples(self):
        return self.n_samples

    def set_n_samples(self, n_samples):
        self.n_samples = n_samples
        self.head.set_length((self.n_samples if self.n_samples > 0 else 2**62))

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.rotator.set_phase_inc((2 * 3.141592653589793 * 50 / self.samp_rate))
        self.throttle.set_sample_rate(self.samp_rate)

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
    description = 'A stock modulator, an adversarial injector (mode chooser, PSR slider) attacking the standard compact model, a channel, and two classifiers side by side: the standard compact model and the robust distilled one, each with its label display.'
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--modulation", dest="modulation", type=str, default='BPSK',
        help="Set Modulation sent [default=%(default)r]")
    parser.add_argument(
        "--snr-db", dest="snr_db", type=eng_float, default=eng_notation.num_to_str(float(18)),
        help="Set SNR (dB) [default=%(default)r]")
    parser.add_argument(
        "--uap-file", dest="uap_file", type=str, default='',
        help="Set UAP file (robustamc-attack uap) [default=%(default)r]")
    parser.add_argument(
        "--n-samples", dest="n_samples", type=intx, default=0,
        help="Set Samples to run (0 = forever) [default=%(default)r]")
    return parser


def main(top_block_cls=attack_demo, options=None):
    if options is None:
        options = argument_parser().parse_args()

    if StrictVersion("4.5.0") <= StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
        style = gr.prefs().get_string('qtgui', 'style', 'raster')
        Qt.QApplication.setGraphicsSystem(style)
    qapp = Qt.QApplication(sys.argv)

    tb = top_block_cls(modulation=options.modulation, snr_db=options.snr_db, uap_file=options.uap_file, n_samples=options.n_samples)

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
