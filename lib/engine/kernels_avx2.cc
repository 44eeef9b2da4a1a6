/*
 * Copyright 2026 gr-robustamc authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The AVX2 + FMA kernels (built with -mavx2 -mfma on x86-64; chosen at run time).
#define ROBUSTAMC_ISA avx2
#include "kernels_impl.h"
