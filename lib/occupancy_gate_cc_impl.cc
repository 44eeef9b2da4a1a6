/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "occupancy_gate_cc_impl.h"
#include <gnuradio/io_signature.h>
#include <volk/volk.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

namespace gr {
namespace robustamc {

occupancy_gate_cc::sptr occupancy_gate_cc::make(
    int window, float threshold_db, float alpha, float noise_floor, double samp_rate)
{
    return gnuradio::make_block_sptr<occupancy_gate_cc_impl>(
        window, threshold_db, alpha, noise_floor, samp_rate);
}

occupancy_gate_cc_impl::occupancy_gate_cc_impl(
    int window, float threshold_db, float alpha, float noise_floor, double samp_rate)
    : gr::block("occupancy_gate_cc",
                gr::io_signature::make(1, 1, sizeof(gr_complex)),
                gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_window(window),
      d_alpha(alpha),
      d_floor(noise_floor > 0.0f ? noise_floor : 0.0),
      d_rate(samp_rate),
      d_have_time(false),
      d_time_offset(0),
      d_time(0.0),
      d_next_expected(UINT64_MAX),
      d_pending_freq(pmt::PMT_NIL),
      d_pending_rate(pmt::PMT_NIL),
      d_in(0),
      d_out(0),
      d_nonfinite(0),
      d_key_snr(pmt::mp("snr_db")),
      d_key_src(pmt::mp("src_offset")),
      d_key_time(pmt::mp("rx_time")),
      d_key_freq(pmt::mp("rx_freq")),
      d_key_rate(pmt::mp("rx_rate"))
{
    if (window < 1)
        throw std::invalid_argument("occupancy_gate_cc: window must be >= 1");
    if (!(alpha > 0.0f && alpha <= 1.0f))
        throw std::invalid_argument("occupancy_gate_cc: alpha must be in (0, 1]");
    if (!std::isfinite(noise_floor))
        throw std::invalid_argument("occupancy_gate_cc: noise_floor must be finite");
    if (!(samp_rate > 0.0) || !std::isfinite(samp_rate))
        throw std::invalid_argument("occupancy_gate_cc: samp_rate must be > 0");
    set_threshold_db(threshold_db);
    set_output_multiple(window);
    // Tags are re-issued by hand: positions change when windows are dropped.
    set_tag_propagation_policy(TPP_DONT);
}

void occupancy_gate_cc_impl::set_threshold_db(float threshold_db)
{
    if (!std::isfinite(threshold_db))
        throw std::invalid_argument("occupancy_gate_cc: threshold_db must be finite");
    std::lock_guard<std::mutex> lock(d_mutex);
    d_threshold_db = threshold_db;
    d_threshold_lin = std::pow(10.0f, threshold_db / 10.0f);
}

float occupancy_gate_cc_impl::threshold_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_threshold_db;
}

float occupancy_gate_cc_impl::noise_floor() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return static_cast<float>(d_floor);
}

void occupancy_gate_cc_impl::set_noise_floor(float noise_floor)
{
    if (!std::isfinite(noise_floor))
        throw std::invalid_argument("occupancy_gate_cc: noise_floor must be finite");
    std::lock_guard<std::mutex> lock(d_mutex);
    d_floor = noise_floor > 0.0f ? noise_floor : 0.0;
    d_learn.clear();
}

void occupancy_gate_cc_impl::forecast(int noutput_items, gr_vector_int& ninput_items_required)
{
    // At most one output window per input window; ask for as many as could be produced.
    ninput_items_required[0] = noutput_items;
}

void occupancy_gate_cc_impl::read_tag(const gr::tag_t& tag)
{
    if (pmt::eq(tag.key, d_key_time) && pmt::is_tuple(tag.value) &&
        pmt::length(tag.value) == 2) {
        d_time = static_cast<double>(pmt::to_uint64(pmt::tuple_ref(tag.value, 0))) +
                 pmt::to_double(pmt::tuple_ref(tag.value, 1));
        d_time_offset = tag.offset;
        d_have_time = true;
        d_next_expected = UINT64_MAX; // re-issue on the next forwarded window
    } else if (pmt::eq(tag.key, d_key_rate) && pmt::is_number(tag.value)) {
        const double r = pmt::to_double(tag.value);
        if (r > 0.0 && std::isfinite(r))
            d_rate = r;
        d_pending_rate = tag.value;
    } else if (pmt::eq(tag.key, d_key_freq)) {
        d_pending_freq = tag.value;
    }
}

int occupancy_gate_cc_impl::general_work(int noutput_items,
                                         gr_vector_int& ninput_items,
                                         gr_vector_const_void_star& input_items,
                                         gr_vector_void_star& output_items)
{
    const gr_complex* in = static_cast<const gr_complex*>(input_items[0]);
    gr_complex* out = static_cast<gr_complex*>(output_items[0]);
    const int w = d_window;
    const int nwin = std::min(ninput_items[0], noutput_items) / w;
    if (nwin == 0)
        return 0;
    const uint64_t base = nitems_read(0);

    std::vector<gr::tag_t> tags;
    get_tags_in_range(tags, 0, base, base + static_cast<uint64_t>(nwin) * w);
    std::sort(tags.begin(), tags.end(), gr::tag_t::offset_compare);
    size_t next_tag = 0;

    std::lock_guard<std::mutex> lock(d_mutex);
    int produced = 0;
    for (int k = 0; k < nwin; k++) {
        const gr_complex* win = in + static_cast<size_t>(k) * w;
        const uint64_t start = base + static_cast<uint64_t>(k) * w;
        while (next_tag < tags.size() && tags[next_tag].offset < start + w)
            read_tag(tags[next_tag++]);

        // |x|^2 summed over the window: the interleaved floats dotted with themselves.
        float energy;
        volk_32f_x2_dot_prod_32f(&energy,
                                 reinterpret_cast<const float*>(win),
                                 reinterpret_cast<const float*>(win),
                                 2 * w);
        const double p = static_cast<double>(energy) / w;
        if (!std::isfinite(p)) {
            d_nonfinite++;
            continue;
        }
        if (d_floor <= 0.0) {
            // Learn the floor from the median of the first windows: one window alone may be
            // a filter's start-up transient (near zero power) and would hold the gate open.
            d_learn.push_back(p);
            if (d_learn.size() < LEARN_WINDOWS)
                continue;
            std::nth_element(d_learn.begin(), d_learn.begin() + LEARN_WINDOWS / 2, d_learn.end());
            d_floor = d_learn[LEARN_WINDOWS / 2];
            d_learn.clear();
            continue;
        }
        const double floor = d_floor;
        if (p < d_threshold_lin * floor) {
            // Only empty windows teach the floor: a lasting transmission must not become
            // "noise" and be gated away (a raised noise floor keeps the gate open instead,
            // the safe failure; set_noise_floor(0) re-learns it).
            d_floor += d_alpha * (p - floor);
            continue;
        }

        gr_complex* dst = out + static_cast<size_t>(produced) * w;
        std::memcpy(dst, win, sizeof(gr_complex) * w);
        const uint64_t out_off = nitems_written(0) + static_cast<uint64_t>(produced) * w;
        const double snr = p > floor ? 10.0 * std::log10((p - floor) / floor) : -100.0;
        add_item_tag(0, out_off, d_key_snr, pmt::from_double(std::max(snr, -100.0)));
        // Offsets and times only where the output jumps in the input (the first window after
        // a gap); in between they follow from the sample count, and a tag per window would
        // cost a fifth of the throughput at full occupancy.
        if (start != d_next_expected) {
            add_item_tag(0, out_off, d_key_src, pmt::from_uint64(start));
            if (d_have_time) {
                const double t = d_time + (static_cast<double>(start) -
                                           static_cast<double>(d_time_offset)) /
                                              d_rate;
                const double whole = std::floor(t);
                add_item_tag(0,
                             out_off,
                             d_key_time,
                             pmt::make_tuple(pmt::from_uint64(static_cast<uint64_t>(whole)),
                                             pmt::from_double(t - whole)));
            }
        }
        d_next_expected = start + w;
        if (!pmt::is_null(d_pending_freq)) {
            add_item_tag(0, out_off, d_key_freq, d_pending_freq);
            d_pending_freq = pmt::PMT_NIL;
        }
        if (!pmt::is_null(d_pending_rate)) {
            add_item_tag(0, out_off, d_key_rate, d_pending_rate);
            d_pending_rate = pmt::PMT_NIL;
        }
        produced++;
    }
    d_in += nwin;
    d_out += produced;
    consume_each(nwin * w);
    return produced * w;
}

} /* namespace robustamc */
} /* namespace gr */
