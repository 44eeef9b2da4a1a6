/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ROBUSTAMC_OCCUPANCY_GATE_CC_H
#define INCLUDED_ROBUSTAMC_OCCUPANCY_GATE_CC_H

#include <gnuradio/block.h>
#include <gnuradio/robustamc/api.h>
#include <cstdint>

namespace gr {
namespace robustamc {

/*!
 * \brief Forwards only the windows of a stream that hold a signal.
 * \ingroup robustamc
 *
 * The input is cut into windows of \p window samples. Each window's mean power P is compared
 * with a running noise-floor estimate N: the window is forwarded whole when
 * 10 log10(P / N) >= \p threshold_db, and dropped otherwise. The noise floor follows the
 * windows judged empty only (exponential average with weight \p alpha per window), so a
 * transmission that lasts never turns into "noise" and is never gated away; if the noise
 * floor itself rises by more than the threshold the gate stays open (set_noise_floor(0)
 * re-learns it). It starts at \p noise_floor (linear power) when that is > 0, else at the
 * median power of the first 16 windows, which are not forwarded. A stream that starts inside
 * a transmission therefore learns the signal's power as its floor and forwards little until
 * empty windows pull the floor down (each moves it by \p alpha of the difference); give
 * \p noise_floor to avoid that.
 *
 * Every forwarded window carries the tag "snr_db" (double, 10 log10((P - N) / N), floor
 * -100 dB) on its first sample. The first window of each run of consecutive forwarded windows
 * also carries "src_offset" (uint64, index of its first sample in the input stream) and,
 * once the input has had an "rx_time" tag, "rx_time" with the time of that sample (rate from
 * "rx_rate" tags or \p samp_rate); within a run both follow from the sample count.
 * "rx_freq" and "rx_rate" tags are forwarded. Other tags are dropped. Windows holding NaN/Inf
 * are dropped and
 * counted.
 */
class ROBUSTAMC_API occupancy_gate_cc : virtual public gr::block
{
public:
    typedef std::shared_ptr<occupancy_gate_cc> sptr;

    /*!
     * \param window samples per window (>= 1; the classifier's window, or a multiple of it)
     * \param threshold_db SNR over the noise floor that opens the gate, dB (finite)
     * \param alpha noise-floor update weight per empty window (0 < alpha <= 1)
     * \param noise_floor initial noise-floor power (linear); <= 0 learns it (median of 16 windows)
     * \param samp_rate input sample rate, Hz, for re-issued rx_time tags (> 0)
     */
    static sptr make(int window,
                     float threshold_db = 6.0f,
                     float alpha = 0.05f,
                     float noise_floor = 0.0f,
                     double samp_rate = 200e3);

    virtual void set_threshold_db(float threshold_db) = 0;
    virtual float threshold_db() const = 0;
    //! Current noise-floor estimate (linear power).
    virtual float noise_floor() const = 0;
    virtual void set_noise_floor(float noise_floor) = 0;
    virtual uint64_t windows_in() const = 0;
    virtual uint64_t windows_out() const = 0;
    virtual uint64_t windows_nonfinite() const = 0;
};

} // namespace robustamc
} // namespace gr

#endif /* INCLUDED_ROBUSTAMC_OCCUPANCY_GATE_CC_H */
