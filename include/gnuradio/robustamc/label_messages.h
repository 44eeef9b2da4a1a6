/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ROBUSTAMC_LABEL_MESSAGES_H
#define INCLUDED_ROBUSTAMC_LABEL_MESSAGES_H

#include <gnuradio/basic_block.h>
#include <gnuradio/robustamc/api.h>
#include <pmt/pmt.h>
#include <cstdint>
#include <vector>

namespace gr {
namespace robustamc {

/*!
 * \brief One label message: \p base (a class's prebuilt dict without the four keys) with
 * "confidence" (double), "probabilities" (f32vector of \p n_classes values from \p probs),
 * "offset" (uint64) and "windows" (long) added.
 * \ingroup robustamc
 *
 * The keys are prepended (pmt::acons) rather than dict_add'ed, which would search the dict
 * for each key first: half the cost of a message. The caller guarantees \p base lacks them.
 */
ROBUSTAMC_API pmt::pmt_t make_label_message(const pmt::pmt_t& base,
                                            uint64_t offset,
                                            int32_t windows,
                                            double confidence,
                                            const float* probs,
                                            size_t n_classes);

/*!
 * \brief Builds modulation_classifier's label messages for a batch of decisions.
 * \ingroup robustamc
 *
 * Message i is the dict \p base[index[i]] (prebuilt per class: label, index, model,
 * window) with "offset" (uint64), "windows" (long), "confidence" (double) and
 * "probabilities" (f32vector of \p n_classes values, row i of \p probabilities) added.
 * Building them here costs a fraction of the five PMT calls per message Python needs,
 * which is what kept the block from classifying every window at full rate.
 *
 * Throws std::invalid_argument when the lengths disagree, an index is out of range or a
 * base message already holds one of the four keys.
 */
ROBUSTAMC_API std::vector<pmt::pmt_t>
make_label_messages(const std::vector<pmt::pmt_t>& base,
                    const std::vector<int32_t>& index,
                    const std::vector<uint64_t>& offset,
                    const std::vector<int32_t>& windows,
                    const std::vector<double>& confidence,
                    const std::vector<float>& probabilities,
                    size_t n_classes);

/*!
 * \brief Publishes \p msgs, in order, on \p block's output message port \p port.
 * \ingroup robustamc
 *
 * For a Python block publishing a batch of messages per work() call: one call instead of
 * one message_port_pub per message, each of which crosses pybind11 and the Python gateway.
 * Returns the number published. Throws std::invalid_argument if \p block is null.
 */
ROBUSTAMC_API size_t publish_messages(const basic_block_sptr& block,
                                      const pmt::pmt_t& port,
                                      const std::vector<pmt::pmt_t>& msgs);

/*!
 * \brief Builds the label messages of make_label_messages and publishes them, in order, on
 * \p block's port \p port, without handing them back to the caller.
 * \ingroup robustamc
 *
 * The block's whole decision path for a batch: a Python block that classifies every window
 * publishes one message per window, and passing the messages back to Python and in again
 * cost as much as building them. Returns the number published; throws as
 * make_label_messages, and std::invalid_argument if \p block is null (before publishing).
 */
ROBUSTAMC_API size_t publish_label_messages(const basic_block_sptr& block,
                                            const pmt::pmt_t& port,
                                            const std::vector<pmt::pmt_t>& base,
                                            const std::vector<int32_t>& index,
                                            const std::vector<uint64_t>& offset,
                                            const std::vector<int32_t>& windows,
                                            const std::vector<double>& confidence,
                                            const std::vector<float>& probabilities,
                                            size_t n_classes);

} // namespace robustamc
} // namespace gr

#endif /* INCLUDED_ROBUSTAMC_LABEL_MESSAGES_H */
