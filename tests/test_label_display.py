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
