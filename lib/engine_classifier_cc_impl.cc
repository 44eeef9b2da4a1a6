/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The decision logic mirrors python/gnuradio/robustamc/modulation_classifier.py's
 * window_classifier (the reference path, used with PyTorch); tests/test_engine_classifier.py
 * checks that both publish the same messages.
 */

#include "engine_classifier_cc_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/robustamc/label_messages.h>
#include <volk/volk.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace gr {
namespace robustamc {

namespace {
enum status_t : uint8_t { VALID = 0, NONFINITE = 1, NO_POWER = 2 };

uint64_t ns_since(std::chrono::steady_clock::time_point t0)
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now() - t0)
        .count();
}

//! The latest anchor at or before `offset`, else the oldest one (anchors must be non-empty).
const std::pair<uint64_t, double>& anchor_at(const std::deque<std::pair<uint64_t, double>>& a,
                                             uint64_t offset)
{
    auto it = std::upper_bound(
        a.begin(), a.end(), offset, [](uint64_t o, const auto& e) { return o < e.first; });
    return it == a.begin() ? a.front() : *(it - 1);
}
} // namespace

engine_classifier_cc::sptr engine_classifier_cc::make(const std::vector<uint8_t>& blob,
                                                      const std::vector<std::string>& classes,
                                                      const std::string& model,
                                                      int hop,
                                                      int average,
                                                      double min_confidence,
                                                      double samp_rate,
                                                      double model_rate,
                                                      int max_batch,
                                                      bool tag_output,
                                                      const std::string& isa)
{
    return gnuradio::make_block_sptr<engine_classifier_cc_impl>(blob,
                                                                classes,
                                                                model,
                                                                hop,
                                                                average,
                                                                min_confidence,
                                                                samp_rate,
                                                                model_rate,
                                                                max_batch,
                                                                tag_output,
                                                                isa);
}

static std::unique_ptr<robustamc_engine::Engine> load_engine(const std::vector<uint8_t>& blob,
                                                             const std::string& isa)
{
    return std::make_unique<robustamc_engine::Engine>(blob.data(), blob.size(), isa);
}

engine_classifier_cc_impl::engine_classifier_cc_impl(const std::vector<uint8_t>& blob,
                                                     const std::vector<std::string>& classes,
                                                     const std::string& model,
                                                     int hop,
                                                     int average,
                                                     double min_confidence,
                                                     double samp_rate,
                                                     double model_rate,
                                                     int max_batch,
                                                     bool tag_output,
                                                     const std::string& isa)
    : gr::sync_block("engine_classifier_cc",
                     gr::io_signature::make(1, 1, sizeof(gr_complex)),
                     gr::io_signature::make(1, 1, sizeof(gr_complex))),
      d_engine(load_engine(blob, isa)),
      d_nc(classes.size()),
      d_window(d_engine->config().window),
      d_hop(hop == 0 ? d_engine->config().window : hop),
      d_max_batch(max_batch),
      d_tag_output(tag_output),
      d_model_rate(model_rate),
      d_samp_rate(samp_rate),
      d_average(average),
      d_min_confidence(min_confidence),
      d_port(pmt::mp("labels")),
      d_tag_key(pmt::mp("robustamc_label")),
      d_key_time(pmt::mp("rx_time")),
      d_key_freq(pmt::mp("rx_freq")),
      d_key_snr(pmt::mp("snr_db")),
      d_next(0),
      d_have_freq(false),
      d_rx_freq(0.0),
      d_settings_pending(false),
      d_new_average(average),
      d_new_min_confidence(min_confidence),
      d_windows(0),
      d_decisions(0),
      d_published(0),
      d_below(0),
      d_nonfinite(0),
      d_no_power(0),
      d_inference_ns(0),
      d_work_ns(0)
{
    if (static_cast<int>(d_nc) != d_engine->config().num_classes)
        throw std::invalid_argument("engine_classifier_cc: " + std::to_string(d_nc) +
                                    " class names for a model with " +
                                    std::to_string(d_engine->config().num_classes) +
                                    " outputs");
    if (hop < 0 || average < 1 || max_batch < 0)
        throw std::invalid_argument(
            "engine_classifier_cc: hop and max_batch must be >= 0, average >= 1");
    if (!(min_confidence >= 0.0 && min_confidence <= 1.0))
        throw std::invalid_argument("engine_classifier_cc: min_confidence must be in [0, 1]");
    if (!(model_rate > 0.0))
        throw std::invalid_argument("engine_classifier_cc: model_rate must be > 0");

    pmt::pmt_t base = pmt::make_dict();
    base = pmt::dict_add(base, pmt::mp("model"), pmt::intern(model));
    base = pmt::dict_add(base, pmt::mp("window"), pmt::from_long(d_window));
    for (size_t i = 0; i < d_nc; i++) {
        d_base.push_back(pmt::dict_add(pmt::dict_add(base, pmt::mp("index"), pmt::from_long(i)),
                                       pmt::mp("label"),
                                       pmt::intern(classes[i])));
    }
    message_port_register_out(d_port);
    set_history(std::max(BUFFER_ITEMS, d_window));
    set_min_output_buffer(0, 2 * BUFFER_ITEMS);
}

