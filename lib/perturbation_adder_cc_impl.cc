/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "perturbation_adder_cc_impl.h"
#include <gnuradio/io_signature.h>
#include <volk/volk.h>
#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gr {
namespace robustamc {

perturbation_adder_cc::sptr perturbation_adder_cc::make(
    const std::vector<gr_complex>& perturbation, float psr_db, float alpha, bool enabled, int shift)
{
    return gnuradio::make_block_sptr<perturbation_adder_cc_impl>(
        perturbation, psr_db, alpha, enabled, shift);
}

perturbation_adder_cc_impl::perturbation_adder_cc_impl(
    const std::vector<gr_complex>& perturbation, float psr_db, float alpha, bool enabled, int shift)
    : gr::sync_block("perturbation_adder_cc",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_len(perturbation.size()),
      d_phase(0),
      d_power(0.0),
      d_have_power(false),
      d_alpha(alpha),
      d_psr_db(psr_db),
      d_enabled(enabled),
      d_state_changed(true),
      d_peak(0.0f),
      d_refused(0),
      d_nonfinite_output(0)
{
    if (perturbation.empty())
        throw std::invalid_argument("perturbation_adder_cc: the perturbation is empty");
    if (!(alpha > 0.0f && alpha <= 1.0f))
        throw std::invalid_argument("perturbation_adder_cc: alpha must be in (0, 1]");
    if (!(psr_db >= min_psr_db && psr_db <= max_psr_db)) // also NaN and inf
        throw std::invalid_argument(
            fmt::format("perturbation_adder_cc: psr_db {} is outside {}..{} dB",
                        psr_db,
                        min_psr_db,
                        max_psr_db));
    double p = 0.0;
    for (const auto& v : perturbation) {
        if (!std::isfinite(v.real()) || !std::isfinite(v.imag()))
            throw std::invalid_argument("perturbation_adder_cc: non-finite perturbation value");
        p += std::norm(v);
    }
    p /= d_len;
    if (p <= 0.0)
        throw std::invalid_argument("perturbation_adder_cc: the perturbation has no power");
    const float inv = 1.0f / std::sqrt(static_cast<float>(p));
    d_pert.resize(2 * d_len);
    for (size_t i = 0; i < 2 * d_len; i++) {
        d_pert[i] = perturbation[i % d_len] * inv;
        d_peak = std::max(d_peak, std::abs(d_pert[i]));
    }
    set_shift(shift);

    message_port_register_in(pmt::mp("control"));
    set_msg_handler(pmt::mp("control"),
                    [this](const pmt::pmt_t& msg) { this->handle_control(msg); });
}

void perturbation_adder_cc_impl::refuse(const std::string& why)
{
    d_logger->error("refused: {}", why);
    std::lock_guard<std::mutex> lock(d_mutex);
    d_refused++;
}

void perturbation_adder_cc_impl::handle_control(const pmt::pmt_t& msg)
{
    const std::string text = pmt::write_string(msg).substr(0, 200);
    if (pmt::is_bool(msg)) {
        set_enabled(pmt::to_bool(msg));
        return;
    }
    if (pmt::is_null(msg) || !pmt::is_dict(msg)) { // an empty PMT dict is nil
        refuse("control message " + text +
               ": expected a bool or a dict of enabled, psr_db and/or shift");
        return;
    }
    // check the whole message before applying any of it
    bool have_enabled = false, have_psr = false, have_shift = false, on = false;
    float psr = 0.0f;
    long shift = 0;
    pmt::pmt_t keys;
    try {
        keys = pmt::dict_keys(msg);
    } catch (const std::exception&) {
        refuse("control message " + text + ": not a dict");
        return;
    }
    for (size_t i = 0; i < pmt::length(keys); i++) {
        const pmt::pmt_t key = pmt::nth(i, keys);
        const pmt::pmt_t v = pmt::dict_ref(msg, key, pmt::PMT_NIL);
        const std::string k = pmt::is_symbol(key) ? pmt::symbol_to_string(key) : "";
        if (k == "enabled" && pmt::is_bool(v)) {
            have_enabled = true;
            on = pmt::to_bool(v);
        } else if (k == "psr_db" && pmt::is_number(v) && !pmt::is_complex(v) &&
                   !pmt::is_bool(v)) {
            psr = static_cast<float>(pmt::to_double(v)); // checked after the conversion
            if (!(psr >= min_psr_db && psr <= max_psr_db)) {
                refuse(fmt::format("control message {}: psr_db is outside {}..{} dB",
                                   text,
                                   min_psr_db,
                                   max_psr_db));
                return;
            }
            have_psr = true;
        } else if (k == "shift" && pmt::is_integer(v)) {
            have_shift = true;
            shift = pmt::to_long(v);
        } else if (k == "enabled" || k == "psr_db" || k == "shift") {
            refuse("control message " + text + ": " + k + " has the wrong type (enabled: " +
                   "bool, psr_db: real number, shift: integer)");
            return;
        } else {
            refuse("control message " + text + ": unknown key " +
                   pmt::write_string(key) + " (known: enabled, psr_db, shift)");
            return;
        }
    }
    if (have_enabled)
        set_enabled(on);
    if (have_psr)
        set_psr_db(psr);
    if (have_shift)
        set_shift(static_cast<int>(shift % static_cast<long>(d_len)));
}

void perturbation_adder_cc_impl::set_psr_db(float psr_db)
{
    if (!(psr_db >= min_psr_db && psr_db <= max_psr_db)) {
        refuse(fmt::format(
            "psr_db {} is outside {}..{} dB; staying at {} dB", psr_db, min_psr_db, max_psr_db, this->psr_db()));
        return;
    }
    std::lock_guard<std::mutex> lock(d_mutex);
    d_psr_db = psr_db;
    d_state_changed = true;
}

float perturbation_adder_cc_impl::psr_db() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_psr_db;
}

uint64_t perturbation_adder_cc_impl::refused_messages() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_refused;
}

