"""Defects found by attacking the blocks with bad input: attack power without bounds,
malformed control messages taken silently (or with a Python error), windows whose power
overflows float32 classified as garbage. Each test reproduces one defect in a real
flowgraph."""
import time

import numpy as np
import pytest

gr = pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed here")
from gnuradio import blocks  # noqa: E402
import pmt  # noqa: E402

from robustamc.constants import CLASSES  # noqa: E402


def _dict(**kv):
    d = pmt.make_dict()
    for k, v in kv.items():
        d = pmt.dict_add(d, pmt.intern(k), v)
    return d


def _post_and_wait(tb_blocks, blk, msgs, refused):
    """Run `blk` in a flowgraph, post `msgs` on its control port, wait until `refused()`
    reaches len(msgs) (every message handled) or 10 s pass; returns refused()."""
    tb = gr.top_block()
    src = blocks.vector_source_c([1 + 0j] * 4096, True)
    tb.connect(src, blocks.throttle(gr.sizeof_gr_complex, 1e6), blk,
               blocks.null_sink(gr.sizeof_gr_complex))
    tb.start()
    for m in msgs:
        blk.to_basic_block()._post(pmt.intern("control"), m)
    deadline = time.time() + 10
    while refused() < len(msgs) and time.time() < deadline:
        time.sleep(0.01)
    tb.stop()
    tb.wait()
    return refused()


MALFORMED = {
    "psr_db symbol": _dict(psr_db=pmt.intern("loud")),
    "psr_db complex": _dict(psr_db=pmt.from_complex(1 + 1j)),
    "psr_db vector": _dict(psr_db=pmt.init_f32vector(2, [1.0, 2.0])),
    "psr_db bool": _dict(psr_db=pmt.PMT_T),
    "psr_db +1000": _dict(psr_db=pmt.from_double(1000.0)),
    "psr_db 1e300": _dict(psr_db=pmt.from_double(1e300)),
    "psr_db nan": _dict(psr_db=pmt.from_double(float("nan"))),
    "unknown key": _dict(volume=pmt.from_double(1.0)),
    "empty dict / nil": pmt.PMT_NIL,
    "list": pmt.list2(pmt.from_long(1), pmt.from_long(2)),
    "number": pmt.from_double(3.0),
}
ADDER_ONLY = {
    "enabled int": _dict(enabled=pmt.from_long(1)),
    "shift 3.5": _dict(shift=pmt.from_double(3.5)),
    "good key, bad other key": _dict(enabled=pmt.PMT_F, psr_db=pmt.intern("x")),
}


def test_adder_refuses_logs_and_counts_every_malformed_control_message(gr_robustamc):
    blk = gr_robustamc.perturbation_adder_cc([1 + 0j, -1 + 0j], -10.0)
    msgs = list(MALFORMED.values()) + list(ADDER_ONLY.values())
    assert _post_and_wait(gr, blk, msgs, blk.refused_messages) == len(msgs)
    assert blk.psr_db() == -10.0 and blk.enabled()   # nothing of a refused message applied


def test_adder_psr_is_capped_after_conversion_to_float(gr_robustamc):
    pert = [1 + 0j, -1 + 0j]
    assert gr_robustamc.perturbation_adder_cc.max_psr_db == 40.0
    for bad in (1000.0, 1e300, 40.5, -1e300, float("nan")):
        with pytest.raises(ValueError, match="outside"):
            gr_robustamc.perturbation_adder_cc(pert, bad)
    blk = gr_robustamc.perturbation_adder_cc(pert, 40.0)
    blk.set_psr_db(1e300)          # a GRC slider or callback: refused, logged, counted
    assert blk.psr_db() == 40.0 and blk.refused_messages() == 1


def test_adder_never_emits_non_finite_samples(gr_robustamc):
    """A huge input at the top PSR: the perturbation would overflow float; those samples
    pass unperturbed and are counted."""
    blk = gr_robustamc.perturbation_adder_cc([1 + 0j, -1 + 0j], 40.0, alpha=1.0)
    x = np.full(4096, 1e36 + 0j, dtype=np.complex64)
    tb = gr.top_block()
    snk = blocks.vector_sink_c()
    tb.connect(blocks.vector_source_c(x.tolist()), blk, snk)
    tb.run()
    y = np.asarray(snk.data())
    assert np.isfinite(y).all() and blk.nonfinite_output() > 0


