/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Packed weights as the kernels read them. Plain data only: this header is compiled into
 * each instruction-set variant of the kernels, which must share no inline code.
 */
#ifndef ROBUSTAMC_ENGINE_MODEL_H
#define ROBUSTAMC_ENGINE_MODEL_H

#include <cstddef>

namespace robustamc_engine {

//! y = x W^T + b of a torch Linear(k -> n), packed as W^T (k rows of ld = n rounded up to
//! 8 floats, zero padded) and b (ld floats, zero padded).
struct Linear {
    const float* w;
    const float* b;
    int k, n, ld;
};

struct Norm {
    const float* g;
    const float* b;
};

struct Layer {
    Norm norm1, norm2;
    Linear qkv;  //!< all three projections (every token)
    Linear q;    //!< the query part alone (the last layer's class token)
    Linear kv;   //!< the key and value parts (the last layer)
    Linear proj, mlp1, mlp2;
};

//! Sizes and packed weights; ld* are row strides of the activations (multiples of 8).
struct ModelView {
    int dim, depth, heads, mlp_dim, patch, window, classes, channels, span, normalization;
    int tokens;    //!< patches + class token
    int ld_dim, ld_qkv, ld_kv, ld_mlp, ld_classes;
    Linear embed;        //!< (channels * span) -> dim
    const float* start;  //!< tokens x ld_dim: class token + positions (row 0), positions
    const Layer* layers;
    Norm norm;
    Linear head;
};

// One variant per instruction set, the same code (kernels_impl.h).
#define ROBUSTAMC_ENGINE_KERNELS                                                          \
    /* floats of scratch space forward() needs */                                        \
    std::size_t scratch_floats(const ModelView& m);                                      \
    /* probabilities (or logits) of `frames` frames of interleaved I/Q */                \
    void forward(const ModelView& m, const float* iq, int frames, float* out, bool logits, \
                 float* scratch);
namespace generic {
ROBUSTAMC_ENGINE_KERNELS
}
namespace avx2 {
ROBUSTAMC_ENGINE_KERNELS
}
#undef ROBUSTAMC_ENGINE_KERNELS

} // namespace robustamc_engine

#endif
