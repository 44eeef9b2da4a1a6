/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ROBUSTAMC_ENGINE_CLASSIFIER_CC_H
#define INCLUDED_ROBUSTAMC_ENGINE_CLASSIFIER_CC_H

#include <gnuradio/robustamc/api.h>
#include <gnuradio/sync_block.h>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gr {
namespace robustamc {

/*!
 * \brief modulation_classifier's fast path: windows, classifies (C++ inference engine),
 * averages and publishes label messages, all in C++.
 * \ingroup robustamc
 *
 * The stream passes through unchanged. Every \p hop samples a window of the model's
 * length is classified; \p average consecutive windows make one decision, published on
 * message port "labels" as the dict modulation_classifier documents (label, index,
 * confidence, probabilities, offset, window, windows, model, and rx_time / rx_freq / snr_db
 * from the stream's tags; "src_offset" tags map offsets to the radio's stream). Windows with
 * NaN/Inf samples or no power are counted and never classified; windows too strong for
 * float32 arithmetic are scaled first (the models are scale invariant).
 *
 * Users build it through the Python block modulation_classifier, which loads and checks
 * the bundle and hands this block the engine's weights blob (robustamc.engine.engine_blob).
 * It exists because a Python block spent as long around each window (windowing, checks,
 * a PMT message) as the engine spent classifying it.
 */
class ROBUSTAMC_API engine_classifier_cc : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<engine_classifier_cc> sptr;

    /*!
     * \param blob the engine's weights blob ("RAMCENG1", robustamc.engine.engine_blob)
     * \param classes class names, one per model output
     * \param model the model's name (the messages' "model")
     * \param hop samples between window starts (0 = the window: back to back)
     * \param average windows per decision (>= 1)
     * \param min_confidence decisions below it are counted, not published (0..1)
     * \param samp_rate stream rate, Hz, for rx_time (an "rx_rate" tag replaces it)
     * \param model_rate the model's rate: an "rx_rate" tag that differs is warned about
     * \param max_batch windows per engine call (0 = all that are ready)
     * \param tag_output also tag each decision on the output stream ("robustamc_label")
     * \param isa engine kernels: "auto", "avx2" or "generic"
     *
     * Throws std::invalid_argument for a malformed blob or bad parameters.
     */
    static sptr make(const std::vector<uint8_t>& blob,
                     const std::vector<std::string>& classes,
                     const std::string& model,
                     int hop = 0,
                     int average = 1,
                     double min_confidence = 0.0,
                     double samp_rate = 200e3,
                     double model_rate = 200e3,
                     int max_batch = 0,
                     bool tag_output = false,
                     const std::string& isa = "auto");

    //! Windows per decision from the next work() call on; values < 1 are refused (logged).
    virtual void set_average(int average) = 0;
    //! Smallest confidence published from the next work() call on; outside [0, 1] refused.
    virtual void set_min_confidence(double min_confidence) = 0;
    virtual int average() const = 0;
    virtual double min_confidence() const = 0;
    //! Samples per window (the model's).
    virtual int window() const = 0;
    //! The engine's kernels in use ("avx2" or "generic").
    virtual std::string isa() const = 0;
    /*!
     * Counters: windows, decisions, published, below_confidence, nonfinite, no_power, and
     * inference_ns / work_ns (time in the engine / in work()).
     */
    virtual std::map<std::string, uint64_t> stats() const = 0;
};

} // namespace robustamc
} // namespace gr

#endif /* INCLUDED_ROBUSTAMC_ENGINE_CLASSIFIER_CC_H */
