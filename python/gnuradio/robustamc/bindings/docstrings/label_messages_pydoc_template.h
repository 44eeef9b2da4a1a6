/*
 * Copyright 2026 Free Software Foundation, Inc.
 *
 * This file is part of GNU Radio
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 */
#include "pydoc_macros.h"
#define D(...) DOC(gr, robustamc, __VA_ARGS__)
/*
  This file contains placeholders for docstrings for the Python bindings.
  Do not edit! These were automatically extracted during the binding process
  and will be overwritten during the build process
 */


static const char* __doc_gr_robustamc_make_label_messages = R"doc(Builds modulation_classifier's label messages for a batch of decisions: base[index[i]] with offset, windows, confidence and probabilities (row i) added; the bases must not hold those keys. Arrays: index int32, offset uint64, windows int32, confidence float64 (n,), probabilities float32 (n, classes).)doc";


static const char* __doc_gr_robustamc_publish_messages = R"doc(Publishes msgs, in order, on block's output message port port (block: a block's to_basic_block()); one call for a batch instead of one message_port_pub per message. Returns the number published.)doc";


static const char* __doc_gr_robustamc_publish_label_messages = R"doc(make_label_messages and publish_messages in one call: builds the batch's label messages and publishes them on block's port, without returning them to Python (the block's decision path). Returns the number published.)doc";
