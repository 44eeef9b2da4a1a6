#
# Copyright 2026 gr-robustamc authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""scanner_display: a waterfall of the band with every detected signal boxed and named."""

import math
import threading
import time

import numpy as np
import pmt
from gnuradio import gr
from PyQt5 import QtCore, QtGui, QtWidgets

from robustamc.constants import CLASSES

_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8"]


def _colormap(v: np.ndarray) -> np.ndarray:
    """0..1 -> RGB (N, 3) uint8, dark blue through cyan and yellow to white."""
    stops = np.array([[0, 0, 0.15], [0, 0.35, 0.7], [0, 0.8, 0.8], [1, 0.9, 0.1], [1, 1, 1]])
    x = np.clip(v, 0, 1) * (len(stops) - 1)
    i = np.minimum(x.astype(int), len(stops) - 2)
    f = (x - i)[..., None]
    return (255 * (stops[i] * (1 - f) + stops[i + 1] * f)).astype(np.uint8)


class ScannerDisplayWidget(QtWidgets.QWidget):
    """Waterfall (newest row on top) with a box per signal: its band over the time it has
    been on, labelled with modulation, confidence and frequency; a signal that ended keeps
    its box, fading out over `fade_s` seconds."""

    def __init__(self, samp_rate: float, center_freq: float, rows: int, dyn_range_db: float,
                 fade_s: float, title: str = "", parent=None):
        super().__init__(parent)
        self.rate, self.center_freq = samp_rate, center_freq
        self.rows, self.dyn, self.fade_s, self.title = rows, dyn_range_db, fade_s, title
        self.image = None             # (rows, bins) dB, newest first
        self.row_times = []           # stream time (s) of each row, newest first
        self.signals = {}             # id -> dict(center, bw, label, conf, start, stop, ended)
        self.setMinimumSize(480, 320)
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self.update)
        self._timer.start(100)

    def sizeHint(self):
        return QtCore.QSize(800, 480)

    @QtCore.pyqtSlot(object)
    def add_rows(self, item):
        rows, times = item
        if self.image is None or self.image.shape[1] != rows.shape[1]:
            self.image = np.full((self.rows, rows.shape[1]), np.nan)
            self.row_times = [None] * self.rows
        k = min(len(rows), self.rows)
        self.image = np.concatenate((rows[::-1][:k], self.image[:self.rows - k]))
        self.row_times = (list(times[::-1][:k]) + self.row_times)[:self.rows]

    @QtCore.pyqtSlot(object)
    def show_signal(self, d: dict):
        s = self.signals.setdefault(d["id"], {"start": d.get("start_s", d["time_s"])})
        s.update(center=d["center_hz"], bw=d["bandwidth_hz"], label=d.get("label"),
                 conf=d.get("confidence"), freq=d.get("frequency_hz"), last=d["time_s"])
        if d["type"] == "end":
            s.update(ended=time.monotonic(), stop=d["stop_s"], start=d["start_s"])
        now = time.monotonic()   # forget boxes that have faded
        self.signals = {k: v for k, v in self.signals.items()
                        if "ended" not in v or now - v["ended"] < self.fade_s}

    def _x(self, hz, w):
        return (hz / self.rate + 0.5) * w

    def _y(self, t, top, h):
        """Row position of stream time t (s): rows are newest first from `top`."""
        times = [x for x in self.row_times if x is not None]
        if not times:
            return None
        newest, oldest = times[0], times[-1]
        span = max(newest - oldest, 1e-9)
        return top + (newest - t) / span * (len(times) / self.rows) * h

    def paintEvent(self, event):
        p = QtGui.QPainter(self)
        w, h = self.width(), self.height()
        p.fillRect(0, 0, w, h, QtGui.QColor("#101418"))
        top, axis = 20, 18
        ph = h - top - axis
        fg = QtGui.QColor("#e8e8e8")
        p.setPen(fg)
        f = p.font()
        f.setPointSize(8)
        p.setFont(f)
        p.drawText(6, 2, w - 12, 16, QtCore.Qt.AlignLeft,
                   self.title or "Signal scanner")
        if self.image is not None:
            img = self.image
            finite = img[np.isfinite(img)]
            hi = np.percentile(finite, 99.5) if finite.size else 0.0
            v = (np.nan_to_num(img, nan=hi - self.dyn) - (hi - self.dyn)) / self.dyn
            rgb = np.ascontiguousarray(_colormap(v))
            qimg = QtGui.QImage(rgb.data, rgb.shape[1], rgb.shape[0], 3 * rgb.shape[1],
                                QtGui.QImage.Format_RGB888)
            p.drawImage(QtCore.QRectF(0, top, w, ph), qimg)
        now = time.monotonic()
        newest = next((t for t in self.row_times if t is not None), None)
        for sid, s in self.signals.items():
            alpha = 1.0
            if "ended" in s:
                alpha = max(0.0, 1 - (now - s["ended"]) / self.fade_s)
            if alpha <= 0 or newest is None:
                continue
            y0 = self._y(s.get("stop", newest), top, ph)
            y1 = self._y(s["start"], top, ph)
            if y0 is None:
                continue
            y1 = min(y1, top + ph)
            x0, x1 = self._x(s["center"] - s["bw"] / 2, w), self._x(s["center"] + s["bw"] / 2, w)
            c = QtGui.QColor(_COLOURS[CLASSES.index(s["label"]) % len(_COLOURS)]
                             if s["label"] in CLASSES else "#ffffff")
            c.setAlphaF(alpha)
            box = QtCore.QRectF(x0 - 3, max(top, y0), max(2.0, x1 - x0) + 6, max(2.0, y1 - y0))
            halo = QtGui.QPen(QtGui.QColor(0, 0, 0, int(200 * alpha)))
            halo.setWidth(5)
            p.setPen(halo)                    # a dark halo keeps the box visible on any colour
            p.drawRect(box)
            pen = QtGui.QPen(c)
            pen.setWidth(2)
            p.setPen(pen)
            p.drawRect(box)
            freq = s["freq"] if s["freq"] is not None else s["center"]
            unit = f"{freq / 1e6:.4f} MHz" if s["freq"] is not None else f"{freq / 1e3:+.1f} kHz"
            text = (f"{s['label']} {100 * s['conf']:.0f}%" if s["label"] else "?") + f"  {unit}"
            tw = p.fontMetrics().horizontalAdvance(text) + 8
            tx = min(max(0.0, x0 - 3), w - tw)
            ty = max(top, y0 - 16) if y0 - 16 >= top else max(top, y0) + 2
            # a near-opaque plate: over a bright signal a see-through one left dark label
            # colours (8PSK's blue) unreadable
            p.fillRect(QtCore.QRectF(tx, ty, tw, 15), QtGui.QColor(16, 20, 24, int(235 * alpha)))
            p.setPen(c.lighter(140))
            p.drawText(QtCore.QRectF(tx + 4, ty, tw, 15), QtCore.Qt.AlignLeft | QtCore.Qt.AlignVCenter,
                       text)
        # frequency axis
        p.setPen(fg)
        for i in range(5):
            frac = i / 4
            hz = (frac - 0.5) * self.rate
            x = frac * (w - 1)
            p.drawLine(int(x), h - axis, int(x), h - axis + 4)
            label = (f"{(self.center_freq + hz) / 1e6:.3f} MHz" if self.center_freq
                     else f"{hz / 1e3:+.0f} kHz")
            p.drawText(QtCore.QRectF(min(max(0, x - 50), w - 100), h - axis + 4, 100, 14),
                       QtCore.Qt.AlignCenter, label)
        p.end()


