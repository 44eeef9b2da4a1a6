/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ROBUSTAMC_PERTURBATION_ADDER_CC_H
#define INCLUDED_ROBUSTAMC_PERTURBATION_ADDER_CC_H

#include <gnuradio/robustamc/api.h>
#include <gnuradio/sync_block.h>

namespace gr {
namespace robustamc {

/*!
 * \brief Adds a stored perturbation, tiled over the stream, at a target PSR.
 * \ingroup robustamc
 *
 * out[n] = in[n] + g * p[(n + shift) mod L], where p is the perturbation scaled to unit
 * mean power and g = sqrt(P_s * 10^(psr_db/10)), with P_s a running estimate of the input
 * power (exponential average with per-sample weight \p alpha). When disabled the block
 * copies its input. Message port "control" takes a PMT bool (enable/disable) or a dict with
 * any of "enabled" (bool), "psr_db" (float) and "shift" (int). A "psr_db" stream tag marks
 * every change of state.
 */
class ROBUSTAMC_API perturbation_adder_cc : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<perturbation_adder_cc> sptr;

    /*!
     * \param perturbation the vector to tile (any power; must be non-empty, finite, non-zero)
     * \param psr_db perturbation-to-signal power ratio in dB
     * \param alpha weight of each new sample in the running power estimate (0 < alpha <= 1)
     * \param enabled start adding at once
     * \param shift cyclic shift of the perturbation, in samples
     */
    static sptr make(const std::vector<gr_complex>& perturbation,
                     float psr_db,
                     float alpha = 1e-4f,
                     bool enabled = true,
                     int shift = 0);

    virtual void set_psr_db(float psr_db) = 0;
    virtual float psr_db() const = 0;
    virtual void set_enabled(bool enabled) = 0;
    virtual bool enabled() const = 0;
    virtual void set_shift(int shift) = 0;
    //! Current running estimate of the input power (linear).
    virtual float signal_power() const = 0;
};

} // namespace robustamc
} // namespace gr

#endif /* INCLUDED_ROBUSTAMC_PERTURBATION_ADDER_CC_H */
