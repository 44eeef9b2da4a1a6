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