class _Bridge(QtCore.QObject):
    rows = QtCore.pyqtSignal(object)
    signal = QtCore.pyqtSignal(object)


class scanner_display(gr.sync_block):
    """Waterfall of a complex stream at `samp_rate` with the Signal Scanner's detections
    boxed and named (connect the scanner's `signals` port to `signals` here).

    Computes `rows_per_s` spectra per second (FFT size `nfft`, Blackman-Harris), keeps `rows`
    of them, and draws each signal's band over the time it has been on, labelled with its
    modulation, confidence and frequency (absolute when the scanner knows the centre
    frequency); a signal that ended keeps its box, fading out over `fade_s` seconds.
    `widget()` is the QWidget (GRC places it through the GUI hint). Messages that are not
    scanner events are logged, counted (`refused`) and not shown.
    """

    def __init__(self, samp_rate=2.048e6, center_freq=0.0, nfft=1024, rows=300,
                 rows_per_s=50.0, dyn_range_db=50.0, fade_s=3.0, title=""):
        gr.sync_block.__init__(self, name="scanner_display", in_sig=[np.complex64], out_sig=None)
        if not (float(samp_rate) > 0 and int(nfft) >= 16 and int(rows) >= 2
                and float(rows_per_s) > 0 and float(dyn_range_db) > 0 and float(fade_s) >= 0):
            raise ValueError("scanner_display: samp_rate, rows_per_s, dyn_range_db must be > 0, "
                             "nfft >= 16, rows >= 2, fade_s >= 0")
        self.rate, self.nfft = float(samp_rate), int(nfft)
        self.every = max(self.nfft, int(round(self.rate / float(rows_per_s))))
        k = 2 * np.pi * np.arange(self.nfft) / self.nfft
        self.win = (0.35875 - 0.48829 * np.cos(k) + 0.14128 * np.cos(2 * k)
                    - 0.01168 * np.cos(3 * k)).astype(np.float32)
        self._widget = ScannerDisplayWidget(self.rate, float(center_freq), int(rows),
                                            float(dyn_range_db), float(fade_s), title)
        self._bridge = _Bridge()
        self._bridge.rows.connect(self._widget.add_rows, QtCore.Qt.QueuedConnection)
        self._bridge.signal.connect(self._widget.show_signal, QtCore.Qt.QueuedConnection)
        self._lock = threading.Lock()
        self._next = 0               # stream index of the next spectrum's first sample
        self.shown = self.refused = 0
        self.message_port_register_in(pmt.intern("signals"))
        self.set_msg_handler(pmt.intern("signals"), self._on_signal)

    def widget(self):
        return self._widget

    def set_center_freq(self, center_freq):
        """Centre frequency (Hz) the axis is labelled with; 0 = offsets."""
        self._widget.center_freq = float(center_freq)

    def work(self, input_items, output_items):
        x = input_items[0]
        base = self.nitems_read(0)
        rows, times = [], []
        while self._next + self.nfft <= base + len(x):
            if self._next < base:              # skipped in an earlier call: catch up
                self._next = base
                continue
            seg = x[self._next - base:self._next - base + self.nfft]
            if np.isfinite(seg).all():
                s = np.abs(np.fft.fftshift(np.fft.fft(seg * self.win))) ** 2
                rows.append(10 * np.log10(s + 1e-20))
                times.append(self._next / self.rate)
            self._next += self.every
        if rows:
            self._bridge.rows.emit((np.array(rows), times))
        return len(x)

    def _on_signal(self, msg):
        try:
            d = pmt.to_python(msg)
            if not isinstance(d, dict) or d.get("type") not in ("decision", "end"):
                raise ValueError("not a scanner event")
            for k in ("id", "center_hz", "bandwidth_hz", "offset"):
                v = d.get(k)
                if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                    raise ValueError(f"{k} is not a finite number")
            if d.get("label") is not None and d["label"] not in CLASSES:
                raise ValueError(f"unknown label {d['label']!r}")
            c = d.get("confidence")
            if c is not None and not (isinstance(c, (int, float)) and 0 <= c <= 1 + 1e-6):
                raise ValueError(f"confidence {c!r} is not in [0, 1]")
        except (ValueError, TypeError) as e:
            self.refused += 1
            self.logger.warn(f"refused message {pmt.write_string(msg)[:160]}: {e}")
            return
        d["time_s"] = d["offset"] / self.rate
        self.shown += 1
        self._bridge.signal.emit(d)
