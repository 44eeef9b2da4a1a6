"""perturbation_adder_cc (C++) through its Python bindings, in flowgraphs."""
import time

import numpy as np
import pytest

gr = pytest.importorskip("gnuradio.gr", reason="GNU Radio is not installed here")
from gnuradio import blocks  # noqa: E402
import pmt  # noqa: E402


def _run(gr_robustamc, x, blk):
    tb = gr.top_block()
    src, snk = blocks.vector_source_c(x.tolist()), blocks.vector_sink_c()
    tb.connect(src, blk, snk)
    tb.run()
    return np.asarray(snk.data()), snk.tags()


@pytest.mark.parametrize("psr_db", [-30.0, -20.0, -10.0, 0.0])
def test_achieved_psr(gr_robustamc, psr_db):
    rng = np.random.default_rng(0)
    x = (3 * np.exp(1j * 0.01 * np.arange(50000))).astype(np.complex64)  # power 9
    pert = (rng.standard_normal(128) + 1j * rng.standard_normal(128)).astype(np.complex64)
    blk = gr_robustamc.perturbation_adder_cc(pert.tolist(), psr_db, alpha=1e-3)
    y, tags = _run(gr_robustamc, x, blk)
    achieved = 10 * np.log10(np.mean(np.abs(y - x) ** 2) / 9.0)
    assert achieved == pytest.approx(psr_db, abs=0.05)
    assert blk.signal_power() == pytest.approx(9.0, rel=1e-3)
    assert pmt.to_double(tags[0].value) == psr_db and tags[0].offset == 0


def test_control_message_switches_off(gr_robustamc):
    blk = gr_robustamc.perturbation_adder_cc([1 + 0j], -10.0)
    blk.set_enabled(False)
    x = np.ones(1000, np.complex64)
    y, _ = _run(gr_robustamc, x, blk)
    assert np.array_equal(x, y)
    # a dict on the control port turns it on and sets the PSR
    blk2 = gr_robustamc.perturbation_adder_cc([1 + 0j], -10.0, enabled=False)
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("enabled"), pmt.PMT_T)
    d = pmt.dict_add(d, pmt.intern("psr_db"), pmt.from_double(-6.0))
    tb = gr.top_block()
    src = blocks.vector_source_c([1 + 0j] * 1000, True)
    tb.connect(src, blk2, blocks.null_sink(gr.sizeof_gr_complex))
    tb.start()
    blk2.to_basic_block()._post(pmt.intern("control"), d)
    for _ in range(100):
        if blk2.enabled():
            break
        time.sleep(0.01)
    tb.stop()
    tb.wait()
    assert blk2.enabled() and blk2.psr_db() == -6.0


def test_bad_arguments(gr_robustamc):
    with pytest.raises(ValueError, match="empty"):
        gr_robustamc.perturbation_adder_cc([], -10.0)
    with pytest.raises(ValueError, match="no power"):
        gr_robustamc.perturbation_adder_cc([0j, 0j], -10.0)