engine_classifier_cc_impl::~engine_classifier_cc_impl() {}

void engine_classifier_cc_impl::set_average(int average)
{
    if (average < 1) {
        d_logger->error("refused average {}: must be >= 1", average);
        return;
    }
    std::lock_guard<std::mutex> lock(d_settings_mutex);
    d_new_average = average;
    d_settings_pending = true;
}

void engine_classifier_cc_impl::set_min_confidence(double min_confidence)
{
    if (!(min_confidence >= 0.0 && min_confidence <= 1.0)) {
        d_logger->error("refused min_confidence {}: must be in [0, 1]", min_confidence);
        return;
    }
    std::lock_guard<std::mutex> lock(d_settings_mutex);
    d_new_min_confidence = min_confidence;
    d_settings_pending = true;
}

int engine_classifier_cc_impl::average() const
{
    std::lock_guard<std::mutex> lock(d_settings_mutex);
    return d_average;
}

double engine_classifier_cc_impl::min_confidence() const
{
    std::lock_guard<std::mutex> lock(d_settings_mutex);
    return d_min_confidence;
}

std::map<std::string, uint64_t> engine_classifier_cc_impl::stats() const
{
    return { { "windows", d_windows },
             { "decisions", d_decisions },
             { "published", d_published },
             { "below_confidence", d_below },
             { "nonfinite", d_nonfinite },
             { "no_power", d_no_power },
             { "inference_ns", d_inference_ns },
             { "work_ns", d_work_ns } };
}

void engine_classifier_cc_impl::read_tags(uint64_t from, uint64_t to)
{
    std::vector<gr::tag_t> tags;
    get_tags_in_range(tags, 0, from, to);
    for (const auto& tag : tags) {
        const std::string key = pmt::symbol_to_string(tag.key);
        const pmt::pmt_t& v = tag.value;
        try { // a tag of the right name but the wrong type is ignored
            if (key == "rx_time" && pmt::is_tuple(v)) {
                double t = static_cast<double>(pmt::to_uint64(pmt::tuple_ref(v, 0))) +
                           pmt::to_double(pmt::tuple_ref(v, 1));
                d_rx_time.emplace_back(tag.offset, t);
            } else if (key == "src_offset" && (pmt::is_integer(v) || pmt::is_uint64(v))) {
                d_src.emplace_back(tag.offset, static_cast<double>(pmt::to_uint64(v)));
            } else if (key == "snr_db" && pmt::is_real(v)) {
                d_snr[tag.offset] = pmt::to_double(v);
            } else if (key == "rx_freq" && pmt::is_number(v)) {
                d_rx_freq = pmt::to_double(v);
                d_have_freq = true;
            } else if (key == "rx_rate" && pmt::is_number(v)) {
                const double rate = pmt::to_double(v);
                if (!(std::isfinite(rate) && rate > 0.0))
                    continue;
                d_samp_rate = rate;
                if (std::abs(rate / d_model_rate - 1.0) > 1e-3 &&
                    d_warned_rates.insert(rate).second) {
                    d_logger->warn("the stream's rx_rate tag says {:g} Hz but the model "
                                   "expects {:g} Hz: resample to the model's rate (Rational "
                                   "Resampler) or labels will be wrong",
                                   rate,
                                   d_model_rate);
                }
            }
        } catch (const std::exception&) {
        }
    }
}

