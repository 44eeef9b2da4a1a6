"""engine_classifier_cc, modulation_classifier's C++ path, against window_classifier, its
Python reference path: the same stream (signals, NaN, silence, a 1e30 spike, gate tags)
must give the same messages, tags and counters."""
import numpy as np
import pytest

from robustamc.inference import FrameClassifier

gr = pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed here")
from gnuradio import blocks  # noqa: E402
import pmt  # noqa: E402


def hostile_stream(n_windows=90, seed=0):
    """Synthetic frames of every class at changing SNR and power, with NaN, silent and huge
    stretches."""
    import torch

    from robustamc.synth import Synthesizer
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 11, (n_windows,), generator=g)
    snr = torch.randint(-10, 20, (n_windows,), generator=g).float()
    f = Synthesizer().frames(y, snr, g).numpy()
    x = (f[:, 0] + 1j * f[:, 1]) * 10 ** np.random.default_rng(seed).uniform(-3, 1, (n_windows, 1))
    x = x.reshape(-1)
    x[700:705] = np.nan
    x[2000:2400] = 0
    x[5000:5003] = 1e30
    x[7000] = np.inf
    return x.astype(np.complex64)


def gate_tags():
    def tag(offset, key, value):
        return gr.tag_utils.python_to_tag((offset, pmt.intern(key), value))
    return [tag(0, "rx_time", pmt.make_tuple(pmt.from_uint64(100), pmt.from_double(0.25))),
            tag(0, "src_offset", pmt.from_uint64(10_000)),
            tag(3000, "src_offset", pmt.from_uint64(50_000)),
            tag(3000, "rx_time", pmt.make_tuple(pmt.from_uint64(101), pmt.from_double(0.5))),
            tag(4000, "rx_freq", pmt.from_double(433.92e6)),
            tag(6000, "src_offset", pmt.intern("not a number")),  # wrong type: ignored
            *[tag(o, "snr_db", pmt.from_double(o / 1000)) for o in range(0, 128 * 90, 20)]]


def run(block, samples, tags=(), max_items=None):
    tb = gr.top_block()
    src = blocks.vector_source_c(samples.tolist(), False, 1, list(tags))
    if max_items:
        block.set_max_noutput_items(max_items)
    dbg = blocks.message_debug()
    snk = blocks.vector_sink_c()
    tb.connect(src, block, snk)
    tb.msg_connect(block, "labels", dbg, "store")
    tb.run()
    msgs = [pmt.to_python(dbg.get_message(i)) for i in range(dbg.num_messages())]
    tags_out = [(t.offset, pmt.to_python(t.value)) for t in snk.tags()
                if pmt.symbol_to_string(t.key) == "robustamc_label"]
    return msgs, np.asarray(snk.data()), tags_out


def assert_same_messages(a, b):
    assert len(a) == len(b) and len(a) > 0
    for m, r in zip(a, b):
        assert set(m) == set(r)
        for k in m:
            if k in ("probabilities", "confidence"):
                np.testing.assert_allclose(m[k], r[k], atol=2e-6)
            elif k == "rx_time":
                assert m[k][0] == r[k][0] and m[k][1] == pytest.approx(r[k][1], abs=1e-9)
            else:
                assert m[k] == r[k], k


@pytest.mark.parametrize("hop,average,max_items", [(0, 1, None), (100, 3, None), (160, 2, 333)])
def test_cpp_path_publishes_what_the_python_path_publishes(gr_robustamc, hop, average,
                                                           max_items):
    x = hostile_stream()
    clf = FrameClassifier(backend="engine")
    kw = dict(hop=hop, average=average, min_confidence=0.5, tag_output=True, samp_rate=200e3,
              max_batch=7)
    fast = gr_robustamc.modulation_classifier(**kw)
    assert isinstance(fast, gr_robustamc.engine_classifier_cc) and fast.backend == "engine"
    ref = gr_robustamc.window_classifier(clf, **kw)
    got, out, tags = run(fast, x, gate_tags(), max_items)
    want, out_ref, tags_ref = run(ref, x, gate_tags(), max_items)
    assert np.array_equal(out.astype(np.complex64).view(np.uint64), x.view(np.uint64))  # bit for bit
    assert_same_messages(got, want)
    assert [o for o, _ in tags] == [o for o, _ in tags_ref]
    assert_same_messages([v for _, v in tags], [v for _, v in tags_ref])
    s, r = fast.stats(), ref.stats()
    for k in ("windows", "decisions", "published", "below_confidence", "nonfinite", "no_power"):
        assert s[k] == r[k], k
    assert s["nonfinite"] > 0 and s["no_power"] > 0 and s["below_confidence"] > 0
    assert s["inference_ns"] > 0 and s["work_ns"] >= s["inference_ns"]
    # the gate's tags were used: radio offsets, times, SNR, frequency
    assert {"rx_time", "rx_freq"} <= set(got[-1]) and any("snr_db" in m for m in got)
    assert any(m["offset"] >= 50_000 for m in got)


