/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ROBUSTAMC_OCCUPANCY_GATE_CC_IMPL_H
#define INCLUDED_ROBUSTAMC_OCCUPANCY_GATE_CC_IMPL_H

#include <gnuradio/robustamc/occupancy_gate_cc.h>
#include <atomic>
#include <vector>
#include <mutex>

namespace gr {
namespace robustamc {

class occupancy_gate_cc_impl : public occupancy_gate_cc
{
public:
    //! Windows whose median power starts the floor when none is given.
    static constexpr size_t LEARN_WINDOWS = 16;

private:
    const int d_window;
    const float d_alpha;
    float d_threshold_lin; // P / N at which the gate opens
    float d_threshold_db;
    double d_floor;        // noise-floor estimate; <= 0 until known
    std::vector<double> d_learn; // window powers while the floor is being learnt
    double d_rate;         // for re-issued rx_time tags
    bool d_have_time;
    uint64_t d_time_offset; // input offset of the latest rx_time tag
    double d_time;          // its time, seconds
    uint64_t d_next_expected; // input offset that continues the last forwarded window
    pmt::pmt_t d_pending_freq, d_pending_rate; // forwarded on the next open window
    std::atomic<uint64_t> d_in, d_out, d_nonfinite;
    mutable std::mutex d_mutex;
    const pmt::pmt_t d_key_snr, d_key_src, d_key_time, d_key_freq, d_key_rate;

    void read_tag(const gr::tag_t& tag);

public:
    occupancy_gate_cc_impl(
        int window, float threshold_db, float alpha, float noise_floor, double samp_rate);

    void set_threshold_db(float threshold_db) override;
    float threshold_db() const override;
    float noise_floor() const override;
    void set_noise_floor(float noise_floor) override;
    uint64_t windows_in() const override { return d_in; }
    uint64_t windows_out() const override { return d_out; }
    uint64_t windows_nonfinite() const override { return d_nonfinite; }

    void forecast(int noutput_items, gr_vector_int& ninput_items_required) override;
    int general_work(int noutput_items,
                     gr_vector_int& ninput_items,
                     gr_vector_const_void_star& input_items,
                     gr_vector_void_star& output_items) override;
};

} // namespace robustamc
} // namespace gr

#endif /* INCLUDED_ROBUSTAMC_OCCUPANCY_GATE_CC_IMPL_H */
