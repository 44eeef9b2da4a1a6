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
  Docstrings for the Python bindings (pygccxml is not used to extract them; kept by hand in
  step with include/gnuradio/robustamc/occupancy_gate_cc.h).
 */


static const char* __doc_gr_robustamc_occupancy_gate_cc =
    R"doc(Forwards only the windows of a stream that hold a signal: a window is passed whole when its mean power is threshold_db or more over a running noise-floor estimate. Forwarded windows carry an snr_db tag; the first window after each gap carries src_offset (input sample index) and rx_time; rx_freq / rx_rate are forwarded.)doc";

static const char* __doc_gr_robustamc_occupancy_gate_cc_occupancy_gate_cc = R"doc()doc";

static const char* __doc_gr_robustamc_occupancy_gate_cc_make =
    R"doc(make(window, threshold_db=6, alpha=0.05, noise_floor=0, samp_rate=200e3): window in samples; threshold in dB over the noise floor; alpha = noise-floor update weight per empty window; noise_floor = initial linear power (<= 0: learnt as the median of the first 16 windows); samp_rate for re-issued rx_time tags.)doc";

static const char* __doc_gr_robustamc_occupancy_gate_cc_set_threshold_db = R"doc(Set the SNR over the noise floor that opens the gate, dB.)doc";

static const char* __doc_gr_robustamc_occupancy_gate_cc_threshold_db = R"doc()doc";

static const char* __doc_gr_robustamc_occupancy_gate_cc_noise_floor = R"doc(Current noise-floor estimate (linear power).)doc";

static const char* __doc_gr_robustamc_occupancy_gate_cc_set_noise_floor = R"doc(Reset the noise-floor estimate (linear power; <= 0 re-learns it from the next 16 windows).)doc";

static const char* __doc_gr_robustamc_occupancy_gate_cc_windows_in = R"doc(Windows read.)doc";

static const char* __doc_gr_robustamc_occupancy_gate_cc_windows_out = R"doc(Windows forwarded.)doc";

static const char* __doc_gr_robustamc_occupancy_gate_cc_windows_nonfinite = R"doc(Windows dropped for NaN/Inf samples.)doc";
