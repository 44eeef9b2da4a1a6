/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <gnuradio/robustamc/label_messages.h>
#include <stdexcept>
#include <string>

namespace gr {
namespace robustamc {

pmt::pmt_t make_label_message(const pmt::pmt_t& base,
                              uint64_t offset,
                              int32_t windows,
                              double confidence,
                              const float* probs,
                              size_t n_classes)
{
    // interned once: pmt::intern looks the symbol up in a global table under a lock
    static const pmt::pmt_t k_offset = pmt::intern("offset");
    static const pmt::pmt_t k_windows = pmt::intern("windows");
    static const pmt::pmt_t k_confidence = pmt::intern("confidence");
    static const pmt::pmt_t k_probabilities = pmt::intern("probabilities");
    pmt::pmt_t d = pmt::acons(k_windows, pmt::from_long(windows), base);
    d = pmt::acons(k_offset, pmt::from_uint64(offset), d);
    d = pmt::acons(k_probabilities, pmt::init_f32vector(n_classes, probs), d);
    return pmt::acons(k_confidence, pmt::from_double(confidence), d);
}

std::vector<pmt::pmt_t> make_label_messages(const std::vector<pmt::pmt_t>& base,
                                            const std::vector<int32_t>& index,
                                            const std::vector<uint64_t>& offset,
                                            const std::vector<int32_t>& windows,
                                            const std::vector<double>& confidence,
                                            const std::vector<float>& probabilities,
                                            size_t n_classes)
{
    const size_t n = index.size();
    if (offset.size() != n || windows.size() != n || confidence.size() != n ||
        probabilities.size() != n * n_classes) {
        throw std::invalid_argument(
            "make_label_messages: index, offset, windows and confidence need one entry "
            "per decision and probabilities n_classes per decision");
    }
    for (const auto& b : base) {
        for (const char* k : { "offset", "windows", "confidence", "probabilities" }) {
            if (pmt::dict_has_key(b, pmt::intern(k))) {
                throw std::invalid_argument(
                    std::string("make_label_messages: base messages must not hold \"") + k +
                    "\"");
            }
        }
    }
    std::vector<pmt::pmt_t> out;
    out.reserve(n);
    for (size_t i = 0; i < n; i++) {
        if (index[i] < 0 || static_cast<size_t>(index[i]) >= base.size()) {
            throw std::invalid_argument("make_label_messages: class index " +
                                        std::to_string(index[i]) + " has no base message");
        }
        out.push_back(make_label_message(base[index[i]],
                                         offset[i],
                                         windows[i],
                                         confidence[i],
                                         &probabilities[i * n_classes],
                                         n_classes));
    }
    return out;
}

size_t publish_messages(const basic_block_sptr& block,
                        const pmt::pmt_t& port,
                        const std::vector<pmt::pmt_t>& msgs)
{
    if (!block) {
        throw std::invalid_argument("publish_messages: no block");
    }
    for (const auto& m : msgs) {
        block->message_port_pub(port, m);
    }
    return msgs.size();
}

size_t publish_label_messages(const basic_block_sptr& block,
                              const pmt::pmt_t& port,
                              const std::vector<pmt::pmt_t>& base,
                              const std::vector<int32_t>& index,
                              const std::vector<uint64_t>& offset,
                              const std::vector<int32_t>& windows,
                              const std::vector<double>& confidence,
                              const std::vector<float>& probabilities,
                              size_t n_classes)
{
    if (!block) {
        throw std::invalid_argument("publish_label_messages: no block");
    }
    return publish_messages(
        block,
        port,
        make_label_messages(base, index, offset, windows, confidence, probabilities, n_classes));
}

} // namespace robustamc
} // namespace gr
