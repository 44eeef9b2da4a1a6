#
# Copyright 2026 gr-robustamc authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""label_display: a Qt view of the modulation_classifier's `labels` messages."""

import math
import time

import pmt
from gnuradio import gr
from PyQt5 import QtCore, QtGui, QtWidgets

from robustamc.constants import CLASSES

# one colour per class (matplotlib's tab20 hues), so the history strip reads at a glance
_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8"]


class LabelDisplayWidget(QtWidgets.QWidget):
    """Current label and confidence in large type, a bar per class probability and a strip of
    the last `history` decisions (one coloured cell each, newest on the right).

    A label older than `stale_after` seconds (0: three of the recent intervals between
    decisions, at least one second) fades and says how long ago it was seen: behind an
    occupancy gate no message comes when the transmitter stops."""

    def __init__(self, title: str = "", history: int = 40, stale_after: float = 0.0,
                 parent=None):
        super().__init__(parent)
        self.title, self.history = title, max(1, int(history))
        self.stale_after = float(stale_after)
        self.label, self.confidence, self.model = None, 0.0, ""
        self.snr_db = None  # from the occupancy gate, when the classifier sits behind one
        self.probabilities = [0.0] * len(CLASSES)
        self.past: list[int] = []
        self.seen_at = None        # time.monotonic() of the last decision
        self._interval = None      # smoothed time between decisions (s)
        self._was_stale = False
        self.setMinimumSize(360, 300)
        self._timer = QtCore.QTimer(self)
        self._timer.timeout.connect(self._tick)
        self._timer.start(250)

    def sizeHint(self):
        return QtCore.QSize(420, 360)

    def stale_limit(self) -> float:
        """Seconds after which the current label counts as stale."""
        if self.stale_after > 0:
            return self.stale_after
        return max(1.0, 3 * (self._interval or 0.0))

    def age(self, now: float | None = None) -> float | None:
        """Seconds since the last decision (None before the first)."""
        if self.seen_at is None:
            return None
        return (time.monotonic() if now is None else now) - self.seen_at

    def is_stale(self, now: float | None = None) -> bool:
        a = self.age(now)
        return a is not None and a > self.stale_limit()

    def _tick(self):
        stale = self.is_stale()
        if stale or stale != self._was_stale:   # repaint the age, and the moment it fades
            self._was_stale = stale
            self.update()

    @QtCore.pyqtSlot(object)
    def show_decision(self, d: dict) -> None:
        now = time.monotonic()
        if self.seen_at is not None:
            gap = now - self.seen_at
            self._interval = gap if self._interval is None else 0.8 * self._interval + 0.2 * gap
        self.seen_at = now
        self.label, self.confidence = d["label"], float(d["confidence"])
        self.model = str(d.get("model", ""))
        snr = d.get("snr_db")
        self.snr_db = float(snr) if isinstance(snr, (int, float)) else None
        self.probabilities = [float(p) for p in d["probabilities"]]
        self.past = (self.past + [int(d["index"])])[-self.history:]
        self.update()

    def paintEvent(self, event):
        p = QtGui.QPainter(self)
        p.setRenderHint(QtGui.QPainter.Antialiasing)
        w, h = self.width(), self.height()
        p.fillRect(0, 0, w, h, QtGui.QColor("#101418"))
        stale = self.is_stale()
        fg = QtGui.QColor("#e8e8e8")
        p.setPen(fg)
        font = p.font()
        font.setPointSize(9)
        p.setFont(font)
        head = self.title or "Modulation"
        if self.model:
            head += f"  ·  model {self.model}"
        if self.snr_db is not None:
            head += f"  ·  SNR ≈ {self.snr_db:.0f} dB"
        p.drawText(8, 4, w - 16, 16, QtCore.Qt.AlignLeft, head)
        if stale:
            p.setPen(QtGui.QColor("#f0c040"))
            p.drawText(8, 4, w - 16, 16, QtCore.Qt.AlignRight,
                       f"last seen {_age_text(self.age())} ago")
        p.setOpacity(0.3 if stale else 1.0)   # an old label fades
        font.setPointSize(26)
        font.setBold(True)
        p.setFont(font)
        big = "—" if self.label is None else f"{self.label}  {100 * self.confidence:.0f}%"
        if self.label is not None:
            p.setPen(QtGui.QColor(_COLOURS[CLASSES.index(self.label) % len(_COLOURS)]))
        p.drawText(8, 22, w - 16, 48, QtCore.Qt.AlignLeft | QtCore.Qt.AlignVCenter, big)
        # probability bars
        font.setPointSize(8)
        font.setBold(False)
        p.setFont(font)
        top, strip_h = 76, 26
        row = max(8.0, (h - top - strip_h - 12) / len(CLASSES))
        name_w, bar_x = 60, 68
        best = max(range(len(self.probabilities)), key=self.probabilities.__getitem__)
        for i, (name, prob) in enumerate(zip(CLASSES, self.probabilities)):
            y = top + i * row
            p.setPen(fg)
            p.drawText(4, int(y), name_w, int(row), QtCore.Qt.AlignRight | QtCore.Qt.AlignVCenter, name)
            colour = QtGui.QColor(_COLOURS[i % len(_COLOURS)])
            if self.label is None or i != best:
                colour.setAlpha(150)
            bar_w = int((w - bar_x - 44) * max(0.0, min(1.0, prob)))
            p.fillRect(bar_x, int(y + 1), bar_w, max(1, int(row) - 2), colour)
            p.drawText(bar_x + bar_w + 4, int(y), 40, int(row), QtCore.Qt.AlignLeft | QtCore.Qt.AlignVCenter,
                       f"{100 * prob:.0f}%")
        # history strip
        y = h - strip_h - 4
        cell = (w - 16) / self.history
        for k, idx in enumerate(self.past):
            x = 8 + (self.history - len(self.past) + k) * cell
            p.fillRect(int(x), y, max(1, int(cell) - 1), strip_h, QtGui.QColor(_COLOURS[idx % len(_COLOURS)]))
        p.end()


