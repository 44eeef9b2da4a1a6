/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/blocks/vector_sink.h>
#include <gnuradio/blocks/vector_source.h>
#include <gnuradio/robustamc/occupancy_gate_cc.h>
#include <gnuradio/top_block.h>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace gr {
namespace robustamc {

// Noise of power 1 everywhere; windows listed in `busy` also carry a tone of power 100
// whose real part encodes the window index (to check which windows come out).
static std::vector<gr_complex> bursty(int window, int nwin, const std::vector<int>& busy)
{
    std::mt19937 rng(7);
    std::normal_distribution<float> g(0.0f, std::sqrt(0.5f));
    std::vector<gr_complex> x(static_cast<size_t>(window) * nwin);
    for (auto& v : x)
        v = gr_complex(g(rng), g(rng));
    for (int k : busy)
        for (int i = 0; i < window; i++)
            x[static_cast<size_t>(k) * window + i] += std::polar(10.0f, 0.3f * i);
    return x;
}

BOOST_AUTO_TEST_CASE(t1_forwards_only_busy_windows_with_tags)
{
    const int w = 128, nwin = 200;
    const std::vector<int> busy = { 20, 21, 22, 90, 150, 151 };
    auto x = bursty(w, nwin, busy);
    auto tb = gr::make_top_block("qa");
    auto src = gr::blocks::vector_source_c::make(x);
    auto gate = occupancy_gate_cc::make(w, 6.0f, 0.05f, 0.0f, 1e6);
    auto snk = gr::blocks::vector_sink_c::make();
    tb->connect(src, 0, gate, 0);
    tb->connect(gate, 0, snk, 0);
    tb->run();

    BOOST_REQUIRE_EQUAL(snk->data().size(), busy.size() * w);
    BOOST_CHECK_EQUAL(gate->windows_in(), static_cast<uint64_t>(nwin));
    BOOST_CHECK_EQUAL(gate->windows_out(), busy.size());
    BOOST_CHECK_CLOSE(gate->noise_floor(), 1.0f, 15.0); // within 15 % of the true power 1
    // The samples are those of the busy windows, in order.
    for (size_t j = 0; j < busy.size(); j++)
        for (int i = 0; i < w; i += 17)
            BOOST_CHECK(snk->data()[j * w + i] == x[static_cast<size_t>(busy[j]) * w + i]);
    std::vector<uint64_t> src_off;
    for (const auto& t : snk->tags()) {
        if (pmt::symbol_to_string(t.key) == "src_offset") {
            BOOST_CHECK_EQUAL(t.offset % w, 0u);
            src_off.push_back(pmt::to_uint64(t.value));
        } else if (pmt::symbol_to_string(t.key) == "snr_db") {
            BOOST_CHECK_CLOSE(pmt::to_double(t.value), 20.0, 5.0); // 100 / 1 -> ~20 dB
        }
    }
    // on the first window after each gap only
    const std::vector<uint64_t> expected = { 20 * w, 90 * w, 150 * w };
    BOOST_CHECK(src_off == expected);
}

BOOST_AUTO_TEST_CASE(t2_rx_time_reissued_per_window)
{
    const int w = 64, nwin = 50;
    auto x = bursty(w, nwin, { 10, 30 });
    gr::tag_t t0;
    t0.offset = 0;
    t0.key = pmt::mp("rx_time");
    t0.value = pmt::make_tuple(pmt::from_uint64(100), pmt::from_double(0.25));
    auto tb = gr::make_top_block("qa");
    auto src = gr::blocks::vector_source_c::make(x, false, 1, { t0 });
    auto gate = occupancy_gate_cc::make(w, 6.0f, 0.05f, 1.0f, 6400.0); // 100 windows/s
    auto snk = gr::blocks::vector_sink_c::make();
    tb->connect(src, 0, gate, 0);
    tb->connect(gate, 0, snk, 0);
    tb->run();
    std::vector<double> times;
    for (const auto& t : snk->tags())
        if (pmt::symbol_to_string(t.key) == "rx_time")
            times.push_back(pmt::to_uint64(pmt::tuple_ref(t.value, 0)) +
                            pmt::to_double(pmt::tuple_ref(t.value, 1)));
    BOOST_REQUIRE_EQUAL(times.size(), 2u);
    BOOST_CHECK_CLOSE(times[0], 100.25 + 0.10, 1e-9);
    BOOST_CHECK_CLOSE(times[1], 100.25 + 0.30, 1e-9);
}

BOOST_AUTO_TEST_CASE(t3_nonfinite_windows_dropped_and_counted)
{
    const int w = 32;
    auto x = bursty(w, 20, { 5, 6 });
    x[5 * w + 3] = gr_complex(std::numeric_limits<float>::quiet_NaN(), 0.0f);
    auto tb = gr::make_top_block("qa");
    auto src = gr::blocks::vector_source_c::make(x);
    auto gate = occupancy_gate_cc::make(w, 6.0f, 0.05f, 1.0f);
    auto snk = gr::blocks::vector_sink_c::make();
    tb->connect(src, 0, gate, 0);
    tb->connect(gate, 0, snk, 0);
    tb->run();
    BOOST_CHECK_EQUAL(gate->windows_nonfinite(), 1u);
    BOOST_CHECK_EQUAL(gate->windows_out(), 1u);
    BOOST_CHECK(std::isfinite(gate->noise_floor()));
}

BOOST_AUTO_TEST_CASE(t4_bad_arguments_throw)
{
    BOOST_CHECK_THROW(occupancy_gate_cc::make(0), std::invalid_argument);
    BOOST_CHECK_THROW(occupancy_gate_cc::make(128, NAN), std::invalid_argument);
    BOOST_CHECK_THROW(occupancy_gate_cc::make(128, 6.0f, 0.0f), std::invalid_argument);
    BOOST_CHECK_THROW(occupancy_gate_cc::make(128, 6.0f, 0.1f, INFINITY), std::invalid_argument);
    BOOST_CHECK_THROW(occupancy_gate_cc::make(128, 6.0f, 0.1f, 0.0f, 0.0), std::invalid_argument);
}

} /* namespace robustamc */
} /* namespace gr */
