"""Realism check: signals from GNU Radio's own stock modulators, through
channels.channel_model at high SNR, are classified by the shipped default model.

Run with `-s` to see the per-class table (docs/MODELS.md quotes it).
"""
import pytest

from robustamc.constants import CLASSES

gr = pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed here")
from gnuradio import blocks, channels  # noqa: E402
import pmt  # noqa: E402

#: RadioML-known confusions: AM-SSB (noise-like), WBFM vs AM-DSB, QAM16 vs QAM64.
KNOWN_CONFUSIONS = {"AM-SSB", "WBFM", "QAM16", "QAM64"}
SNR_DB = 16.0
WINDOWS = 300


def classify_stock(gr_robustamc, modulation, snr_db=SNR_DB, windows=WINDOWS, bundle=""):
    """Labels of `windows` windows of a stock modulator through channel_model (bundle: "" =
    shipped default; docs/MODELS.md tabulates other shipped bundles with it)."""
    tb = gr.top_block()
    src = gr_robustamc.stock_modulation_source(modulation, seed=CLASSES.index(modulation))
    chan = channels.channel_model(noise_voltage=float(10 ** (-snr_db / 20)),
                                  frequency_offset=50 / 200e3, epsilon=1.0, taps=[1.0 + 0j],
                                  noise_seed=1)
    skip = blocks.skiphead(gr.sizeof_gr_complex, 4096)  # past the modulators' start-up
    head = blocks.head(gr.sizeof_gr_complex, 128 * windows)
    clf = gr_robustamc.modulation_classifier(bundle=bundle)
    dbg = blocks.message_debug()
    tb.connect(src, chan, skip, head, clf, blocks.null_sink(gr.sizeof_gr_complex))
    tb.msg_connect(clf, "labels", dbg, "store")
    tb.run()
    return [pmt.to_python(dbg.get_message(i))["label"] for i in range(dbg.num_messages())]


def test_stock_gnuradio_signals_are_recognised(gr_robustamc):
    rows, failures = [], []
    for mod in CLASSES:
        labels = classify_stock(gr_robustamc, mod)
        assert len(labels) == WINDOWS
        acc = labels.count(mod) / len(labels)
        top = max(set(labels), key=labels.count)
        rows.append(f"| {mod} | {100 * acc:.0f}% | {top} |")
        if mod not in KNOWN_CONFUSIONS and acc < 0.5:
            failures.append(f"{mod}: {100 * acc:.0f}% (mostly {top})")
    print(f"\nStock GNU Radio modulators, channel_model at {SNR_DB:g} dB, {WINDOWS} windows each")
    print("| class | accuracy | most common label |\n|---|---:|---|")
    print("\n".join(rows))
    assert not failures, failures


def _stock_samples(gr_robustamc, modulation, n=1 << 14, **pulse):
    import numpy as np
    tb = gr.top_block()
    src = gr_robustamc.stock_modulation_source(modulation, seed=3, **pulse)
    sink = blocks.vector_sink_c()
    tb.connect(src, blocks.skiphead(gr.sizeof_gr_complex, 4096),
               blocks.head(gr.sizeof_gr_complex, n), sink)
    tb.run()
    return np.asarray(sink.data(), np.complex64)


def test_stock_source_takes_the_transmitter_settings_real_radios_use(gr_robustamc):
    """Roll-off widens the spectrum, the FSK index sets the phase turned per symbol (pi h);
    settings outside what GNU Radio's blocks accept are refused."""
    import numpy as np

    from robustamc.spectrum.scene import occupied_band
    bw = [occupied_band(_stock_samples(gr_robustamc, "QPSK", excess_bw=r), 200e3)[0]
          for r in (0.2, 0.5)]
    assert bw[1] > 1.15 * bw[0]
    for h in (0.3, 1.0):
        x = _stock_samples(gr_robustamc, "CPFSK", mod_index=h)
        step = np.abs(np.angle(x[1:] * np.conj(x[:-1])))   # per sample, 8 to a symbol
        assert np.median(step) * 8 == pytest.approx(np.pi * h, rel=0.05)
    assert np.all(np.isfinite(_stock_samples(gr_robustamc, "GFSK", mod_index=0.3, bt=0.5)))
    for bad in ({"excess_bw": 0.0}, {"mod_index": -1}, {"bt": 2.0}):
        with pytest.raises(ValueError, match="excess_bw"):
            gr_robustamc.stock_modulation_source("QPSK", **bad)


def test_realism_pulses_table_covers_every_transmitter_setting(gr_robustamc):
    """robustamc-realism --pulses: one row per class and setting of the field preset's ranges."""
    import subprocess
    import sys

    from conftest import ROOT
    p = subprocess.run([sys.executable, str(ROOT / "apps" / "robustamc-realism"), "--pulses",
                        "--segments", "1", "--windows", "16", "--snr-db", "18", "--bundle",
                        "compact"], capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    rows = [ln for ln in p.stdout.splitlines() if ln.startswith("| ") and " % |" in ln]
    assert len(rows) == 24
    settings = {tuple(c.strip() for c in r.split("|")[1:3]) for r in rows}
    assert ("CPFSK", "h 0.3") in settings and ("GFSK", "h 0.5, BT 0.5") in settings
    assert ("8PSK", "roll-off 0.2") in settings
