"""The signal_scanner block on wideband scenes made by GNU Radio's own blocks: stock
modulators at their own symbol rates, moved to their own frequencies, bursts, noise."""
import numpy as np
import pytest

gr = pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed here")
from gnuradio import analog, blocks  # noqa: E402
import pmt  # noqa: E402

RATE = 2.048e6


def stock_signal(robustamc, mod, sps, center_hz, seed):
    """A stock modulator at `sps` samples per symbol at RATE, centred on `center_hz`."""
    return robustamc.stock_modulation_source(mod, seed=seed, samp_rate=RATE,
                                             samples_per_symbol=sps, center_hz=center_hz)


def run_scene(robustamc, signals, seconds, noise=0.02, extra=None, **kw):
    """signals: (mod, sps at RATE, centre Hz, amplitude, on from s, off at s or None)."""
    tb = gr.top_block()
    n = int(seconds * RATE)
    add = blocks.add_cc()
    noise_src = analog.noise_source_c(analog.GR_GAUSSIAN, noise, 7)
    tb.connect(noise_src, (add, 0))
    for i, (mod, sps, fc, amp, on, off) in enumerate(signals):
        s = stock_signal(robustamc, mod, sps, fc, seed=i + 1)
        gain = blocks.multiply_const_cc(amp)
        a, b = int(on * RATE), n if off is None else int(off * RATE)
        gate = blocks.vector_source_c([0.0] * a + [1.0] * (b - a) + [0.0] * (n - b), False)
        burst = blocks.multiply_cc()
        tb.connect(s, gain, (burst, 0))
        tb.connect(gate, (burst, 1))
        tb.connect(burst, (add, i + 1))
    head = blocks.head(gr.sizeof_gr_complex, n)
    scanner = robustamc.signal_scanner(samp_rate=RATE, center_freq=100e6, **kw)
    dbg = blocks.message_debug()
    chain = [add, head] + ([extra] if extra is not None else []) + [scanner]
    tb.connect(*chain, blocks.null_sink(gr.sizeof_gr_complex))
    tb.msg_connect(scanner, "signals", dbg, "store")
    tb.run()
    # the "end" messages of signals still on at the end of the stream are published when the
    # flowgraph stops, and delivered asynchronously
    import time
    deadline, last = time.time() + 5, -1
    while time.time() < deadline and dbg.num_messages() != last:
        last = dbg.num_messages()
        time.sleep(0.2)
    msgs = [pmt.to_python(dbg.get_message(i)) for i in range(dbg.num_messages())]
    return scanner, msgs


@pytest.fixture(scope="module")
def three_signals(gr_robustamc):
    # QPSK at 64 kbaud, a GFSK burst at 40 kbaud, 8PSK at 128 kbaud (sps at 2.048 Msps)
    # every one ends inside the stream: GNU Radio may stop the message receivers before the
    # scanner's stop() reports the signals still on at the end of a finite stream
    sig = [("QPSK", 32.0, -500e3, 1.0, 0.0, 0.4), ("GFSK", 51.2, 200e3, 1.0, 0.1, 0.3),
           ("8PSK", 16.0, 600e3, 1.0, 0.05, 0.38)]
    return sig, run_scene(gr_robustamc, sig, 0.45, bundle="compact")


def test_every_stock_signal_found_once_with_its_frequency_and_an_end(three_signals):
    sig, (scanner, msgs) = three_signals
    ends = [m for m in msgs if m["type"] == "end"]
    decisions = [m for m in msgs if m["type"] == "decision"]
    assert len(ends) == 3, [(m["center_hz"], m["bandwidth_hz"]) for m in ends]
    for mod, sps, fc, *_ in sig:
        e = min(ends, key=lambda m: abs(m["center_hz"] - fc))
        bw = RATE / sps * 1.35
        assert abs(e["center_hz"] - fc) < bw / 4
        assert e["frequency_hz"] == pytest.approx(100e6 + e["center_hz"])
        assert 0.5 * bw < e["bandwidth_hz"] < 1.5 * bw
    for (mod, sps, fc, amp, on, off) in sig:
        e = min(ends, key=lambda m: abs(m["center_hz"] - fc))
        assert abs(e["start_s"] - on) < 0.02 and abs(e["stop_s"] - off) < 0.02
    for m in decisions:
        assert m["label"] and len(m["probabilities"]) == 11 and m["id"] in {e["id"] for e in ends}
    assert scanner.stats()["detector_tracks_started"] == 3


def test_noise_zeros_and_nan_make_no_signals(gr_robustamc):
    scanner, msgs = run_scene(gr_robustamc, [], 0.2)
    assert msgs == [] and scanner.stats()["samples"] == int(0.2 * RATE)
    scanner, msgs = run_scene(gr_robustamc, [], 0.2, noise=0.0)
    assert msgs == []
    nan = blocks.multiply_const_cc(float("nan"))
    scanner, msgs = run_scene(gr_robustamc, [], 0.1, extra=nan)
    assert msgs == [] and scanner.stats()["nonfinite_samples"] == int(0.1 * RATE)


