#
# Copyright 2026 gr-robustamc authors.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""label_display: a Qt view of the modulation_classifier's `labels` messages."""

import pmt
from gnuradio import gr
from PyQt5 import QtCore, QtGui, QtWidgets

from robustamc.constants import CLASSES

# one colour per class (matplotlib's tab20 hues), so the history strip reads at a glance
_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
            "#7f7f7f", "#bcbd22", "#17becf", "#aec7e8"]


class LabelDisplayWidget(QtWidgets.QWidget):
    """Current label and confidence in large type, a bar per class probability and a strip of
    the last `history` decisions (one coloured cell each, newest on the right)."""

    def __init__(self, title: str = "", history: int = 40, parent=None):
        super().__init__(parent)
        self.title, self.history = title, max(1, int(history))
        self.label, self.confidence, self.model = None, 0.0, ""
        self.snr_db = None  # from the occupancy gate, when the classifier sits behind one
        self.probabilities = [0.0] * len(CLASSES)
        self.past: list[int] = []
        self.setMinimumSize(360, 300)

    def sizeHint(self):
        return QtCore.QSize(420, 360)

    @QtCore.pyqtSlot(object)
    def show_decision(self, d: dict) -> None:
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


class _Bridge(QtCore.QObject):
    decision = QtCore.pyqtSignal(object)


class label_display(gr.basic_block):
    """Shows the `labels` messages of a modulation_classifier in a Qt widget.

    `widget()` is the QWidget to place in a window (GRC does this through the GUI hint).
    Messages arrive on GNU Radio's threads and reach the widget through a queued Qt signal,
    so drawing stays on the GUI thread. Messages that are not label dicts are logged and
    ignored.
    """

    def __init__(self, title="", history=40):
        gr.basic_block.__init__(self, name="label_display", in_sig=None, out_sig=None)
        if int(history) < 1:
            raise ValueError("label_display: history must be >= 1")
        self._widget = LabelDisplayWidget(title, history)
        self._bridge = _Bridge()
        self._bridge.decision.connect(self._widget.show_decision, QtCore.Qt.QueuedConnection)
        self.decisions = 0
        self.message_port_register_in(pmt.intern("labels"))
        self.set_msg_handler(pmt.intern("labels"), self._on_labels)

    def widget(self) -> QtWidgets.QWidget:
        return self._widget

    def _on_labels(self, msg):
        try:
            d = pmt.to_python(msg)
            if not isinstance(d, dict) or d.get("label") not in CLASSES:
                raise ValueError("not a label dict")
            if len(d["probabilities"]) != len(CLASSES):
                raise ValueError("wrong number of probabilities")
            float(d["confidence"]), int(d["index"])
        except (ValueError, KeyError, TypeError) as e:
            self.logger.warn(f"ignored message {msg}: {e}")
            return
        self.decisions += 1
        self._bridge.decision.emit(d)
