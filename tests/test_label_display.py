"""The Qt label display, rendered offscreen from a real classifier flowgraph."""
import os

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
QtWidgets = pytest.importorskip("PyQt5.QtWidgets")


@pytest.fixture(scope="module")
def qapp():
    return QtWidgets.QApplication.instance() or QtWidgets.QApplication([])


def test_display_shows_classifier_decisions(gr_robustamc, qapp, tmp_path):
    from gnuradio import blocks, gr
    import pmt
    from PyQt5 import QtGui
    tb = gr.top_block()
    src = gr_robustamc.stock_modulation_source("BPSK")
    clf = gr_robustamc.modulation_classifier(average=4)
    disp = gr_robustamc.label_display("test", 16)
    tb.connect(src, blocks.head(gr.sizeof_gr_complex, 128 * 4 * 12), clf,
               blocks.null_sink(gr.sizeof_gr_complex))
    tb.msg_connect(clf, "labels", disp, "labels")
    tb.run()
    disp.to_basic_block()._post(pmt.intern("labels"), pmt.intern("not a label"))
    qapp.processEvents()
    w = disp.widget()
    assert disp.decisions == 12 and w.label == "BPSK" and len(w.past) == 12
    w.resize(420, 360)
    path = tmp_path / "display.png"
    assert w.grab().save(str(path))
    img = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format_RGB32)
    px = np.frombuffer(img.constBits().asstring(img.byteCount()), np.uint8).reshape(
        img.height(), img.width(), 4)[..., :3][..., ::-1]          # BGRA -> RGB
    bpsk = np.array([0xd6, 0x27, 0x28])                            # BPSK's colour
    is_bpsk = np.abs(px.astype(int) - bpsk).sum(-1) < 30
    strip = is_bpsk[-30:-4]                                        # history strip
    assert strip.any(axis=0).sum() > 0.6 * 420 * 12 / 16           # 12 of 16 cells
    assert is_bpsk[22:70].sum() > 200                              # the big label
    assert is_bpsk[76:-34].sum() > 500                             # its probability bar


def test_bad_history_is_refused(gr_robustamc, qapp):
    with pytest.raises(ValueError, match="history"):
        gr_robustamc.label_display("x", 0)


def test_display_takes_the_gate_snr(gr_robustamc, qapp):
    import pmt
    disp = gr_robustamc.label_display("snr", 8)
    msg = pmt.to_pmt({"label": "QPSK", "index": 9, "confidence": 0.9, "snr_db": 17.6,
                      "probabilities": [0.01] * 9 + [0.9, 0.0], "model": "compact-robust"})
    disp._on_labels(msg)
    qapp.processEvents()
    w = disp.widget()
    assert w.label == "QPSK" and w.snr_db == pytest.approx(17.6)
    assert not w.grab().isNull()


def _label(**kw):
    import pmt
    d = {"label": "QPSK", "index": 9, "confidence": 0.9,
         "probabilities": [0.01] * 9 + [0.9, 0.0], "model": "m"}
    d.update(kw)
    return pmt.to_pmt(d)


def test_a_label_goes_stale_fades_and_says_its_age(gr_robustamc, qapp):
    """Behind the occupancy gate nothing arrives when the transmitter stops: after
    `stale_after` the label fades and the title line says how long ago it was seen."""
    import time
    disp = gr_robustamc.label_display("age", 8, 0.3)
    disp._on_labels(_label())
    qapp.processEvents()
    w = disp.widget()
    w.resize(420, 360)
    fresh = w.grab().toImage()
    assert not w.is_stale()
    time.sleep(0.5)
    qapp.processEvents()
    assert w.is_stale() and 0.4 < w.age() < 5
    faded = w.grab().toImage()
    # the big label is dimmer once stale
    def brightness(img, y0, y1):
        return sum(QtGui_qgray(img.pixel(x, y)) for x in range(8, 300, 3) for y in range(y0, y1, 3))
    assert brightness(faded, 22, 70) < 0.7 * brightness(fresh, 22, 70)
    # automatic: three decision intervals, at least a second
    auto = gr_robustamc.label_display("auto", 8).widget()
    assert auto.stale_limit() == 1.0


def QtGui_qgray(rgb):
    from PyQt5 import QtGui
    return QtGui.qGray(rgb)


@pytest.mark.parametrize("bad", [
    {"confidence": float("nan")}, {"confidence": 5.0}, {"confidence": True},
    {"probabilities": [-5.0] + [0.1] * 10}, {"probabilities": [float("nan")] * 11},
    {"probabilities": [0.1] * 3}, {"index": 3}, {"label": "OOK"},
])
def test_non_finite_or_out_of_range_decisions_are_refused_and_logged(gr_robustamc, qapp, bad):
    disp = gr_robustamc.label_display("bad", 8)
    disp._on_labels(_label(**bad))
    qapp.processEvents()
    assert disp.refused == 1 and disp.decisions == 0 and disp.widget().label is None


def test_bad_stale_after_is_refused(gr_robustamc, qapp):
    with pytest.raises(ValueError, match="stale_after"):
        gr_robustamc.label_display("x", 8, -1)
