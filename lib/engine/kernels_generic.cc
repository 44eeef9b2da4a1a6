/*
 * Copyright 2026 gr-robustamc authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The portable kernels: the compiler's baseline vectors (SSE2 on x86-64, NEON on aarch64).
#define ROBUSTAMC_ISA generic
#include "kernels_impl.h"
