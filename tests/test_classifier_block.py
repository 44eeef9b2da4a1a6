"""modulation_classifier in real GNU Radio flowgraphs."""
import numpy as np
import pytest
import torch

from robustamc.constants import CLASSES
from robustamc.synth import Synthesizer

gr = pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed here")
from gnuradio import blocks  # noqa: E402
import pmt  # noqa: E402


def frames_stream(modulation, n_frames, snr_db=18, seed=0):
    """Synthetic frames of one class, laid end to end as a complex64 stream."""
    y = torch.full((n_frames,), CLASSES.index(modulation))
    x = Synthesizer().frames(y, torch.full((n_frames,), float(snr_db)),
                             torch.Generator().manual_seed(seed)).numpy()
    return (x[:, 0] + 1j * x[:, 1]).astype(np.complex64).reshape(-1)


def run_classifier(gr_robustamc, samples, max_items=None, tags=(), **kw):
    """Run samples through the block; returns (messages as Python dicts, block, output, tags)."""
    tb = gr.top_block()
    src = blocks.vector_source_c(samples.tolist(), False, 1, list(tags))
    clf = gr_robustamc.modulation_classifier(**kw)
    if max_items:
        clf.set_max_noutput_items(max_items)
    dbg = blocks.message_debug()
    snk = blocks.vector_sink_c()
    tb.connect(src, clf, snk)
    tb.msg_connect(clf, "labels", dbg, "store")
    tb.run()
    msgs = [pmt.to_python(dbg.get_message(i)) for i in range(dbg.num_messages())]
    return msgs, clf, np.asarray(snk.data()), snk.tags()


def test_known_signals_labelled_with_offsets(gr_robustamc):
    for mod in ("BPSK", "AM-DSB", "PAM4"):
        samples = frames_stream(mod, 40)
        msgs, clf, out, _ = run_classifier(gr_robustamc, samples)
        assert np.array_equal(out, samples)  # passes the stream through unchanged
        assert [m["offset"] for m in msgs] == [128 * i for i in range(40)]
        labels = [m["label"] for m in msgs]
        assert labels.count(mod) >= 30, (mod, labels)
        m = msgs[0]
        assert set(m) >= {"label", "index", "confidence", "probabilities", "offset", "window",
                          "windows", "model"}
        assert m["window"] == 128 and m["model"] == "compact-robust"   # the shipped default
        assert len(m["probabilities"]) == len(CLASSES)
        assert abs(sum(m["probabilities"]) - 1) < 1e-4
        assert m["label"] == CLASSES[m["index"]]
        assert m["confidence"] == pytest.approx(max(m["probabilities"]), abs=1e-6)
        assert clf.stats()["windows"] == 40 and clf.stats()["published"] == 40


def test_call_boundaries_do_not_change_decisions(gr_robustamc):
    samples = frames_stream("QPSK", 30)
    ref, *_ = run_classifier(gr_robustamc, samples, hop=96)
    for chunk in (1, 77, 127, 129, 1000):
        got, *_ = run_classifier(gr_robustamc, samples, max_items=chunk, hop=96)
        assert [m["offset"] for m in got] == [m["offset"] for m in ref], chunk
        assert np.allclose([m["probabilities"] for m in got], [m["probabilities"] for m in ref],
                           atol=1e-5), chunk


def test_hop_and_averaging(gr_robustamc):
    samples = frames_stream("GFSK", 20)  # 2560 samples
    msgs, clf, *_ = run_classifier(gr_robustamc, samples, hop=64)
    assert [m["offset"] for m in msgs] == list(range(0, 2560 - 128 + 1, 64))
    single, *_ = run_classifier(gr_robustamc, samples)
    avg, clf, *_ = run_classifier(gr_robustamc, samples, average=4)
    assert [m["offset"] for m in avg] == [512 * i for i in range(5)]
    assert all(m["windows"] == 4 for m in avg)
    expected = np.mean([m["probabilities"] for m in single[:4]], axis=0)
    assert np.allclose(avg[0]["probabilities"], expected, atol=1e-5)


def test_min_confidence_filters(gr_robustamc):
    samples = frames_stream("QAM16", 20, snr_db=-20)
    msgs, clf, *_ = run_classifier(gr_robustamc, samples, min_confidence=0.99)
    st = clf.stats()
    assert st["published"] == len(msgs) and st["published"] + st["below_confidence"] == 20
    assert all(m["confidence"] >= 0.99 for m in msgs)


def test_nan_and_zero_windows_are_counted_not_guessed(gr_robustamc):
    good = frames_stream("BPSK", 4)
    zeros = np.zeros(256, np.complex64)
    nan = good[:256].copy()
    nan[5] = np.nan + 0j
    inf = good[:128].copy()
    inf[100] = np.inf
    samples = np.concatenate([good[:256], zeros, nan, inf, good[256:]])
    msgs, clf, out, _ = run_classifier(gr_robustamc, samples)
    st = clf.stats()
    assert st["windows"] == 9
    assert st["no_power"] == 2 and st["nonfinite"] == 2  # the NaN window and the Inf window
    assert [m["offset"] for m in msgs] == [0, 128, 640, 896, 1024]
    assert len(out) == len(samples)  # the stream never stopped