def test_bad_parameters_fail_at_construction(gr_robustamc):
    with pytest.raises(ValueError, match="samp_rate"):
        gr_robustamc.signal_scanner(samp_rate=0)
    with pytest.raises(ValueError, match="nfft"):
        gr_robustamc.signal_scanner(nfft=1000)
    with pytest.raises(ValueError, match="bundle"):
        gr_robustamc.signal_scanner(bundle="/nonexistent.json")


def render_scene_display(robustamc, path, seconds=0.5):
    """A scene of stock modulators through the scanner into the waterfall, rendered
    offscreen to `path`; returns the display block and the scanner's messages."""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PyQt5 import QtWidgets
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    sig = [("QPSK", 32.0, -500e3, 1.0, 0.0, None), ("GFSK", 51.2, 200e3, 1.0, 0.1, 0.3),
           ("8PSK", 16.0, 600e3, 1.0, 0.05, None)]
    tb = gr.top_block()
    n = int(seconds * RATE)
    add = blocks.add_cc()
    tb.connect(analog.noise_source_c(analog.GR_GAUSSIAN, 0.02, 7), (add, 0))
    for i, (mod, sps, fc, amp, on, off) in enumerate(sig):
        a, b = int(on * RATE), n if off is None else int(off * RATE)
        gate = blocks.vector_source_c([0.0] * a + [1.0] * (b - a) + [0.0] * (n - b), False)
        burst = blocks.multiply_cc()
        tb.connect(stock_signal(robustamc, mod, sps, fc, seed=i + 1), (burst, 0))
        tb.connect(gate, (burst, 1))
        tb.connect(burst, (add, i + 1))
    head = blocks.head(gr.sizeof_gr_complex, n)
    scanner = robustamc.signal_scanner(samp_rate=RATE, center_freq=433.9e6, bundle="compact")
    disp = robustamc.scanner_display(samp_rate=RATE, center_freq=433.9e6, rows=200,
                                     rows_per_s=400, title="stock modulators, 2.048 Msps")
    tb.connect(add, head, scanner, disp)
    tb.msg_connect(scanner, "signals", disp, "signals")
    tb.run()
    app.processEvents()
    w = disp.widget()
    w.resize(800, 480)
    assert w.grab().save(str(path))
    return disp, w


def test_waterfall_boxes_every_detected_signal(gr_robustamc, tmp_path):
    from PyQt5 import QtGui
    path = tmp_path / "waterfall.png"
    disp, w = render_scene_display(gr_robustamc, path)
    assert disp.shown > 10 and disp.refused == 0
    assert len(w.signals) == 3
    img = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format_RGB32)
    px = np.frombuffer(img.constBits().asstring(img.byteCount()), np.uint8).reshape(
        img.height(), img.width(), 4)[..., :3][..., ::-1]
    from robustamc.constants import CLASSES
    from gnuradio.robustamc.scanner_display import _COLOURS
    for s in w.signals.values():
        colour = QtGui.QColor(_COLOURS[CLASSES.index(s["label"]) % len(_COLOURS)])
        rgb = np.array([colour.red(), colour.green(), colour.blue()])
        x0 = int((s["center"] - s["bw"] / 2) / RATE * 800 + 400) - 3   # the box sits 3 px out
        column = px[20:460, max(0, x0 - 2):x0 + 3]
        # the box's left edge: a vertical run of the label's colour
        assert (np.abs(column.astype(int) - rgb).sum(-1) < 60).any(axis=1).sum() > 20, s
    disp._on_signal(pmt.to_pmt({"type": "decision", "id": 1, "center_hz": float("nan")}))
    assert disp.refused == 1


def test_scan_scenes_table_on_stock_modulators(gr_robustamc):
    """scripts/scan_scenes.py --stock: random scenes of GNU Radio's stock modulators (wfm_tx too),
    the table row by SNR, and each spurious track or miss listed with what lay nearest."""
    import subprocess
    import sys

    from conftest import ROOT
    p = subprocess.run([sys.executable, str(ROOT / "scripts" / "scan_scenes.py"), "--scenes", "2",
                        "--snrs", "20", "--seconds", "0.25", "--stock", "--misses"],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "stock GNU Radio modulators" in p.stdout and "AM-DSB" not in p.stdout
    assert "WBFM" in p.stdout
    row = [ln for ln in p.stdout.splitlines() if ln.startswith("| 20 |")]
    assert len(row) == 1
    signals, found = row[0].split("|")[2:4]
    assert int(signals) >= 10 and float(found.strip(" %")) >= 80
    for line in p.stderr.splitlines():
        assert line.startswith(("miss ", "misnamed ", "spurious ")), line
