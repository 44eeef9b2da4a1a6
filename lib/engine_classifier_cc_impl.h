/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ROBUSTAMC_ENGINE_CLASSIFIER_CC_IMPL_H
#define INCLUDED_ROBUSTAMC_ENGINE_CLASSIFIER_CC_IMPL_H

#include <gnuradio/robustamc/engine_classifier_cc.h>
#include "engine.h"
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace gr {
namespace robustamc {

class engine_classifier_cc_impl : public engine_classifier_cc
{
public:
    //! Samples of history: GNU Radio makes the upstream buffer at least twice a block's
    //! history, so work() calls, and so the engine's batches, can be this large.
    static constexpr int BUFFER_ITEMS = 32768;
    //! Mean window power under which a window carries nothing (as robustamc.inference).
    static constexpr double MIN_POWER = 1e-20;
    //! Above this mean power float32 arithmetic could overflow: scaled to unit power first.
    static constexpr double SAFE_POWER = 1e30;

private:
    // (stream offset, value) of recent tags, oldest first
    using anchors = std::deque<std::pair<uint64_t, double>>;

    std::unique_ptr<robustamc_engine::Engine> d_engine;
    const size_t d_nc;
    const int d_window, d_hop, d_max_batch;
    const bool d_tag_output;
    const double d_model_rate;
    double d_samp_rate;
    int d_average;
    double d_min_confidence;
    std::vector<pmt::pmt_t> d_base; // per class: label, index, window, model
    const pmt::pmt_t d_port, d_tag_key, d_key_time, d_key_freq, d_key_snr;

    uint64_t d_next; // absolute offset of the next window
    // windows classified but not yet in a decision (fewer than `average`)
    std::vector<uint64_t> d_pend_off;
    std::vector<uint8_t> d_pend_ok;
    std::vector<float> d_pend_probs;
    anchors d_rx_time, d_src;
    std::map<uint64_t, double> d_snr; // window offset -> snr_db tag
    bool d_have_freq;
    double d_rx_freq;
    std::set<double> d_warned_rates;

    std::vector<float> d_gather; // windows handed to the engine when not contiguous
    std::vector<float> d_probs;
    std::vector<uint8_t> d_status;
    std::vector<double> d_power; // mean power per window of the call (from the check)

    mutable std::mutex d_settings_mutex;
    bool d_settings_pending;
    int d_new_average;
    double d_new_min_confidence;

    std::atomic<uint64_t> d_windows, d_decisions, d_published, d_below, d_nonfinite,
        d_no_power, d_inference_ns, d_work_ns;

    void read_tags(uint64_t from, uint64_t to);
    void classify(const gr_complex* in, uint64_t in_start, uint64_t first, size_t count);
    void decide(uint64_t nwritten, uint64_t nend);
    pmt::pmt_t extras(pmt::pmt_t msg, uint64_t first, size_t group) const;
    void prune();

public:
    engine_classifier_cc_impl(const std::vector<uint8_t>& blob,
                              const std::vector<std::string>& classes,
                              const std::string& model,
                              int hop,
                              int average,
                              double min_confidence,
                              double samp_rate,
                              double model_rate,
                              int max_batch,
                              bool tag_output,
                              const std::string& isa);
    ~engine_classifier_cc_impl() override;

    void set_average(int average) override;
    void set_min_confidence(double min_confidence) override;
    int average() const override;
    double min_confidence() const override;
    int window() const override { return d_window; }
    std::string isa() const override { return d_engine->isa(); }
    std::map<std::string, uint64_t> stats() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace robustamc
} // namespace gr

#endif /* INCLUDED_ROBUSTAMC_ENGINE_CLASSIFIER_CC_IMPL_H */
