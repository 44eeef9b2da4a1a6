"""Every .grc compiles with grcc; the simulated flowgraph and the demo run headless."""
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, run_app

EXAMPLES = sorted((ROOT / "examples").glob("*.grc"))


@pytest.mark.parametrize("grc", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_grcc_compiles(grc, tmp_path, gr_robustamc):
    if not shutil.which("grcc"):
        pytest.skip("grcc not installed")
    p = subprocess.run(["grcc", str(grc), "-o", str(tmp_path)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    assert (tmp_path / f"{grc.stem}.py").is_file()


SIM_RUN = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
from PyQt5 import Qt
app = Qt.QApplication([])
import simulated_classification
tb = simulated_classification.simulated_classification(n_samples=int(sys.argv[2]))
tb.start()
tb.wait()
app.processEvents()
print("display", tb.display.widget().past)
"""


def test_simulated_flowgraph_runs_headless(gr_robustamc):
    """The QT GUI simulated example, offscreen, bounded to 0.6 s of signal."""
    p = subprocess.run([sys.executable, "-u", "-c", SIM_RUN, str(ROOT / "examples"), "120000"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    msgs = [line for line in p.stdout.splitlines() if "(label . " in line]
    # 120000 samples / (64 windows * 128 samples) = 14 decisions
    assert len(msgs) == 14
    # the first 0.5 s are BPSK: most decisions in it say so
    assert sum("(label . BPSK)" in m for m in msgs[:12]) >= 9
    shown = [line for line in p.stdout.splitlines() if line.startswith("display")]
    assert len(shown) == 1 and shown[0].count(",") == 13  # the display got all 14


RTL_RUN = r"""
import os, sys
import numpy as np
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
from PyQt5 import Qt
app = Qt.QApplication([])
from gnuradio import blocks, gr, soapy


class StandInRadio(gr.hier_block2):
    # what soapy.source gives the flowgraph, playing a recording instead of a dongle
    def __init__(self, *args):
        gr.hier_block2.__init__(self, "radio", gr.io_signature(0, 0, 0),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex))
        self.connect(blocks.vector_source_c(np.load(sys.argv[2]).tolist()), self)

    def set_sample_rate(self, *a): pass
    def set_gain_mode(self, *a): pass
    def set_frequency(self, *a): pass
    def set_frequency_correction(self, *a): pass
    def set_gain(self, *a): pass


soapy.source = StandInRadio
import rtlsdr_classification
tb = rtlsdr_classification.rtlsdr_classification(average=4)
tb.set_channel_offset(float(sys.argv[3]))
tb.start()
tb.wait()
app.processEvents()
print("gate", tb.gate.windows_in(), tb.gate.windows_out())
print("display", " ".join(map(str, tb.display.widget().past)))
"""


def recorded_band(path, rate=1.024e6, offset=100e3):
    """0.4 s of noise at `rate` with a 0.128 s QPSK burst `offset` Hz off centre, saved as
    .npy for the stand-in radio; returns the offset."""
    from robustamc.recordings import Resampler
    from test_recordings import continuous
    burst = Resampler(200e3, rate).process(continuous("QPSK", 200))  # 0.128 s
    burst /= np.sqrt(np.mean(np.abs(burst) ** 2))
    n = int(0.4 * rate)
    rng = np.random.default_rng(0)
    x = ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) * np.sqrt(0.5 * 1e-3)
         ).astype(np.complex64)
    start = int(0.15 * rate)
    t = np.arange(len(burst)) / rate
    x[start:start + len(burst)] += 0.3 * burst * np.exp(2j * np.pi * offset * t)
    np.save(path, x)
    return offset


def test_rtlsdr_chain_classifies_a_recorded_band(gr_robustamc, tmp_path):
    """rtlsdr_classification with a stand-in for the dongle (no radio here): a QPSK burst
    100 kHz off centre in 1.024 MHz of noise goes through the channel filter, the resampler
    and the gate to the classifier and the display."""
    offset = recorded_band(tmp_path / "band.npy")
    p = subprocess.run([sys.executable, "-u", "-c", RTL_RUN, str(ROOT / "examples"),
                        str(tmp_path / "band.npy"), str(offset)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    gate = next(l for l in p.stdout.splitlines() if l.startswith("gate")).split()
    shown = next(l for l in p.stdout.splitlines() if l.startswith("display")).split()[1:]
    windows_in, windows_out = int(gate[1]), int(gate[2])
    assert windows_in >= 600 and 180 <= windows_out <= 215  # ~200 burst windows of ~625
    # ~50 decisions of 4 windows; the display keeps the last 40
    assert len(shown) == 40 and sum(int(i) == 9 for i in shown) >= 32  # 9 = QPSK


def test_generated_python_is_current(tmp_path, gr_robustamc):
    """examples/*.py is what grcc makes of the .grc next to it."""
    if not shutil.which("grcc"):
        pytest.skip("grcc not installed")
    for grc in EXAMPLES:
        subprocess.run(["grcc", str(grc), "-o", str(tmp_path)], check=True, capture_output=True)
        fresh = (tmp_path / f"{grc.stem}.py").read_text()
        assert fresh == grc.with_suffix(".py").read_text(), f"re-run grcc on {grc.name}"


def test_demo_prints_decisions_and_accuracy(gr_robustamc):
    p = run_app("robustamc-demo", "--narrowband", "--fast", "--segment", "0.1", "--average", "32",
                "--modulations", "BPSK,AM-DSB,GFSK,PAM4")
    lines = p.stdout.splitlines()
    decisions = [l for l in lines if l.startswith("t=")]
    assert len(decisions) >= 15
    assert any("sent BPSK    -> BPSK" in l for l in decisions)
    acc = [l for l in lines if l.startswith("accuracy:")]
    assert len(acc) == 1
    assert float(acc[0].split()[1].rstrip("%")) >= 70.0


def test_demo_rejects_unknown_modulation(gr_robustamc):
    p = run_app("robustamc-demo", "--narrowband", "--modulations", "OOK", check=False)
    assert p.returncode == 2 and "unknown modulations" in p.stderr
    p = run_app("robustamc-demo", "--snr-db", "10", check=False)   # the scanner has no SNR knob
    assert p.returncode == 2 and "add --narrowband" in p.stderr


ATTACK_DEMO_RUN = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
from PyQt5 import Qt
app = Qt.QApplication([])
import attack_demo
mode, n = sys.argv[2], int(sys.argv[3])
tb = attack_demo.attack_demo(n_samples=n, snr_db=18.0, uap_file="")   # BPSK, -16 dB
tb.set_mode(mode)
tb.start()
tb.wait()
app.processEvents()
for name in ("display_standard", "display_robust"):
    past = getattr(tb, name).widget().past
    print(name, len(past), sum(i == 3 for i in past))   # 3 = BPSK
"""


def test_attack_demo_runs_headless_and_the_robust_model_holds(gr_robustamc):
    """The QT GUI attack demo as shipped (BPSK, PSR -16 dB), offscreen and bounded: under
    white-box PGD aimed at the standard compact model, that model fails and the robust default
    holds better.

    Measured 2026-12-05, decisions right of 24 (8 windows each), standard then robust
    default: BPSK at -16 dB 0 and 21, at -13 dB 0 and 3. The demo showed QPSK at -12 dB until
    the default became the three-layer robust compact, which is `compact` fine-tuned by PGD-AT:
    PGD on `compact` transfers to it on QPSK (robust default 13 at -20 dB, 0 at -16), where
    the two-layer default, of another lineage, kept 24 up to -13 dB. White-box on each robust
    model itself at -20 dB (three layers, two layers): QPSK 6 and 24, GFSK 4 and 5, CPFSK 0 and
    3, BPSK and PAM4 24 and 24; on the synthetic grid at >= 10 dB both keep 1-2 % of QPSK
    under PGD-20, so the two-layer model's QPSK stream is the exception (why is not
    traced; docs/ROBUSTNESS.md)."""
    counts = {}
    for mode in ("off", "pgd"):
        p = subprocess.run([sys.executable, "-c", ATTACK_DEMO_RUN, str(ROOT / "examples"), mode,
                            str(128 * 8 * 24)], capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr
        for line in p.stdout.splitlines():
            if not line.startswith("display_"):
                continue
            name, n, right = line.split()
            counts[mode, name] = int(right) / int(n)
            assert int(n) == 24
    assert len(counts) == 4, p.stdout
    print(counts)
    assert counts["off", "display_standard"] > 0.9 and counts["off", "display_robust"] > 0.9
    assert counts["pgd", "display_standard"] < 0.2
    assert counts["pgd", "display_robust"] > counts["pgd", "display_standard"] + 0.3


SCAN_RUN = r"""
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, sys.argv[1])
from PyQt5 import Qt
app = Qt.QApplication([])
import scanner_simulated
tb = scanner_simulated.scanner_simulated(n_samples=int(sys.argv[2]))
tb.start()
tb.wait()
app.processEvents()
w = tb.display.widget()
print("boxes", len(w.signals), "shown", tb.display.shown, "tracks",
      tb.scanner.stats()["detector_tracks_started"])
"""


def test_simulated_scan_flowgraph_runs_headless(gr_robustamc):
    """The QT GUI scanning example, offscreen, 0.4 s of its 2.048 Msps band: the scanner
    finds its five stock modulators once each and the waterfall boxes them."""
    p = subprocess.run([sys.executable, "-u", "-c", SCAN_RUN, str(ROOT / "examples"),
                        str(int(0.4 * 2.048e6))], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    line = next(l for l in p.stdout.splitlines() if l.startswith("boxes"))
    _, boxes, _, shown, _, tracks = line.split()
    assert int(boxes) == 5 and int(tracks) == 5 and int(shown) > 20


def test_scanning_demo_finds_and_tabulates_the_band(gr_robustamc):
    p = run_app("robustamc-demo", "--fast", "--seconds", "0.8", "--quiet")   # the default
    rows = [l for l in p.stdout.splitlines() if l.startswith("| ") and "kbaud" not in l]
    assert len(rows) == 5                                  # one per signal sent
    assert all(r.split("|")[4].strip() != "-" for r in rows), p.stdout   # each one found
    assert "found 5 signals (5 sent)" in p.stdout


RTL_SCAN_RUN = RTL_RUN.split("import rtlsdr_classification")[0] + r"""
import rtlsdr_scanner
tb = rtlsdr_scanner.rtlsdr_scanner(radio_rate=1.024e6)
tb.start()
tb.wait()
app.processEvents()
print("boxes", len(tb.display.widget().signals), "tracks",
      tb.scanner.stats()["detector_tracks_started"])
"""


def test_rtlsdr_scanner_finds_a_burst_in_a_recorded_band(gr_robustamc, tmp_path):
    """rtlsdr_scanner with the stand-in radio playing a recorded band: the QPSK burst 100 kHz
    off centre is found once and boxed."""
    offset = recorded_band(tmp_path / "band.npy")
    p = subprocess.run([sys.executable, "-u", "-c", RTL_SCAN_RUN, str(ROOT / "examples"),
                        str(tmp_path / "band.npy"), str(offset)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    line = next(l for l in p.stdout.splitlines() if l.startswith("boxes"))
    assert line.split() == ["boxes", "1", "tracks", "1"], p.stdout
