/*
 * Copyright 2026 gr-robustamc authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * robustamc-engine-run BLOB FRAMES OUT [isa]: classify the complex64 windows in FRAMES
 * (raw, window samples each) with the weights blob BLOB and write float32 logits to OUT.
 * For checking other builds (64-bit Arm under qemu-user) against this one.
 */
#include "engine.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <vector>

static std::vector<char> slurp(const char* path)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        throw std::runtime_error(std::string("cannot read ") + path);
    return std::vector<char>(std::istreambuf_iterator<char>(f), {});
}

int main(int argc, char** argv)
{
    if (argc < 4 || argc > 5) {
        std::cerr << "usage: robustamc-engine-run BLOB FRAMES OUT [auto|avx2|generic]\n";
        return 2;
    }
    try {
        const std::vector<char> blob = slurp(argv[1]);
        robustamc_engine::Engine e(blob.data(), blob.size(), argc == 5 ? argv[4] : "auto");
        const std::vector<char> raw = slurp(argv[2]);
        const std::size_t per = 2 * sizeof(float) * e.config().window;
        if (raw.size() % per)
            throw std::runtime_error("FRAMES is not a whole number of windows");
        const std::size_t n = raw.size() / per;
        std::vector<float> x(raw.size() / sizeof(float));
        std::copy(raw.begin(), raw.end(), reinterpret_cast<char*>(x.data()));
        std::vector<float> out(n * e.config().num_classes);
        e.classify(x.data(), n, out.data(), true);
        std::ofstream o(argv[3], std::ios::binary);
        o.write(reinterpret_cast<const char*>(out.data()), out.size() * sizeof(float));
        std::cerr << n << " windows, isa " << e.isa() << "\n";
        return o ? 0 : 1;
    } catch (const std::exception& ex) {
        std::cerr << "error: " << ex.what() << "\n";
        return 1;
    }
}