uint64_t perturbation_adder_cc_impl::nonfinite_output() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_nonfinite_output;
}

void perturbation_adder_cc_impl::set_enabled(bool enabled)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    d_state_changed |= (enabled != d_enabled);
    d_enabled = enabled;
}

bool perturbation_adder_cc_impl::enabled() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_enabled;
}

void perturbation_adder_cc_impl::set_shift(int shift)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const long n = static_cast<long>(d_len);
    d_phase = static_cast<size_t>(((shift % n) + n) % n);
}

float perturbation_adder_cc_impl::signal_power() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return static_cast<float>(d_power);
}

int perturbation_adder_cc_impl::work(int noutput_items,
                                     gr_vector_const_void_star& input_items,
                                     gr_vector_void_star& output_items)
{
    const gr_complex* in = static_cast<const gr_complex*>(input_items[0]);
    gr_complex* out = static_cast<gr_complex*>(output_items[0]);
    std::lock_guard<std::mutex> lock(d_mutex);

    // Power of this chunk in one VOLK pass; the running estimate weighs it as n samples
    // of an exponential average, so the time constant does not depend on the call size.
    lv_32fc_t dot;
    volk_32fc_x2_conjugate_dot_prod_32fc(&dot, in, in, noutput_items);
    double chunk = static_cast<double>(lv_creal(dot)) / noutput_items;
    if (!std::isfinite(chunk)) { // |x|^2 beyond float (|x| > 1.8e19): again in double
        double sum = 0.0;
        for (int i = 0; i < noutput_items; i++)
            sum += std::norm(std::complex<double>(in[i].real(), in[i].imag()));
        chunk = sum / noutput_items; // still inf if the input holds inf: then ignored
    }
    if (std::isfinite(chunk)) {
        if (!d_have_power) {
            d_power = chunk;
            d_have_power = true;
        } else {
            const double keep = std::pow(1.0 - static_cast<double>(d_alpha), noutput_items);
            d_power = keep * d_power + (1.0 - keep) * chunk;
        }
    }

    if (d_state_changed) {
        add_item_tag(0,
                     nitems_written(0),
                     pmt::mp("psr_db"),
                     d_enabled ? pmt::from_double(d_psr_db) : pmt::PMT_F);
        d_state_changed = false;
    }

    if (!d_enabled) {
        std::copy(in, in + noutput_items, out);
        d_phase = (d_phase + noutput_items) % d_len;
        return noutput_items;
    }

    const double g = std::sqrt(d_power * std::pow(10.0, d_psr_db / 10.0));
    if (!(g * d_peak < 1e37)) { // the perturbation alone would not fit a float
        std::copy(in, in + noutput_items, out);
        d_phase = (d_phase + noutput_items) % d_len;
        d_nonfinite_output += noutput_items;
        return noutput_items;
    }
    const lv_32fc_t gain(static_cast<float>(g), 0.0f);
    int done = 0;
    while (done < noutput_items) {
        const int n = std::min<int>(noutput_items - done, static_cast<int>(d_len));
        volk_32fc_s32fc_multiply_32fc(out + done, &d_pert[d_phase], gain, n);
        volk_32fc_x2_add_32fc(out + done, out + done, in + done, n);
        d_phase = (d_phase + n) % d_len;
        done += n;
    }
    if (g * d_peak > 1e30) { // inputs near the float maximum: the sum may overflow
        for (int i = 0; i < noutput_items; i++) {
            if (!std::isfinite(out[i].real()) || !std::isfinite(out[i].imag())) {
                out[i] = in[i];
                d_nonfinite_output++;
            }
        }
    }
    return noutput_items;
}

} /* namespace robustamc */
} /* namespace gr */
