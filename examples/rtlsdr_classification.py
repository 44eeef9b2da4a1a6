#!/usr/bin/env python3
# -*- coding: utf-8 -*-

#
# SPDX-License-Identifier: GPL-3.0
#
# GNU Radio Python Flow Graph
# Title: Live modulation classification: RTL-SDR
# Author: gr-robustamc authors
# Description: RTL-SDR (SoapySDR, Debian package soapysdr-module-rtlsdr) -> channel filter -> resampler to 200 kHz -> occupancy gate -> modulation classifier -> label display; waterfall of the radio's band. Tune to a transmitter, then move it onto 0 Hz with the channel offset (watch the 200 kHz channel view; the models tolerate about +-100 Hz of carrier offset, so correct the radio's ppm error too) and watch the label display. The occupancy gate passes only 128-sample windows at least the threshold over the noise floor, so the label shows what is on the air when something is.
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
from fractions import Fraction
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
from gnuradio import soapy
from gnuradio.qtgui import Range, RangeWidget
from PyQt5 import QtCore



from gnuradio import qtgui

class rtlsdr_classification(gr.top_block, Qt.QWidget):

    def __init__(self, average=16, radio_rate=1.024e6, center_freq=433.92e6, rf_gain=30, ppm=0):
        gr.top_block.__init__(self, "Live modulation classification: RTL-SDR", catch_exceptions=True)
        Qt.QWidget.__init__(self)
        self.setWindowTitle("Live modulation classification: RTL-SDR")
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

        self.settings = Qt.QSettings("GNU Radio", "rtlsdr_classification")

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
        self.average = average
        self.radio_rate = radio_rate
        self.center_freq = center_freq
        self.rf_gain = rf_gain
        self.ppm = ppm

        ##################################################
        # Variables
        ##################################################
        self.samp_rate = samp_rate = 200e3
        self.threshold_db = threshold_db = 6
        self.resample = resample = Fraction(samp_rate / radio_rate).limit_denominator(1000)
        self.gain = gain = rf_gain
        self.freq = freq = center_freq
        self.channel_offset = channel_offset = 0

        ##################################################
        # Blocks
        ##################################################

        self._threshold_db_range = Range(0, 30, 0.5, 6, 200)
        self._threshold_db_win = RangeWidget(self._threshold_db_range, self.set_threshold_db, "Gate threshold (dB)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._threshold_db_win, 2, 0, 1, 1)
        for r in range(2, 3):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 1):
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
        self._channel_offset_range = Range(-radio_rate / 2, radio_rate / 2, 10, 0, 200)
        self._channel_offset_win = RangeWidget(self._channel_offset_range, self.set_channel_offset, "Channel offset (Hz)", "counter_slider", float, QtCore.Qt.Horizontal)
        self.top_grid_layout.addWidget(self._channel_offset_win, 1, 1, 1, 1)
        for r in range(1, 2):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(1, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.waterfall = qtgui.waterfall_sink_c(
            1024, #size
            window.WIN_BLACKMAN_hARRIS, #wintype
            freq, #fc
            radio_rate, #bw
            "radio", #name
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

        self.waterfall.set_intensity_range(-120, -20)

        self._waterfall_win = sip.wrapinstance(self.waterfall.qwidget(), Qt.QWidget)

        self.top_grid_layout.addWidget(self._waterfall_win, 4, 0, 1, 2)
        for r in range(4, 5):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.sink = blocks.null_sink(gr.sizeof_gr_complex*1)
        self.resampler = filter.rational_resampler_ccc(
                interpolation=resample.numerator,
                decimation=resample.denominator,
                taps=[],
                fractional_bw=0)
        self.radio = None
        dev = 'driver=rtlsdr'
        stream_args = ''
        tune_args = ['']
        settings = ['']

        self.radio = soapy.source(dev, "fc32", 1, '',
                                  stream_args, tune_args, settings)
        self.radio.set_sample_rate(0, radio_rate)
        self.radio.set_gain_mode(0, False)
        self.radio.set_frequency(0, freq)
        self.radio.set_frequency_correction(0, ppm)
        self.radio.set_gain(0, 'TUNER', gain)
        self.gate = robustamc.occupancy_gate_cc(128, threshold_db, 0.05, 0, samp_rate)
        self.display = robustamc.label_display('RTL-SDR', 40, 0)
        self._display_win = self.display.widget()
        self.top_grid_layout.addWidget(self._display_win, 3, 0, 1, 2)
        for r in range(3, 4):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(0, 2):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.classifier = robustamc.modulation_classifier(bundle='', hop=0, average=average, min_confidence=0.0, threads=1, tag_output=False, samp_rate=samp_rate, max_batch=0, backend="")
        self.channel_view = qtgui.freq_sink_c(
            2048, #size
            window.WIN_BLACKMAN_hARRIS, #wintype
            0, #fc
            samp_rate, #bw
            "channel at 200 kHz: centre the signal on 0 Hz (within ~100 Hz)", #name
            1,
            None # parent
        )
        self.channel_view.set_update_time(0.10)
        self.channel_view.set_y_axis((-120), 0)
        self.channel_view.set_y_label('Relative Gain', 'dB')
        self.channel_view.set_trigger_mode(qtgui.TRIG_MODE_FREE, 0.0, 0, "")
        self.channel_view.enable_autoscale(False)
        self.channel_view.enable_grid(True)
        self.channel_view.set_fft_average(0.2)
        self.channel_view.enable_axis_labels(True)
        self.channel_view.enable_control_panel(False)
        self.channel_view.set_fft_window_normalized(False)

        self.channel_view.disable_legend()


        labels = ['', '', '', '', '',
            '', '', '', '', '']
        widths = [1, 1, 1, 1, 1,
            1, 1, 1, 1, 1]
        colors = ["blue", "red", "green", "black", "cyan",
            "magenta", "yellow", "dark red", "dark green", "dark blue"]
        alphas = [1.0, 1.0, 1.0, 1.0, 1.0,
            1.0, 1.0, 1.0, 1.0, 1.0]

        for i in range(1):
            if len(labels[i]) == 0:
                self.channel_view.set_line_label(i, "Data {0}".format(i))
            else:
                self.channel_view.set_line_label(i, labels[i])
            self.channel_view.set_line_width(i, widths[i])
            self.channel_view.set_line_color(i, colors[i])
            self.channel_view.set_line_alpha(i, alphas[i])

        self._channel_view_win = sip.wrapinstance(self.channel_view.qwidget(), Qt.QWidget)
        self.top_grid_layout.addWidget(self._channel_view_win, 4, 2, 1, 1)
        for r in range(4, 5):
            self.top_grid_layout.setRowStretch(r, 1)
        for c in range(2, 3):
            self.top_grid_layout.setColumnStretch(c, 1)
        self.channel_filter = filter.freq_xlating_fir_filter_ccc(1, firdes.low_pass(1.0, radio_rate, 0.45 * samp_rate, 0.1 * samp_rate), channel_offset, radio_rate)


        ##################################################
        # Connections
        ##################################################
        self.msg_connect((self.classifier, 'labels'), (self.display, 'labels'))
        self.connect((self.channel_filter, 0), (self.resampler, 0))
        self.connect((self.classifier, 0), (self.sink, 0))
        self.connect((self.gate, 0), (self.classifier, 0))
        self.connect((self.radio, 0), (self.channel_filter, 0))
        self.connect((self.radio, 0), (self.waterfall, 0))
        self.connect((self.resampler, 0), (self.channel_view, 0))
        self.connect((self.resampler, 0), (self.gate, 0))


    def closeEvent(self, event):
        self.settings = Qt.QSettings("GNU Radio", "rtlsdr_classification")
        self.settings.setValue("geometry", self.saveGeometry())
        self.stop()
        self.wait()

        event.accept()

    def get_average(self):
        return self.average

    def set_average(self, average):
        self.average = average
        self.classifier.set_average(self.average)

    def get_radio_rate(self):
        return self.radio_rate

    def set_radio_rate(self, radio_rate):
        self.radio_rate = radio_rate
        self.set_resample(Fraction(self.samp_rate / self.radio_rate).limit_denominator(1000))
        self.radio.set_sample_rate(0, self.radio_rate)
        self.channel_filter.set_taps(firdes.low_pass(1.0, self.radio_rate, 0.45 * self.samp_rate, 0.1 * self.samp_rate))
        self.waterfall.set_frequency_range(self.freq, self.radio_rate)

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

    def get_ppm(self):
        return self.ppm

    def set_ppm(self, ppm):
        self.ppm = ppm
        self.radio.set_frequency_correction(0, self.ppm)

    def get_samp_rate(self):
        return self.samp_rate

    def set_samp_rate(self, samp_rate):
        self.samp_rate = samp_rate
        self.set_resample(Fraction(self.samp_rate / self.radio_rate).limit_denominator(1000))
        self.channel_filter.set_taps(firdes.low_pass(1.0, self.radio_rate, 0.45 * self.samp_rate, 0.1 * self.samp_rate))
        self.channel_view.set_frequency_range(0, self.samp_rate)

    def get_threshold_db(self):
        return self.threshold_db

    def set_threshold_db(self, threshold_db):
        self.threshold_db = threshold_db
        self.gate.set_threshold_db(self.threshold_db)

    def get_resample(self):
        return self.resample

    def set_resample(self, resample):
        self.resample = resample

    def get_gain(self):
        return self.gain

    def set_gain(self, gain):
        self.gain = gain
        self.radio.set_gain(0, 'TUNER', self.gain)

    def get_freq(self):
        return self.freq

    def set_freq(self, freq):
        self.freq = freq
        self.radio.set_frequency(0, self.freq)
        self.waterfall.set_frequency_range(self.freq, self.radio_rate)

    def get_channel_offset(self):
        return self.channel_offset

    def set_channel_offset(self, channel_offset):
        self.channel_offset = channel_offset
        self.channel_filter.set_center_freq(self.channel_offset)



def argument_parser():
    description = "RTL-SDR (SoapySDR, Debian package soapysdr-module-rtlsdr) -> channel filter -> resampler to 200 kHz -> occupancy gate -> modulation classifier -> label display; waterfall of the radio's band. Tune to a transmitter, then move it onto 0 Hz with the channel offset (watch the 200 kHz channel view; the models tolerate about +-100 Hz of carrier offset, so correct the radio's ppm error too) and watch the label display. The occupancy gate passes only 128-sample windows at least the threshold over the noise floor, so the label shows what is on the air when something is."
    parser = ArgumentParser(description=description)
    parser.add_argument(
        "--average", dest="average", type=intx, default=16,
        help="Set Windows per decision [default=%(default)r]")
    parser.add_argument(
        "--radio-rate", dest="radio_rate", type=eng_float, default=eng_notation.num_to_str(float(1.024e6)),
        help="Set RTL-SDR sample rate [default=%(default)r]")
    parser.add_argument(
        "--center-freq", dest="center_freq", type=eng_float, default=eng_notation.num_to_str(float(433.92e6)),
        help="Set Start frequency (Hz) [default=%(default)r]")
    parser.add_argument(
        "--rf-gain", dest="rf_gain", type=eng_float, default=eng_notation.num_to_str(float(30)),
        help="Set Start gain (dB) [default=%(default)r]")
    parser.add_argument(
        "--ppm", dest="ppm", type=eng_float, default=eng_notation.num_to_str(float(0)),
        help="Set Frequency correction (ppm) [default=%(default)r]")
    return parser


def main(top_block_cls=rtlsdr_classification, options=None):
    if options is None:
        options = argument_parser().parse_args()

    if StrictVersion("4.5.0") <= StrictVersion(Qt.qVersion()) < StrictVersion("5.0.0"):
        style = gr.prefs().get_string('qtgui', 'style', 'raster')
        Qt.QApplication.setGraphicsSystem(style)
    qapp = Qt.QApplication(sys.argv)

    tb = top_block_cls(average=options.average, radio_rate=options.radio_rate, center_freq=options.center_freq, rf_gain=options.rf_gain, ppm=options.ppm)

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
