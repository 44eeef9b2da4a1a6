/*
 * Copyright 2026 gr-robustamc authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "engine.h"
#include "model.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace robustamc_engine {

namespace {

const char MAGIC[8] = { 'R', 'A', 'M', 'C', 'E', 'N', 'G', '1' };
constexpr int CONFIG_INTS = 10;

int pad8(int n) { return (n + 7) & ~7; }

void check(bool ok, const std::string& what)
{
    if (!ok)
        throw std::invalid_argument("robustamc engine: " + what);
}

//! Reads the blob's tensors in order, checking sizes and finiteness.
class Reader
{
public:
    Reader(const float* p, std::size_t n) : d_p(p), d_left(n) {}
    const float* take(std::size_t n, const char* name)
    {
        check(n <= d_left, std::string("weights end before ") + name);
        const float* p = d_p;
        for (std::size_t i = 0; i < n; ++i)
            check(std::isfinite(p[i]), std::string("non-finite weight in ") + name);
        d_p += n;
        d_left -= n;
        return p;
    }
    std::size_t left() const { return d_left; }

private:
    const float* d_p;
    std::size_t d_left;
};

} // namespace

struct Model {
    Config cfg;
    std::vector<std::vector<float>> arrays; // inner buffers never move
    std::vector<Layer> layers;
    ModelView view;
    std::size_t bytes = 0;

    float* alloc(std::size_t n)
    {
        arrays.emplace_back(n, 0.0f);
        bytes += n * sizeof(float);
        return arrays.back().data();
    }

    //! A torch Linear's weight (n x k, row-major) and bias (n), transposed and padded;
    //! rows [first, first + n) of the weight only, when a projection is split.
    Linear linear(const float* w, const float* b, int n, int k, int first = 0)
    {
        Linear l;
        l.k = k;
        l.n = n;
        l.ld = pad8(n);
        float* pw = alloc((std::size_t)k * l.ld);
        float* pb = alloc(l.ld);
        for (int o = 0; o < n; ++o) {
            for (int i = 0; i < k; ++i)
                pw[(std::size_t)i * l.ld + o] = w[(std::size_t)(first + o) * k + i];
            pb[o] = b[first + o];
        }
        l.w = pw;
        l.b = pb;
        return l;
    }

    Norm norm(const float* g, const float* b, int d)
    {
        float* pg = alloc(pad8(d));
        float* pb = alloc(pad8(d));
        std::memcpy(pg, g, sizeof(float) * d);
        std::memcpy(pb, b, sizeof(float) * d);
        return Norm{ pg, pb };
    }
};

Engine::Engine(const void* blob, std::size_t bytes, const std::string& isa)
    : d_model(new Model)
{
    check(bytes >= sizeof(MAGIC) + CONFIG_INTS * 4 && std::memcmp(blob, MAGIC, 8) == 0,
          "not an engine weights blob (no RAMCENG1 header)");
    check(bytes % 4 == 0, "blob size is not a whole number of float32 values");
    int32_t c[CONFIG_INTS];
    std::memcpy(c, static_cast<const char*>(blob) + 8, sizeof(c));
    Config& cfg = d_model->cfg;
    cfg.dim = c[0];
    cfg.depth = c[1];
    cfg.heads = c[2];
    cfg.mlp_dim = c[3];
    cfg.patch = c[4];
    cfg.window = c[5];
    cfg.num_classes = c[6];
    cfg.channels = c[7];
    cfg.embed_span = c[8];
    cfg.normalization = c[9];
    // the bounds of robustamc.models.SIZE_BOUNDS
    check(cfg.dim >= 1 && cfg.dim <= 2048 && cfg.depth >= 1 && cfg.depth <= 48 &&
              cfg.heads >= 1 && cfg.heads <= 64 && cfg.mlp_dim >= 1 && cfg.mlp_dim <= 16384 &&
              cfg.patch >= 1 && cfg.patch <= 4096 && cfg.window >= 1 && cfg.window <= 65536 &&
              cfg.num_classes >= 1 && cfg.num_classes <= 1024 && cfg.embed_span >= 0 &&
              cfg.embed_span <= 65536,
          "architecture sizes out of bounds");
    check(cfg.dim % cfg.heads == 0, "dim is not divisible by heads");
    check(cfg.window % cfg.patch == 0, "window is not a multiple of patch");
    check(cfg.channels == 2 || cfg.channels == 6, "channels must be 2 (iq) or 6 (iq-moments)");
    check(cfg.normalization == 0 || cfg.normalization == 1, "unknown normalisation");
    const int span = cfg.embed_span ? cfg.embed_span : cfg.patch;
    check(span >= cfg.patch && (span - cfg.patch) % 2 == 0,
          "embed_span must be >= patch, differing by an even number");

    const int d = cfg.dim, m = cfg.mlp_dim, tokens = cfg.window / cfg.patch + 1;
    const std::size_t floats = (bytes - 8 - CONFIG_INTS * 4) / 4;
    // the blob's floats follow the 48-byte header; copy them out to be safe on alignment
    std::vector<float> raw(floats);
    std::memcpy(raw.data(), static_cast<const char*>(blob) + 8 + CONFIG_INTS * 4, floats * 4);
    Reader r(raw.data(), floats);
    Model& md = *d_model;
    ModelView& v = md.view;

    const int kin = cfg.channels * span;
    const float* ew = r.take((std::size_t)d * kin, "embed.weight");
    const float* eb = r.take(d, "embed.bias");
    v.embed = md.linear(ew, eb, d, kin);
    const float* cls = r.take(d, "cls_token");
    const float* pos = r.take((std::size_t)tokens * d, "pos");
    float* start = md.alloc((std::size_t)tokens * pad8(d));
    for (int t = 0; t < tokens; ++t)
        for (int i = 0; i < d; ++i)
            start[(std::size_t)t * pad8(d) + i] = pos[(std::size_t)t * d + i] + (t == 0 ? cls[i] : 0.0f);
    v.start = start;
    md.layers.resize(cfg.depth);
    for (int li = 0; li < cfg.depth; ++li) {
        Layer& l = md.layers[li];
        const float* n1g = r.take(d, "norm1.weight");
        const float* n1b = r.take(d, "norm1.bias");
        l.norm1 = md.norm(n1g, n1b, d);
        const float* qw = r.take((std::size_t)3 * d * d, "attn.qkv.weight");
        const float* qb = r.take(3 * d, "attn.qkv.bias");
        l.qkv = md.linear(qw, qb, 3 * d, d);
        if (li + 1 == cfg.depth) {
            l.q = md.linear(qw, qb, d, d, 0);
            l.kv = md.linear(qw, qb, 2 * d, d, d);
        }
        const float* pw = r.take((std::size_t)d * d, "attn.proj.weight");
        const float* pb = r.take(d, "attn.proj.bias");
        l.proj = md.linear(pw, pb, d, d);
        const float* n2g = r.take(d, "norm2.weight");
        const float* n2b = r.take(d, "norm2.bias");
        l.norm2 = md.norm(n2g, n2b, d);
        const float* w1 = r.take((std::size_t)m * d, "mlp.0.weight");
        const float* b1 = r.take(m, "mlp.0.bias");
        l.mlp1 = md.linear(w1, b1, m, d);
        const float* w2 = r.take((std::size_t)d * m, "mlp.2.weight");
        const float* b2 = r.take(d, "mlp.2.bias");
        l.mlp2 = md.linear(w2, b2, d, m);
    }
    const float* ng = r.take(d, "norm.weight");
    const float* nb = r.take(d, "norm.bias");
    v.norm = md.norm(ng, nb, d);
    const float* hw = r.take((std::size_t)cfg.num_classes * d, "head.weight");
    const float* hb = r.take(cfg.num_classes, "head.bias");
    v.head = md.linear(hw, hb, cfg.num_classes, d);
    check(r.left() == 0, "the blob has more weights than its architecture");

    v.dim = d;
    v.depth = cfg.depth;
    v.heads = cfg.heads;
    v.mlp_dim = m;
    v.patch = cfg.patch;
    v.window = cfg.window;
    v.classes = cfg.num_classes;
    v.channels = cfg.channels;
    v.span = span;
    v.normalization = cfg.normalization;
    v.tokens = tokens;
    v.ld_dim = pad8(d);
    v.ld_qkv = pad8(3 * d);
    v.ld_kv = pad8(2 * d);
    v.ld_mlp = pad8(m);
    v.ld_classes = pad8(cfg.num_classes);
    v.layers = md.layers.data();

    const std::vector<std::string> have = available_isas();
    if (isa == "auto")
        d_isa = have.front();
    else {
        bool ok = false;
        for (const auto& h : have)
            ok = ok || h == isa;
        check(ok, "instruction set '" + isa + "' is not available on this CPU or build");
        d_isa = isa;
    }
#ifdef ROBUSTAMC_HAVE_AVX2
    const std::size_t need =
        d_isa == "avx2" ? avx2::scratch_floats(v) : generic::scratch_floats(v);
#else
    const std::size_t need = generic::scratch_floats(v);
#endif
    d_scratch.assign(need, 0.0f);
}

Engine::~Engine() = default;

const Config& Engine::config() const { return d_model->cfg; }

std::size_t Engine::weight_bytes() const { return d_model->bytes; }

std::vector<std::string> Engine::available_isas()
{
    std::vector<std::string> out;
#ifdef ROBUSTAMC_HAVE_AVX2
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        out.push_back("avx2");
#endif
    out.push_back("generic");
    return out;
}

void Engine::classify(const float* iq, std::size_t n, float* out, bool logits)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    const ModelView& v = d_model->view;
    const bool fast = d_isa == "avx2";
    (void)fast;
    for (std::size_t f = 0; f < n; f += 1024) {
        const int k = (int)(n - f < 1024 ? n - f : 1024);
        const float* x = iq + f * 2 * v.window;
        float* o = out + f * v.classes;
#ifdef ROBUSTAMC_HAVE_AVX2
        if (fast) {
            avx2::forward(v, x, k, o, logits, d_scratch.data());
            continue;
        }
#endif
        generic::forward(v, x, k, o, logits, d_scratch.data());
    }
}

} // namespace robustamc_engine