void engine_classifier_cc_impl::classify(const gr_complex* in,
                                         uint64_t in_start,
                                         uint64_t first,
                                         size_t count)
{
    const size_t w = d_window;
    d_status.resize(count);
    d_power.resize(count);
    auto window_at = [&](size_t j) {
        return reinterpret_cast<const float*>(in + (first + j * d_hop - in_start));
    };
    // the engine reads the stream in place when the windows are back to back, all valid
    // and none rescaled (the usual case); else the valid ones are gathered
    bool in_place = d_hop == d_window;
    for (size_t j = 0; j < count; j++) {
        const float* p = window_at(j);
        // float32 first (VOLK); NaN/Inf samples or float overflow make it non-finite, and
        // only then is the window summed again in double
        float fpower = 0.0f;
        volk_32f_x2_dot_prod_32f(&fpower, p, p, 2 * w);
        double power = static_cast<double>(fpower) / w;
        if (!std::isfinite(power)) {
            power = 0.0;
            for (size_t i = 0; i < 2 * w; i++)
                power += static_cast<double>(p[i]) * p[i];
            power /= w;
        }
        uint8_t s = VALID;
        if (!std::isfinite(power))
            s = NONFINITE; // float samples cannot overflow a double sum: a NaN/Inf sample
        else if (!(power > MIN_POWER))
            s = NO_POWER;
        d_status[j] = s;
        d_power[j] = power;
        if (s != VALID || power > SAFE_POWER)
            in_place = false;
    }
    const float* src = window_at(0);
    size_t valid = count;
    if (!in_place) {
        d_gather.resize(count * 2 * w);
        valid = 0;
        for (size_t j = 0; j < count; j++) {
            if (d_status[j] != VALID)
                continue;
            const float* p = window_at(j);
            float* q = &d_gather[valid * 2 * w];
            if (d_power[j] > SAFE_POWER) { // rare: the scale in double, as the reference
                double power = 0.0;
                for (size_t i = 0; i < 2 * w; i++)
                    power += static_cast<double>(p[i]) * p[i];
                const double scale = std::sqrt(power / w);
                for (size_t i = 0; i < 2 * w; i++)
                    q[i] = static_cast<float>(p[i] / scale);
            } else {
                std::memcpy(q, p, 2 * w * sizeof(float));
            }
            valid++;
        }
        src = d_gather.data();
    }
    d_probs.resize(valid * d_nc);
    if (valid) {
        const auto t0 = std::chrono::steady_clock::now();
        d_engine->classify(src, valid, d_probs.data());
        d_inference_ns += ns_since(t0);
    }
    size_t v = 0;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (size_t j = 0; j < count; j++) {
        d_pend_off.push_back(first + j * d_hop);
        d_pend_ok.push_back(d_status[j] == VALID);
        if (d_status[j] == VALID) {
            d_pend_probs.insert(
                d_pend_probs.end(), &d_probs[v * d_nc], &d_probs[(v + 1) * d_nc]);
            v++;
        } else {
            d_pend_probs.insert(d_pend_probs.end(), d_nc, nan);
            (d_status[j] == NONFINITE ? d_nonfinite : d_no_power)++;
        }
    }
    d_windows += count;
}

pmt::pmt_t engine_classifier_cc_impl::extras(pmt::pmt_t msg, uint64_t first, size_t group) const
{
    if (!d_rx_time.empty() && d_samp_rate > 0) {
        const auto& a = anchor_at(d_rx_time, first);
        const double t = a.second + (static_cast<double>(first) - static_cast<double>(a.first)) /
                                        d_samp_rate;
        const double whole = std::floor(t);
        msg = pmt::dict_add(msg,
                            d_key_time,
                            pmt::make_tuple(pmt::from_uint64(static_cast<uint64_t>(whole)),
                                            pmt::from_double(t - whole)));
    }
    if (!d_snr.empty()) {
        double sum = 0.0;
        int n = 0;
        for (size_t j = group * d_average; j < (group + 1) * d_average; j++) {
            auto it = d_snr.find(d_pend_off[j]);
            if (it != d_snr.end()) {
                sum += it->second;
                n++;
            }
        }
        if (n)
            msg = pmt::dict_add(msg, d_key_snr, pmt::from_double(sum / n));
    }
    if (d_have_freq)
        msg = pmt::dict_add(msg, d_key_freq, pmt::from_double(d_rx_freq));
    return msg;
}