def _age_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def check_decision(d) -> None:
    """ValueError unless `d` is a label dict whose numbers a display can show: a known label,
    its index, a finite confidence in [0, 1] and one finite probability in [0, 1] per class."""
    if not isinstance(d, dict) or d.get("label") not in CLASSES:
        raise ValueError("not a label dict")
    idx = d.get("index")
    if isinstance(idx, bool) or not isinstance(idx, int) or not 0 <= idx < len(CLASSES) \
            or CLASSES[idx] != d["label"]:
        raise ValueError(f"index {idx!r} does not name label {d['label']!r}")
    conf = d.get("confidence")
    if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not math.isfinite(conf) \
            or not 0.0 <= conf <= 1.0 + 1e-6:
        raise ValueError(f"confidence {conf!r} is not a number in [0, 1]")
    probs = d.get("probabilities")
    if not isinstance(probs, (list, tuple)) or len(probs) != len(CLASSES):
        raise ValueError(f"expected {len(CLASSES)} probabilities")
    for v in probs:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) \
                or not -1e-6 <= v <= 1.0 + 1e-6:
            raise ValueError(f"probability {v!r} is not a number in [0, 1]")


class _Bridge(QtCore.QObject):
    decision = QtCore.pyqtSignal(object)


class label_display(gr.basic_block):
    """Shows the `labels` messages of a modulation_classifier in a Qt widget.

    `widget()` is the QWidget to place in a window (GRC does this through the GUI hint).
    Messages arrive on GNU Radio's threads and reach the widget through a queued Qt signal,
    so drawing stays on the GUI thread. A label older than `stale_after` seconds (0 = three
    decision intervals, at least 1 s) fades and says how long ago it was seen. Messages that
    are not label dicts, or carry non-finite or out-of-range numbers, are logged, counted
    (`refused`) and not shown.
    """

    def __init__(self, title="", history=40, stale_after=0.0):
        gr.basic_block.__init__(self, name="label_display", in_sig=None, out_sig=None)
        if int(history) < 1:
            raise ValueError("label_display: history must be >= 1")
        if not (math.isfinite(float(stale_after)) and float(stale_after) >= 0):
            raise ValueError("label_display: stale_after must be >= 0 seconds (0 = automatic)")
        self._widget = LabelDisplayWidget(title, history, stale_after)
        self._bridge = _Bridge()
        self._bridge.decision.connect(self._widget.show_decision, QtCore.Qt.QueuedConnection)
        self.decisions = self.refused = 0
        self.message_port_register_in(pmt.intern("labels"))
        self.set_msg_handler(pmt.intern("labels"), self._on_labels)

    def widget(self) -> QtWidgets.QWidget:
        return self._widget

    def set_stale_after(self, seconds):
        """Seconds after which a label fades (0 = three decision intervals)."""
        if math.isfinite(float(seconds)) and float(seconds) >= 0:
            self._widget.stale_after = float(seconds)

    def _on_labels(self, msg):
        try:
            d = pmt.to_python(msg)
            if isinstance(d, dict) and "probabilities" in d:
                d["probabilities"] = [float(v) for v in d["probabilities"]]   # NumPy vectors
            check_decision(d)
        except (ValueError, KeyError, TypeError) as e:
            self.refused += 1
            self.logger.warn(f"refused message {pmt.write_string(msg)[:200]}: {e}")
            return
        self.decisions += 1
        self._bridge.decision.emit(d)
