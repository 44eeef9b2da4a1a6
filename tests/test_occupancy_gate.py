"""occupancy_gate_cc (C++) through its Python bindings, alone and in front of the classifier."""
import numpy as np
import pytest

gr = pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed here")
from gnuradio import blocks  # noqa: E402
import pmt  # noqa: E402

from test_classifier_block import frames_stream  # noqa: E402


def bursts(busy, n_windows=120, noise_power=1e-3, seed=0):
    """Noise everywhere; 18 dB-SNR QPSK frames in the windows listed in `busy`."""
    rng = np.random.default_rng(seed)
    x = ((rng.standard_normal((n_windows, 128)) + 1j * rng.standard_normal((n_windows, 128)))
         * np.sqrt(noise_power / 2)).astype(np.complex64)
    frames = frames_stream("QPSK", len(busy), snr_db=18).reshape(len(busy), 128)
    frames *= np.sqrt(noise_power * 10 ** 1.8 / np.mean(np.abs(frames) ** 2, axis=1,
                                                         keepdims=True))
    x[list(busy)] += frames
    return x.reshape(-1)


def tag_values(tags, key):
    return [(t.offset, pmt.to_python(t.value)) for t in tags if pmt.symbol_to_string(t.key) == key]


def test_only_occupied_windows_pass_with_snr_and_source_offsets(gr_robustamc):
    busy = [20, 21, 22, 50, 100]  # after the 16 windows the floor is learnt from
    x = bursts(busy)
    tb = gr.top_block()
    src, snk = blocks.vector_source_c(x.tolist()), blocks.vector_sink_c()
    gate = gr_robustamc.occupancy_gate_cc(128, 6.0, 0.05)
    tb.connect(src, gate, snk)
    tb.run()
    y = np.asarray(snk.data())
    assert np.array_equal(y, x.reshape(-1, 128)[busy].reshape(-1))
    assert gate.windows_in() == 120 and gate.windows_out() == len(busy)
    assert gate.noise_floor() == pytest.approx(1e-3, rel=0.15)
    # source offsets on the first window after each gap; an SNR on every window
    assert tag_values(snk.tags(), "src_offset") == [(0, 2560), (384, 6400), (512, 12800)]
    snrs = [v for _, v in tag_values(snk.tags(), "snr_db")]
    assert len(snrs) == len(busy)
    assert all(16.5 < s < 19.5 for s in snrs), snrs


def test_threshold_callback_and_bad_arguments(gr_robustamc):
    gate = gr_robustamc.occupancy_gate_cc(128)
    gate.set_threshold_db(30.0)
    assert gate.threshold_db() == 30.0
    x = bursts([5, 6])  # 18 dB bursts stay under a 30 dB threshold
    tb = gr.top_block()
    snk = blocks.vector_sink_c()
    tb.connect(blocks.vector_source_c(x.tolist()), gate, snk)
    tb.run()
    assert len(snk.data()) == 0 and gate.windows_in() == 120
    for bad in (dict(window=0), dict(window=128, alpha=0.0), dict(window=128, samp_rate=-1.0),
                dict(window=128, threshold_db=float("nan"))):
        with pytest.raises(ValueError):
            gr_robustamc.occupancy_gate_cc(**bad)
    with pytest.raises(ValueError):
        gate.set_threshold_db(float("inf"))


def test_classifier_behind_the_gate_reports_radio_offsets_and_times(gr_robustamc):
    busy = [3, 4, 40, 41, 42, 90]
    x = bursts(busy)
    t0 = gr.tag_t()
    t0.offset, t0.key = 0, pmt.intern("rx_time")
    t0.value = pmt.make_tuple(pmt.from_uint64(1000), pmt.from_double(0.5))
    tb = gr.top_block()
    src = blocks.vector_source_c(x.tolist(), False, 1, [t0])
    gate = gr_robustamc.occupancy_gate_cc(128, 6.0, 0.05, 1e-3, 128_000.0)  # 1 ms windows
    clf = gr_robustamc.modulation_classifier(samp_rate=128_000.0)
    dbg = blocks.message_debug()
    tb.connect(src, gate, clf, blocks.null_sink(gr.sizeof_gr_complex))
    tb.msg_connect(clf, "labels", dbg, "store")
    tb.run()
    msgs = [pmt.to_python(dbg.get_message(i)) for i in range(dbg.num_messages())]
    assert [m["offset"] for m in msgs] == [128 * b for b in busy]
    times = [m["rx_time"][0] + m["rx_time"][1] for m in msgs]
    assert times == pytest.approx([1000.5 + b * 1e-3 for b in busy], abs=1e-9)
    assert sum(m["label"] == "QPSK" for m in msgs) >= 5
    assert all(16.5 < m["snr_db"] < 19.5 for m in msgs)  # the gate's estimates, passed on