void engine_classifier_cc_impl::decide(uint64_t nwritten, uint64_t nend)
{
    const size_t k = d_average;
    const size_t groups = d_pend_off.size() / k;
    std::vector<float> sum(d_nc);
    std::vector<float> mean(d_nc);
    for (size_t g = 0; g < groups; g++) {
        std::fill(sum.begin(), sum.end(), 0.0f);
        int valid = 0;
        for (size_t j = g * k; j < (g + 1) * k; j++) {
            if (!d_pend_ok[j])
                continue;
            valid++;
            for (size_t c = 0; c < d_nc; c++)
                sum[c] += d_pend_probs[j * d_nc + c];
        }
        d_decisions++;
        if (!valid) // already counted as nonfinite / no_power
            continue;
        size_t idx = 0;
        double conf = -1.0;
        for (size_t c = 0; c < d_nc; c++) {
            const double m = static_cast<double>(sum[c]) / valid;
            mean[c] = static_cast<float>(m);
            if (m > conf) {
                conf = m;
                idx = c;
            }
        }
        if (conf < d_min_confidence) {
            d_below++;
            continue;
        }
        const uint64_t first = d_pend_off[g * k];
        uint64_t offset = first;
        if (!d_src.empty()) { // behind an occupancy gate: the radio's sample index
            const auto& a = anchor_at(d_src, first);
            offset = static_cast<uint64_t>(a.second) + (first - a.first);
        }
        pmt::pmt_t msg = extras(
            make_label_message(d_base[idx], offset, valid, conf, mean.data(), d_nc), first, g);
        message_port_pub(d_port, msg);
        if (d_tag_output) {
            const uint64_t ready = d_pend_off[(g + 1) * k - 1] + d_window - 1;
            add_item_tag(0, std::min(std::max(ready, nwritten), nend - 1), d_tag_key, msg);
        }
        d_published++;
    }
    const size_t n = groups * k;
    d_pend_off.erase(d_pend_off.begin(), d_pend_off.begin() + n);
    d_pend_ok.erase(d_pend_ok.begin(), d_pend_ok.begin() + n);
    d_pend_probs.erase(d_pend_probs.begin(), d_pend_probs.begin() + n * d_nc);
}

void engine_classifier_cc_impl::prune()
{
    const uint64_t oldest = d_pend_off.empty() ? d_next : d_pend_off.front();
    for (anchors* a : { &d_rx_time, &d_src }) {
        while (a->size() > 1 && (*a)[1].first <= oldest)
            a->pop_front();
    }
    d_snr.erase(d_snr.begin(), d_snr.lower_bound(oldest));
}

int engine_classifier_cc_impl::work(int noutput_items,
                                    gr_vector_const_void_star& input_items,
                                    gr_vector_void_star& output_items)
{
    const auto t0 = std::chrono::steady_clock::now();
    {
        std::lock_guard<std::mutex> lock(d_settings_mutex);
        if (d_settings_pending) { // set between calls, never during one
            d_average = d_new_average;
            d_min_confidence = d_new_min_confidence;
            d_settings_pending = false;
        }
    }
    const int hist = static_cast<int>(history()) - 1;
    const gr_complex* in = static_cast<const gr_complex*>(input_items[0]);
    std::memcpy(output_items[0], in + hist, noutput_items * sizeof(gr_complex));

    const uint64_t nread = nitems_read(0);
    const uint64_t end = nread + noutput_items;
    read_tags(nread, end);
    // in[0] is stream sample nread - hist (negative indices are GNU Radio's initial zeros,
    // never part of a window: windows start at 0); a window not yet classified starts after
    // the previous call's end minus a window, so it is always within the history
    const uint64_t in_start = nread - hist; // modulo 2^64 at the start: only differences matter
    size_t count = 0;
    if (d_next + d_window <= end)
        count = (end - d_window - d_next) / d_hop + 1;
    const size_t step = d_max_batch > 0 ? d_max_batch : 512;
    for (size_t i = 0; i < count; i += step) {
        const size_t n = std::min(step, count - i);
        classify(in, in_start, d_next + i * d_hop, n);
        decide(nitems_written(0), nitems_written(0) + noutput_items);
    }
    d_next += count * d_hop;
    prune();
    d_work_ns += ns_since(t0);
    return noutput_items;
}

} // namespace robustamc
} // namespace gr