def test_rx_time_rx_freq_and_output_tags(gr_robustamc):
    samples = frames_stream("CPFSK", 6)
    t = gr.tag_t()
    t.offset, t.key = 0, pmt.intern("rx_time")
    t.value = pmt.make_tuple(pmt.from_uint64(1000), pmt.from_double(0.5))
    f = gr.tag_t()
    f.offset, f.key, f.value = 0, pmt.intern("rx_freq"), pmt.from_double(433.92e6)
    msgs, clf, out, tags = run_classifier(gr_robustamc, samples, tags=[t, f], tag_output=True)
    assert msgs[2]["rx_freq"] == 433.92e6
    secs, frac = msgs[2]["rx_time"]
    assert secs == 1000 and frac == pytest.approx(0.5 + 256 / 200e3)
    ours = [tg for tg in tags if pmt.symbol_to_string(tg.key) == "robustamc_label"]
    assert [tg.offset for tg in ours] == [128 * i + 127 for i in range(6)]


def test_bad_bundle_and_parameters(gr_robustamc, tmp_path):
    with pytest.raises(ValueError, match="cannot load bundle.*not found"):
        gr_robustamc.modulation_classifier(bundle=str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ValueError, match="cannot load bundle"):
        gr_robustamc.modulation_classifier(bundle=str(bad))
    with pytest.raises(ValueError, match="average"):
        gr_robustamc.modulation_classifier(average=0)
    with pytest.raises(ValueError, match="min_confidence"):
        gr_robustamc.modulation_classifier(min_confidence=1.5)


def test_label_messages_built_in_cpp(gr_robustamc):
    """The C++ builder the block publishes through: fields, bad input."""
    base = [pmt.dict_add(pmt.make_dict(), pmt.intern("label"), pmt.intern(c)) for c in "ab"]
    probs = np.array([[0.25, 0.75], [0.5, 0.5]], dtype=np.float32)
    msgs = gr_robustamc.make_label_messages(base, np.array([1, 0]), np.array([7, 2 ** 40]),
                                            np.array([1, 3]), np.array([0.75, 0.5]), probs)
    got = [pmt.to_python(m) for m in msgs]
    assert [g["label"] for g in got] == ["b", "a"]
    assert [g["offset"] for g in got] == [7, 2 ** 40]
    assert [g["windows"] for g in got] == [1, 3] and got[0]["confidence"] == 0.75
    assert np.array_equal(got[0]["probabilities"], probs[0])
    with pytest.raises(ValueError, match="no base message"):
        gr_robustamc.make_label_messages(base, np.array([2]), np.array([0]), np.array([1]),
                                         np.array([1.0]), probs[:1])
    with pytest.raises(ValueError, match="one entry per decision"):
        gr_robustamc.make_label_messages(base, np.array([0, 1]), np.array([0]), np.array([1]),
                                         np.array([1.0]), probs[:1])
    with pytest.raises(ValueError, match='must not hold "windows"'):
        gr_robustamc.make_label_messages(
            [pmt.dict_add(b, pmt.intern("windows"), pmt.from_long(1)) for b in base],
            np.array([0]), np.array([0]), np.array([1]), np.array([1.0]), probs[:1])
    with pytest.raises(ValueError, match=r"\(decisions, classes\)"):
        gr_robustamc.make_label_messages(base, np.array([0]), np.array([0]), np.array([1]),
                                         np.array([1.0]), probs[0])


def test_average_and_min_confidence_change_while_running(gr_robustamc):
    """GRC sliders call set_average / set_min_confidence on a running flowgraph."""
    import time
    from gnuradio import blocks, gr
    tb = gr.top_block()
    src = gr_robustamc.stock_modulation_source("BPSK")
    clf = gr_robustamc.modulation_classifier(average=4)
    dbg = blocks.message_debug()
    tb.connect(src, blocks.throttle(gr.sizeof_gr_complex, 400e3), clf,
               blocks.null_sink(gr.sizeof_gr_complex))
    tb.msg_connect(clf, "labels", dbg, "store")
    tb.start()
    time.sleep(0.3)
    clf.set_average(16)
    clf.set_min_confidence(0.0)
    clf.set_average(0)            # refused, logged
    time.sleep(0.5)
    tb.stop()
    tb.wait()
    import pmt
    windows = [pmt.to_python(dbg.get_message(i))["windows"] for i in range(dbg.num_messages())]
    assert windows[0] == 4 and windows[-1] == 16 and clf.average() == 16


def test_rx_rate_other_than_the_models_is_warned_about_once(gr_robustamc, capfd):
    import pmt
    from gnuradio import blocks, gr
    tag = gr.tag_utils.python_to_tag((0, pmt.intern("rx_rate"), pmt.from_double(2.4e6)))
    tag2 = gr.tag_utils.python_to_tag((5000, pmt.intern("rx_rate"), pmt.from_double(2.4e6)))
    src = blocks.vector_source_c([1 + 1j] * 20000, False, 1, [tag, tag2])
    clf = gr_robustamc.modulation_classifier()
    tb = gr.top_block()
    tb.connect(src, clf, blocks.null_sink(gr.sizeof_gr_complex))
    tb.run()
    out = capfd.readouterr()
    text = out.out + out.err
    assert text.count("rx_rate tag says 2.4e+06 Hz") == 1 and "expects 200000 Hz" in text