def test_injector_refuses_logs_and_counts_every_malformed_control_message(gr_robustamc):
    blk = gr_robustamc.adversarial_injector(mode="gaussian", psr_db=-20.0, window=128)
    msgs = list(MALFORMED.values()) + [_dict(mode=pmt.from_long(3)),
                                       _dict(mode=pmt.intern("loudest"))]
    n = _post_and_wait(gr, blk, msgs, lambda: blk.stats()["refused_messages"])
    assert n == len(msgs)
    assert blk.psr_db() == -20.0 and blk.mode() == "gaussian"


def test_injector_psr_is_capped_and_overflow_is_counted(gr_robustamc):
    for bad in (1000.0, 1e300, 40.5, True):
        with pytest.raises(ValueError, match="psr_db"):
            gr_robustamc.adversarial_injector(mode="gaussian", psr_db=bad)
    blk = gr_robustamc.adversarial_injector(mode="gaussian", psr_db=40.0, window=128)
    blk.set_psr_db(1e300)
    assert blk.psr_db() == 40.0 and blk.stats()["refused_messages"] == 1
    # windows of 1e37: +40 dB of noise would not fit float32; they pass and are counted
    rng = np.random.default_rng(0)
    x = np.concatenate([np.full(1280, 1e37, np.complex64),
                        (rng.standard_normal(1280) + 1j * rng.standard_normal(1280))
                        .astype(np.complex64)])
    tb = gr.top_block()
    snk = blocks.vector_sink_c()
    tb.connect(blocks.vector_source_c(x.tolist()), blk, snk)
    tb.run()
    y = np.asarray(snk.data())
    s = blk.stats()
    assert np.isfinite(y).all()
    assert s["nonfinite_output"] == 10 and s["perturbed"] == 10
    assert np.isfinite(s["mean_achieved_psr_db"]) and abs(s["mean_achieved_psr_db"] - 40) < 1


def test_classifier_windows_beyond_float32_power_are_classified_not_garbage(gr_robustamc):
    """Windows whose power overflows float32 (|x| ~ 1e20, a 1e30 spike, the float maximum)
    used to be published as 'WBFM' at 0.10 with NaN inside; they are now classified as the
    same signal at any scale (the model is scale invariant), with finite probabilities."""
    from robustamc.inference import FrameClassifier
    from test_recordings import continuous
    clf = FrameClassifier("compact")
    x = continuous("QPSK", 16 * 128 // 8)[:16 * 128].reshape(16, 128)
    p1, s1 = clf.classify(x)
    for scale in (1e20, 1e30, 3e38 / np.abs(x).max()):
        p, s = clf.classify((x.astype(np.complex128) * scale).astype(np.complex64))
        assert (s == 0).all() and np.isfinite(p).all()
        assert np.array_equal(p.argmax(1), p1.argmax(1))
        assert np.allclose(p, p1, atol=1e-4)
    spike = np.zeros((1, 128), np.complex64)
    spike[0, 5] = 1e30
    p, s = clf.classify(spike)
    assert s[0] == 0 and np.isfinite(p).all() and abs(p.sum() - 1) < 1e-5
    # in the block: 8 such windows make a decision with finite numbers
    tb = gr.top_block()
    clf_blk = gr_robustamc.modulation_classifier(bundle="compact", average=8)
    dbg = blocks.message_debug()
    y = (x[:8].reshape(-1) * np.float32(1e25)).astype(np.complex64)
    tb.connect(blocks.vector_source_c(y.tolist()), clf_blk, blocks.null_sink(gr.sizeof_gr_complex))
    tb.msg_connect(clf_blk, "labels", dbg, "store")
    tb.run()
    d = pmt.to_python(dbg.get_message(0))
    assert d["label"] == CLASSES[int(p1[:8].mean(0).argmax())]
    assert np.isfinite(d["probabilities"]).all() and clf_blk.stats()["nonfinite"] == 0
