/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ROBUSTAMC_PERTURBATION_ADDER_CC_IMPL_H
#define INCLUDED_ROBUSTAMC_PERTURBATION_ADDER_CC_IMPL_H

#include <gnuradio/robustamc/perturbation_adder_cc.h>
#include <volk/volk_alloc.hh>
#include <mutex>

namespace gr {
namespace robustamc {

class perturbation_adder_cc_impl : public perturbation_adder_cc
{
private:
    volk::vector<gr_complex> d_pert; // unit mean power, stored twice for wrap-free reads
    size_t d_len;
    size_t d_phase;    // index into the perturbation of the next output sample
    double d_power;    // running input power estimate
    bool d_have_power; // false until the first samples arrive
    float d_alpha;
    float d_psr_db;
    bool d_enabled;
    bool d_state_changed;
    float d_peak;            // largest |p| of the unit-power perturbation
    uint64_t d_refused;
    uint64_t d_nonfinite_output;
    mutable std::mutex d_mutex;

    void handle_control(const pmt::pmt_t& msg);
    void refuse(const std::string& why);
    void set_psr_db_locked(float psr_db);

public:
    perturbation_adder_cc_impl(const std::vector<gr_complex>& perturbation,
                               float psr_db,
                               float alpha,
                               bool enabled,
                               int shift);

    void set_psr_db(float psr_db) override;
    float psr_db() const override;
    void set_enabled(bool enabled) override;
    bool enabled() const override;
    void set_shift(int shift) override;
    float signal_power() const override;
    uint64_t refused_messages() const override;
    uint64_t nonfinite_output() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace robustamc
} // namespace gr

#endif /* INCLUDED_ROBUSTAMC_PERTURBATION_ADDER_CC_IMPL_H */
