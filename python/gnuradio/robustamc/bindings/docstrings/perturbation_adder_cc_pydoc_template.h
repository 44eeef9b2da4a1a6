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



 static const char *__doc_gr_robustamc_perturbation_adder_cc = R"doc()doc";


 static const char *__doc_gr_robustamc_perturbation_adder_cc_perturbation_adder_cc = R"doc()doc";


 static const char *__doc_gr_robustamc_perturbation_adder_cc_make = R"doc()doc";

  

 static const char *__doc_gr_robustamc_perturbation_adder_cc_set_psr_db = R"doc()doc";

 static const char *__doc_gr_robustamc_perturbation_adder_cc_psr_db = R"doc()doc";

 static const char *__doc_gr_robustamc_perturbation_adder_cc_set_enabled = R"doc()doc";

 static const char *__doc_gr_robustamc_perturbation_adder_cc_enabled = R"doc()doc";

 static const char *__doc_gr_robustamc_perturbation_adder_cc_set_shift = R"doc()doc";

 static const char *__doc_gr_robustamc_perturbation_adder_cc_signal_power = R"doc()doc";

 static const char *__doc_gr_robustamc_perturbation_adder_cc_refused_messages = R"doc()doc";

 static const char *__doc_gr_robustamc_perturbation_adder_cc_nonfinite_output = R"doc()doc";