def test_call_sizes_do_not_change_the_cpp_path(gr_robustamc):
    x = hostile_stream(seed=1)
    ref, *_ = run(gr_robustamc.modulation_classifier(hop=96, average=2), x)
    for chunk in (1, 127, 129, 5000):
        got, *_ = run(gr_robustamc.modulation_classifier(hop=96, average=2), x, max_items=chunk)
        assert_same_messages(got, ref)


def test_bad_blob_and_parameters_are_refused(gr_robustamc):
    clf = FrameClassifier(backend="engine")
    blob = clf.engine_blob
    make = gr_robustamc.engine_classifier_cc
    with pytest.raises(ValueError, match="weights end before"):
        make(blob[:-8], clf.classes, clf.name)
    with pytest.raises(ValueError):
        make(b"not a blob", clf.classes, clf.name)
    with pytest.raises(ValueError, match="class names"):
        make(blob, clf.classes[:-1], clf.name)
    with pytest.raises(ValueError, match="average"):
        make(blob, clf.classes, clf.name, average=0)
    with pytest.raises(ValueError, match="min_confidence"):
        make(blob, clf.classes, clf.name, min_confidence=float("nan"))
    blk = make(blob, clf.classes, clf.name, average=4)
    blk.set_average(0)                     # refused, logged: unchanged
    blk.set_min_confidence(2.0)
    assert blk.average() == 4 and blk.min_confidence() == 0.0
    assert blk.window() == 128 and blk.isa() in ("avx2", "generic")


def test_grc_buffer_settings_reach_the_block(gr_robustamc):
    blk = gr_robustamc.modulation_classifier()
    blk.set_min_output_buffer(1 << 17)          # GRC's advanced tab, either form
    blk.set_max_output_buffer(0, 1 << 18)
    assert blk.min_output_buffer(0) == 1 << 17 and blk.max_output_buffer(0) == 1 << 18
    msgs, out, _ = run(blk, hostile_stream())
    assert len(out) == 90 * 128 and len(msgs) > 0


def test_torch_backend_uses_the_python_path(gr_robustamc):
    blk = gr_robustamc.modulation_classifier(backend="torch")
    assert blk.backend == "torch" and isinstance(blk, gr_robustamc.window_classifier)


def test_flowgraphs_built_one_after_another_give_their_memory_back(gr_robustamc):
    """A program that classifies segment after segment (robustamc-realism, a user's sweep)
    builds a flowgraph each time: none may stay alive. A hier block with a message output
    did (gnuradio#7706), about 8 memory maps and half a megabyte each, until the process ran
    out of maps."""
    import gc

    def maps():
        with open("/proc/self/maps") as f:
            return sum(1 for _ in f)

    x = hostile_stream(n_windows=90)
    for _ in range(3):                   # first runs settle allocator and interned state
        run(gr_robustamc.modulation_classifier(), x)
    gc.collect()
    before = maps()
    for _ in range(25):
        msgs, _, _ = run(gr_robustamc.modulation_classifier(), x)
        assert msgs
    gc.collect()
    assert maps() - before < 25          # leaking, it grew by 8 a flowgraph: 200


def test_grc_slider_floats_set_the_average(gr_robustamc):
    blk = gr_robustamc.modulation_classifier(average=2)
    blk.set_average(8.0)                 # a GRC range slider hands floats
    blk.set_average(float("nan"))        # refused, logged: 8 stays
    msgs, _, _ = run(blk, hostile_stream())
    assert blk.average() == 8 and max(m["windows"] for m in msgs) == 8
