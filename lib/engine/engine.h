/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Inference engine for the robustamc transformer family (python/robustamc/models.py),
 * without PyTorch: weights are laid out once at load, frames are classified in small
 * batches by vector kernels chosen at run time for the CPU (AVX2+FMA on x86-64, the
 * portable build elsewhere, NEON on 64-bit Arm by the compiler).
 */
#ifndef ROBUSTAMC_ENGINE_H
#define ROBUSTAMC_ENGINE_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace robustamc_engine {

//! The architecture, as the bundle JSON's "architecture" describes a transformer.
struct Config {
    int dim = 0, depth = 0, heads = 0, mlp_dim = 0, patch = 0, window = 0;
    int num_classes = 0;
    int channels = 0;      //!< 2 (features "iq") or 6 ("iq-moments")
    int embed_span = 0;    //!< samples each token embeds; 0 = the patch
    int normalization = 0; //!< 0 unit-power, 1 rml-l1
};

struct Model; // packed weights (model.h)

/*!
 * A loaded model. The weights blob ("RAMCENG1", see engine.cc: the config as int32 and
 * every tensor of the PyTorch state dict in a fixed order, float32 little-endian) is what
 * robustamc.engine writes from a bundle. Thread-safe: calls on one Engine are serialised.
 */
class Engine
{
public:
    //! Throws std::invalid_argument when the blob is malformed or does not fit its config.
    Engine(const void* blob, std::size_t bytes, const std::string& isa = "auto");
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    const Config& config() const;
    //! The kernels in use: "avx2" or "generic".
    const std::string& isa() const { return d_isa; }
    //! Bytes of packed weights.
    std::size_t weight_bytes() const;

    /*!
     * Classify n windows of config().window complex samples (interleaved float32 I/Q,
     * n * window * 2 floats). Writes n * num_classes probabilities, or logits when
     * `logits` is true. Windows must be finite with nonzero power (the caller checks).
     */
    void classify(const float* iq, std::size_t n, float* out, bool logits = false);

    //! The instruction sets this build can use on this CPU, best first.
    static std::vector<std::string> available_isas();

private:
    std::unique_ptr<Model> d_model;
    std::string d_isa;
    std::vector<float> d_scratch;
    std::mutex d_mutex;
};

} // namespace robustamc_engine

#endif
