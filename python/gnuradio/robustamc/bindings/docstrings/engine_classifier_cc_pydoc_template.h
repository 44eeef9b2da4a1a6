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
  step with include/gnuradio/robustamc/engine_classifier_cc.h).
 */


static const char* __doc_gr_robustamc_engine_classifier_cc =
    R"doc(modulation_classifier's fast path: windows a complex stream, classifies each window with the C++ inference engine, averages `average` windows per decision and publishes label messages on port "labels", all in C++. Build it through modulation_classifier, which loads and checks the bundle.)doc";

static const char* __doc_gr_robustamc_engine_classifier_cc_engine_classifier_cc = R"doc()doc";

static const char* __doc_gr_robustamc_engine_classifier_cc_make =
    R"doc(engine_classifier_cc(blob, classes, model, hop=0, average=1, min_confidence=0, samp_rate=200e3, model_rate=200e3, max_batch=0, tag_output=False, isa="auto"): blob = the engine's weights (bytes, robustamc.engine.engine_blob); classes = one name per model output; hop 0 = back-to-back windows; max_batch 0 = all ready windows (in engine calls of at most 512). ValueError for a malformed blob or bad parameters.)doc";

static const char* __doc_gr_robustamc_engine_classifier_cc_set_average = R"doc(Windows per decision from the next work() call on (>= 1; other values are refused and logged).)doc";

static const char* __doc_gr_robustamc_engine_classifier_cc_set_min_confidence = R"doc(Smallest confidence published from the next work() call on (0..1; other values are refused and logged).)doc";

static const char* __doc_gr_robustamc_engine_classifier_cc_average = R"doc(Windows per decision in use.)doc";

static const char* __doc_gr_robustamc_engine_classifier_cc_min_confidence = R"doc(Smallest confidence published, in use.)doc";

static const char* __doc_gr_robustamc_engine_classifier_cc_window = R"doc(Samples per window (the model's).)doc";

static const char* __doc_gr_robustamc_engine_classifier_cc_isa = R"doc(The engine's kernels in use: "avx2" or "generic".)doc";

static const char* __doc_gr_robustamc_engine_classifier_cc_stats = R"doc(Counters (dict): windows, decisions, published, below_confidence, nonfinite, no_power, inference_ns (time in the engine), work_ns (time in work()).)doc";
