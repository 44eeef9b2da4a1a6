/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/attributes.h>
#include <gnuradio/blocks/vector_sink.h>
#include <gnuradio/blocks/vector_source.h>
#include <gnuradio/robustamc/perturbation_adder_cc.h>
#include <gnuradio/top_block.h>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <complex>
#include <stdexcept>
#include <vector>

namespace gr {
namespace robustamc {

static std::vector<gr_complex> run(const std::vector<gr_complex>& in,
                                   perturbation_adder_cc::sptr blk)
{
    auto tb = gr::make_top_block("qa");
    auto src = gr::blocks::vector_source_c::make(in);
    auto snk = gr::blocks::vector_sink_c::make();
    tb->connect(src, 0, blk, 0);
    tb->connect(blk, 0, snk, 0);
    tb->run();
    return snk->data();
}

BOOST_AUTO_TEST_CASE(t1_achieved_psr_matches_request)
{
    const size_t n = 20000;
    std::vector<gr_complex> in(n), pert = { { 1, 0 }, { 0, 1 }, { -1, 0 }, { 0, -1 }, { 2, 2 } };
    for (size_t i = 0; i < n; i++)
        in[i] = gr_complex(2.0f * std::cos(0.01f * i), 2.0f * std::sin(0.01f * i)); // power 4
    auto blk = perturbation_adder_cc::make(pert, -10.0f, 1e-3f, true, 0);
    auto out = run(in, blk);
    BOOST_REQUIRE_EQUAL(out.size(), n);
    double pd = 0.0;
    for (size_t i = 0; i < n; i++)
        pd += std::norm(out[i] - in[i]);
    const double psr = 10.0 * std::log10(pd / n / 4.0);
    BOOST_CHECK_CLOSE(psr, -10.0, 1.0); // within 1 % of -10 dB
    BOOST_CHECK_CLOSE(blk->signal_power(), 4.0f, 0.1);
}

BOOST_AUTO_TEST_CASE(t2_tiling_and_shift)
{
    std::vector<gr_complex> in(10, gr_complex(1, 0));
    std::vector<gr_complex> pert = { { 1, 0 }, { -1, 0 } }; // unit power already
    auto out = run(in, perturbation_adder_cc::make(pert, 0.0f, 1.0f, true, 1));
    // shift 1: starts at pert[1]; gain sqrt(1 * 1) = 1
    for (size_t i = 0; i < out.size(); i++) {
        const float expected = (i % 2 == 0) ? 0.0f : 2.0f;
        BOOST_CHECK_SMALL(std::abs(out[i] - gr_complex(expected, 0)), 1e-5f);
    }
}

BOOST_AUTO_TEST_CASE(t3_disabled_is_identity)
{
    std::vector<gr_complex> in = { { 1, 2 }, { 3, 4 }, { -5, 6 } };
    auto out = run(in, perturbation_adder_cc::make({ { 1, 1 } }, 0.0f, 1e-4f, false, 0));
    BOOST_CHECK(out == in);
}

BOOST_AUTO_TEST_CASE(t4_bad_arguments_throw)
{
    BOOST_CHECK_THROW(perturbation_adder_cc::make({}, 0.0f), std::invalid_argument);
    BOOST_CHECK_THROW(perturbation_adder_cc::make({ { 0, 0 } }, 0.0f), std::invalid_argument);
    BOOST_CHECK_THROW(perturbation_adder_cc::make({ { 1, 0 } }, 0.0f, 0.0f),
                      std::invalid_argument);
    BOOST_CHECK_THROW(perturbation_adder_cc::make({ { 1, 0 } }, NAN), std::invalid_argument);
    BOOST_CHECK_THROW(perturbation_adder_cc::make({ { 1, 0 } }, 40.5f), std::invalid_argument);
    BOOST_CHECK_THROW(perturbation_adder_cc::make({ { 1, 0 } }, INFINITY),
                      std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(t5_psr_cap_at_run_time)
{
    auto blk = perturbation_adder_cc::make({ { 1, 0 } }, 40.0f);
    blk->set_psr_db(1000.0f); // refused: logged, counted, the old value kept
    BOOST_CHECK_EQUAL(blk->psr_db(), 40.0f);
    BOOST_CHECK_EQUAL(blk->refused_messages(), 1u);
    blk->set_psr_db(-20.0f);
    BOOST_CHECK_EQUAL(blk->psr_db(), -20.0f);
    BOOST_CHECK_EQUAL(blk->refused_messages(), 1u);
}

} /* namespace robustamc */
} /* namespace gr */
