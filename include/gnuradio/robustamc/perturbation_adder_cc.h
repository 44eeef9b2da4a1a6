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
 * copies its input. The PSR must lie within [min_psr_db, max_psr_db] (-150..+40 dB) after
 * conversion to float: the constructor throws otherwise, set_psr_db() logs, counts and
 * keeps the old value. Samples whose sum would not fit a float (a huge input at a high
 * PSR) pass unperturbed and are counted (nonfinite_output()).
 *
 * Message port "control" takes a PMT bool (enable/disable) or a non-empty dict with any of
 * "enabled" (bool), "psr_db" (real number) and "shift" (integer). Anything else (unknown
 * keys, values of the wrong type, a PSR out of range, nil) is logged, counted
 * (refused_messages()) and refused as a whole. A "psr_db" stream tag marks every change of
 * state.
 */
class ROBUSTAMC_API perturbation_adder_cc : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<perturbation_adder_cc> sptr;

    //! PSR limits in dB (the Python injector uses the same, robustamc.injection).
    static constexpr float max_psr_db = 40.0f;
    static constexpr float min_psr_db = -150.0f;

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
    //! Control messages and set_psr_db() calls refused so far.
    virtual uint64_t refused_messages() const = 0;
    //! Samples passed unperturbed because the perturbed sample would not fit a float.
    virtual uint64_t nonfinite_output() const = 0;
};

} // namespace robustamc
} // namespace gr

#endif /* INCLUDED_ROBUSTAMC_PERTURBATION_ADDER_CC_H */
