/* -*- c++ -*- */
/*
 * Copyright 2026 gr-robustamc authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The forward pass of the transformer family (python/robustamc/models.py, inference path:
 * the last layer computes the class token alone). Written once with GCC vector extensions
 * and compiled per instruction set (kernels_<isa>.cc defines ROBUSTAMC_ISA): everything here
 * lives in that namespace or an anonymous one, so no code is shared between variants.
 */
#ifndef ROBUSTAMC_ISA
#error "define ROBUSTAMC_ISA before including kernels_impl.h"
#endif

#include "model.h"
#include <cstddef>
#include <cstring>

namespace robustamc_engine {
namespace ROBUSTAMC_ISA {
namespace {

typedef float v8 __attribute__((vector_size(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));
typedef int i8v __attribute__((vector_size(32)));

constexpr int FRAMES = 8; // frames per pass through the layers (activations stay in L2)

inline v8 load(const float* p) { return *reinterpret_cast<const v8u*>(p); }
inline void store(float* p, v8 v) { *reinterpret_cast<v8u*>(p) = v; }
inline v8 splat(float a) { return v8{ a, a, a, a, a, a, a, a }; }
//! Sum of the lanes as a tree (3 shuffles and adds, not a chain of 7).
inline float hsum(v8 v)
{
    v += __builtin_shuffle(v, i8v{ 4, 5, 6, 7, 0, 1, 2, 3 });
    v += __builtin_shuffle(v, i8v{ 2, 3, 0, 1, 6, 7, 4, 5 });
    v += __builtin_shuffle(v, i8v{ 1, 0, 3, 2, 5, 4, 7, 6 });
    return v[0];
}
inline float hmax(v8 v)
{
    float s = v[0];
    for (int i = 1; i < 8; ++i)
        s = v[i] > s ? v[i] : s;
    return s;
}

//! Lane-wise square root (compiles to one vector instruction where the ISA has it).
inline v8 vsqrt(v8 x)
{
    v8 r;
    for (int i = 0; i < 8; ++i)
        r[i] = __builtin_sqrtf(x[i]);
    return r;
}

//! e^x, relative error ~1e-7: 2^n e^r with |r| <= ln2/2 and a degree-7 Taylor polynomial.
inline v8 vexp(v8 x)
{
    x = x < splat(88.37f) ? x : splat(88.37f);
    x = x > splat(-87.33f) ? x : splat(-87.33f);
    const v8 magic = splat(12582912.0f); // 1.5 * 2^23: adding it rounds to an integer
    v8 n = (x * splat(1.44269504f) + magic) - magic;
    v8 r = x - n * splat(0.693145752f) - n * splat(1.42860677e-6f);
    v8 p = splat(1.0f / 5040);
    p = p * r + splat(1.0f / 720);
    p = p * r + splat(1.0f / 120);
    p = p * r + splat(1.0f / 24);
    p = p * r + splat(1.0f / 6);
    p = p * r + splat(0.5f);
    p = p * r + splat(1.0f);
    p = p * r + splat(1.0f);
    i8v e = (__builtin_convertvector(n, i8v) + 127) << 23;
    return p * (v8)e;
}

//! GELU in the erf form torch uses, x/2 (1 + erf(x / sqrt 2)), with erf(z) = z P(z^2) / Q(z^2)
//! on z clamped to [-4, 4] (erf(4) = 1 - 1.5e-8). P and Q of degree 5 are our own fit
//! (Sanathanan-Koerner, Lawson weights): 2.1e-8 from erf, GELU within 1.3e-6 of the exact
//! value in float32 (torch's own float32 GELU: 1.2e-6). No exp: a third of the earlier cost.
inline v8 vgelu(v8 x)
{
    v8 z = x * splat(0.707106781f);
    z = z < splat(-4.0f) ? splat(-4.0f) : z;
    z = z > splat(4.0f) ? splat(4.0f) : z;
    const v8 s = z * z;
    v8 p = splat(1.974830639e-06f);
    p = p * s + splat(2.880424727e-04f);
    p = p * s + splat(4.003672395e-03f);
    p = p * s + splat(5.346755683e-02f);
    p = p * s + splat(1.962495446e-01f);
    p = p * s + splat(1.128378987e+00f);
    v8 q = splat(3.748092786e-05f);
    q = q * s + splat(1.216367353e-03f);
    q = q * s + splat(1.544447336e-02f);
    q = q * s + splat(1.164766625e-01f);
    q = q * s + splat(5.072528124e-01f);
    q = q * s + splat(1.0f);
    return splat(0.5f) * x * (splat(1.0f) + z * p / q);
}

enum { PLAIN = 0, ADD = 1, GELU = 2 };

//! R rows x 8*NV columns of y (=, += or gelu of) x W + b; W packed k x ldw.
template <int R, int NV>
inline void tile(const float* x, int ldx, int k, const float* w, int ldw, const float* b,
                 float* y, int ldy, int mode)
{
    v8 acc[R][NV];
    for (int v = 0; v < NV; ++v) {
        v8 bv = load(b + 8 * v);
        for (int r = 0; r < R; ++r)
            acc[r][v] = bv;
    }
    for (int kk = 0; kk < k; ++kk) {
        v8 wv[NV];
        for (int v = 0; v < NV; ++v)
            wv[v] = load(w + (std::size_t)kk * ldw + 8 * v);
        for (int r = 0; r < R; ++r) {
            v8 a = splat(x[(std::size_t)r * ldx + kk]);
            for (int v = 0; v < NV; ++v)
                acc[r][v] += a * wv[v];
        }
    }
    for (int r = 0; r < R; ++r)
        for (int v = 0; v < NV; ++v) {
            float* yp = y + (std::size_t)r * ldy + 8 * v;
            v8 o = acc[r][v];
            if (mode == ADD)
                o += load(yp);
            else if (mode == GELU)
                o = vgelu(o);
            store(yp, o);
        }
}

template <int NV>
void rows(const float* x, int ldx, int m, const Linear& l, int col, float* y, int ldy, int mode)
{
    const float* w = l.w + col;
    const float* b = l.b + col;
    int i = 0;
    for (; i + 6 <= m; i += 6)
        tile<6, NV>(x + (std::size_t)i * ldx, ldx, l.k, w, l.ld, b, y + (std::size_t)i * ldy, ldy, mode);
    const float* xi = x + (std::size_t)i * ldx;
    float* yi = y + (std::size_t)i * ldy;
    switch (m - i) {
    case 5: tile<5, NV>(xi, ldx, l.k, w, l.ld, b, yi, ldy, mode); break;
    case 4: tile<4, NV>(xi, ldx, l.k, w, l.ld, b, yi, ldy, mode); break;
    case 3: tile<3, NV>(xi, ldx, l.k, w, l.ld, b, yi, ldy, mode); break;
    case 2: tile<2, NV>(xi, ldx, l.k, w, l.ld, b, yi, ldy, mode); break;
    case 1: tile<1, NV>(xi, ldx, l.k, w, l.ld, b, yi, ldy, mode); break;
    default: break;
    }
}

//! y[m x l.ld] (=, += or gelu of) x[m x l.k] W + b, in 16-column panels that stay in L1.
void gemm(const float* x, int ldx, int m, const Linear& l, float* y, int ldy, int mode)
{
    int j = 0;
    for (; j + 16 <= l.ld; j += 16)
        rows<2>(x, ldx, m, l, j, y + j, ldy, mode);
    if (j < l.ld)
        rows<1>(x, ldx, m, l, j, y + j, ldy, mode);
}

//! LayerNorm (eps 1e-5, biased variance, as torch) of m rows of d values.
void layernorm(const float* x, int ldx, int m, int d, const Norm& nm, float* y, int ldy)
{
    const int dv = d & ~7;
    for (int r = 0; r < m; ++r) {
        const float* xr = x + (std::size_t)r * ldx;
        float* yr = y + (std::size_t)r * ldy;
        v8 s = splat(0.0f);
        for (int i = 0; i < dv; i += 8)
            s += load(xr + i);
        float sum = hsum(s);
        for (int i = dv; i < d; ++i)
            sum += xr[i];
        const float mean = sum / d;
        v8 q = splat(0.0f);
        for (int i = 0; i < dv; i += 8) {
            v8 c = load(xr + i) - splat(mean);
            q += c * c;
        }
        float var = hsum(q);
        for (int i = dv; i < d; ++i)
            var += (xr[i] - mean) * (xr[i] - mean);
        const float rstd = 1.0f / __builtin_sqrtf(var / d + 1e-5f);
        for (int i = 0; i < dv; i += 8)
            store(yr + i, (load(xr + i) - splat(mean)) * splat(rstd) * load(nm.g + i) + load(nm.b + i));
        for (int i = dv; i < d; ++i)
            yr[i] = (xr[i] - mean) * rstd * nm.g[i] + nm.b[i];
    }
}

/*!
 * One head of attention: for each of nq queries (rows of q, scaled by `scale`) the softmax
 * over t keys of q.k, applied to the values. k and v rows have stride ldkv; `tmp` holds
 * (hd + 1) * tp floats, tp = t rounded up to 8.
 */
void attend(const float* q, int ldq, int nq, const float* k, const float* v, int ldkv, int t,
            int hd, float scale, float* out, int ldo, float* tmp)
{
    const int tp = (t + 7) & ~7;
    float* kt = tmp;            // hd x tp: keys transposed, zero beyond t
    float* p = tmp + hd * tp;   // tp: one query's weights
    for (int d = 0; d < hd; ++d) {
        for (int j = 0; j < t; ++j)
            kt[d * tp + j] = k[(std::size_t)j * ldkv + d];
        for (int j = t; j < tp; ++j)
            kt[d * tp + j] = 0.0f;
    }
    for (int i = 0; i < nq; ++i) {
        const float* qi = q + (std::size_t)i * ldq;
        float mx = -3.0e38f;
        for (int b = 0; b < tp; b += 8) {
            v8 s = splat(0.0f);
            for (int d = 0; d < hd; ++d)
                s += splat(qi[d] * scale) * load(kt + d * tp + b);
            store(p + b, s);
        }
        for (int j = 0; j < t; ++j)
            mx = p[j] > mx ? p[j] : mx;
        float sum = 0.0f;
        for (int b = 0; b < tp; b += 8) {
            v8 e = vexp(load(p + b) - splat(mx));
            store(p + b, e);
        }
        for (int j = 0; j < t; ++j)
            sum += p[j];
        const float inv = 1.0f / sum;
        float* o = out + (std::size_t)i * ldo;
        if ((hd & 7) == 0) {
            for (int d = 0; d < hd; d += 8) {
                v8 acc = splat(0.0f);
                for (int j = 0; j < t; ++j)
                    acc += splat(p[j]) * load(v + (std::size_t)j * ldkv + d);
                store(o + d, acc * splat(inv));
            }
        } else {
            for (int d = 0; d < hd; ++d) {
                float acc = 0.0f;
                for (int j = 0; j < t; ++j)
                    acc += p[j] * v[(std::size_t)j * ldkv + d];
                o[d] = acc * inv;
            }
        }
    }
}

//! Scores of J keys (rows of k, stride ld) against 8 queries (transposed in qt, stride tp)
//! into sc (8 per key); mx keeps the running maximum per query.
template <int J>
inline void scores(const float* k, int ld, const float* qt, int tp, int hd, float* sc, v8& mx)
{
    v8 s[J];
    for (int i = 0; i < J; ++i)
        s[i] = splat(0.0f);
    for (int d = 0; d < hd; ++d) {
        const v8 qd = load(qt + d * tp);
        for (int i = 0; i < J; ++i)
            s[i] += splat(k[(std::size_t)i * ld + d]) * qd;
    }
    for (int i = 0; i < J; ++i) {
        store(sc + i * 8, s[i]);
        mx = s[i] > mx ? s[i] : mx;
    }
}

//! The outputs of 8 queries, one row each (8 value columns): the weights in w (8 per key,
//! queries across the lanes, t keys) applied to the values (row j at v + j * ld), times each
//! query's inv; the first `rows` rows stored at out (stride ldo).
inline void weigh_rows(const float* w, int t, const float* v, int ld, v8 inv, int rows,
                       float* out, int ldo)
{
    v8 a[8];
    for (int i = 0; i < 8; ++i)
        a[i] = splat(0.0f);
    for (int j = 0; j < t; ++j) {
        const v8 vj = load(v + (std::size_t)j * ld);
        const float* wj = w + j * 8;
        for (int i = 0; i < 8; ++i)
            a[i] += splat(wj[i]) * vj;
    }
    for (int i = 0; i < rows; ++i)
        store(out + (std::size_t)i * ldo, a[i] * splat(inv[i]));
}

/*!
 * Attention of every token of one head on every token: queries across the vector lanes
 * (8 at a time), keys along an outer axis, so the softmax over the keys is elementwise
 * between vectors (no horizontal reductions). q, k, v rows have stride ld; `tmp` holds
 * hd * tp + 8 * t floats, tp = t rounded up to 8.
 */
void attend_all(const float* q, const float* k, const float* v, int ld, int t, int hd,
                float scale, float* out, int ldo, float* tmp)
{
    const int tp = (t + 7) & ~7;
    float* qt = tmp;                 // hd x tp: scaled queries transposed, zero beyond t
    float* sc = tmp + hd * tp;       // t x 8: one block of queries' scores, then weights
    for (int d = 0; d < hd; ++d) {
        for (int i = 0; i < t; ++i)
            qt[d * tp + i] = q[(std::size_t)i * ld + d] * scale;
        for (int i = t; i < tp; ++i)
            qt[d * tp + i] = 0.0f;
    }
    for (int b = 0; b < tp; b += 8) {
        // several keys (then several output columns) at once: independent FMA chains
        v8 mx = splat(-3.0e38f);
        int j = 0;
        for (; j + 8 <= t; j += 8)
            scores<8>(k + (std::size_t)j * ld, ld, qt + b, tp, hd, sc + j * 8, mx);
        for (; j + 4 <= t; j += 4)
            scores<4>(k + (std::size_t)j * ld, ld, qt + b, tp, hd, sc + j * 8, mx);
        for (; j < t; ++j)
            scores<1>(k + (std::size_t)j * ld, ld, qt + b, tp, hd, sc + j * 8, mx);
        v8 sum = splat(0.0f);
        for (int j = 0; j < t; ++j) {
            v8 e = vexp(load(sc + j * 8) - mx);
            store(sc + j * 8, e);
            sum += e;
        }
        const v8 inv = splat(1.0f) / sum;
        const int lanes = t - b < 8 ? t - b : 8;
        int d = 0;
        for (; d + 8 <= hd; d += 8)   // row-major outputs, 8 independent chains
            weigh_rows(sc, t, v + d, ld, inv, lanes, out + (std::size_t)b * ldo + d, ldo);
        for (; d < hd; ++d) {         // a head size that is not a multiple of 8
            v8 a = splat(0.0f);
            for (int j = 0; j < t; ++j)
                a += load(sc + j * 8) * splat(v[(std::size_t)j * ld + d]);
            a *= inv;
            for (int i = 0; i < lanes; ++i)
                out[(std::size_t)(b + i) * ldo + d] = a[i];
        }
    }
}

struct Scratch {
    float *h, *n, *qkv, *att, *mlp, *cols, *feat, *tmp, *x0, *logits;
};

//! Carves the scratch area (at `s`; nullptr only counts) into the activations of FRAMES
//! frames; returns the floats used.
std::size_t carve(const ModelView& m, float* s, Scratch* c)
{
    const std::size_t rows = (std::size_t)FRAMES * m.tokens;
    const std::size_t tp = (m.tokens + 7) & ~7;
    const std::size_t sizes[10] = {
        rows * m.ld_dim, rows * m.ld_dim, rows * m.ld_qkv, rows * m.ld_dim, rows * m.ld_mlp,
        (std::size_t)FRAMES * (m.window / m.patch) * m.channels * m.span,
        (std::size_t)m.channels * (m.window + m.span - m.patch),
        // attend: (hd + 1) * tp; attend_all: hd * tp + 8 * tokens
        (std::size_t)(m.dim / m.heads + 1) * tp + 8 * (std::size_t)(m.tokens + m.dim / m.heads),
        (std::size_t)FRAMES * m.ld_dim, (std::size_t)FRAMES * m.ld_classes };
    float** slots[10] = { &c->h, &c->n, &c->qkv, &c->att, &c->mlp, &c->cols, &c->feat, &c->tmp,
                          &c->x0, &c->logits };
    std::size_t used = 0;
    for (int i = 0; i < 10; ++i) {
        if (s)
            *slots[i] = s + used;
        used += (sizes[i] + 15) & ~(std::size_t)15;   // 64-byte steps
    }
    return used;
}

//! Normalised features of one frame into `feat` (channels rows of window + span - patch,
//! zero padded at both ends), then its token rows (im2col) into `cols`.
void embed_input(const ModelView& m, const float* iq, float* feat, float* cols)
{
    const int w = m.window, pad = (m.span - m.patch) / 2, lw = w + m.span - m.patch;
    std::memset(feat, 0, sizeof(float) * m.channels * lw);
    float acc = 0.0f;
    if (m.normalization == 0) {
        // mean power: the interleaved I/Q squares summed in vectors (no serial chain)
        v8 s[4] = { splat(0.0f), splat(0.0f), splat(0.0f), splat(0.0f) };
        int i = 0;
        for (; i + 32 <= 2 * w; i += 32)
            for (int u = 0; u < 4; ++u) {
                const v8 x = load(iq + i + 8 * u);
                s[u] += x * x;
            }
        acc = hsum((s[0] + s[1]) + (s[2] + s[3]));
        for (; i < 2 * w; ++i)
            acc += iq[i] * iq[i];
        acc = __builtin_sqrtf(acc / w);
    } else {
        for (int i = 0; i < w; ++i)
            acc += __builtin_sqrtf(iq[2 * i] * iq[2 * i] + iq[2 * i + 1] * iq[2 * i + 1]);
    }
    const float inv = 1.0f / (acc + 1e-12f);
    float* fa = feat + pad;
    float* fb = feat + lw + pad;
    for (int i = 0; i < w; ++i) {
        fa[i] = iq[2 * i] * inv;
        fb[i] = iq[2 * i + 1] * inv;
    }
    if (m.channels == 6) {
        // the same magnitude with the phase doubled and quadrupled, 8 samples at a time
        float* c2o = feat + 2 * lw + pad;
        float* s2o = feat + 3 * lw + pad;
        float* c4o = feat + 4 * lw + pad;
        float* s4o = feat + 5 * lw + pad;
        int i = 0;
        for (; i + 8 <= w; i += 8) {
            const v8 a = load(fa + i), b = load(fb + i);
            v8 mag = vsqrt(a * a + b * b);
            mag = mag > splat(1e-6f) ? mag : splat(1e-6f);
            const v8 r2 = splat(1.0f) / (mag * mag);
            const v8 c2 = (a * a - b * b) * r2, s2 = splat(2.0f) * a * b * r2;
            store(c2o + i, mag * c2);
            store(s2o + i, mag * s2);
            store(c4o + i, mag * (c2 * c2 - s2 * s2));
            store(s4o + i, mag * (splat(2.0f) * c2 * s2));
        }
        for (; i < w; ++i) {
            const float a = fa[i], b = fb[i];
            float mag = __builtin_sqrtf(a * a + b * b);
            mag = mag > 1e-6f ? mag : 1e-6f;
            const float r2 = 1.0f / (mag * mag);
            const float c2 = (a * a - b * b) * r2, s2 = 2.0f * a * b * r2;
            c2o[i] = mag * c2;
            s2o[i] = mag * s2;
            c4o[i] = mag * (c2 * c2 - s2 * s2);
            s4o[i] = mag * (2.0f * c2 * s2);
        }
    }
    const int patches = w / m.patch, row = m.channels * m.span;
    for (int t = 0; t < patches; ++t)
        for (int c = 0; c < m.channels; ++c)
            std::memcpy(cols + (std::size_t)t * row + c * m.span, feat + c * lw + t * m.patch,
                        sizeof(float) * m.span);
}

void forward_chunk(const ModelView& m, const float* iq, int frames, float* out, bool logits,
                   const Scratch& s)
{
    const int t = m.tokens, d = m.dim, hd = m.dim / m.heads, patches = m.window / m.patch;
    const int rows = frames * t;
    const float scale = 1.0f / __builtin_sqrtf((float)hd);
    for (int f = 0; f < frames; ++f) {
        float* cols = s.cols + (std::size_t)f * patches * m.channels * m.span;
        embed_input(m, iq + (std::size_t)f * 2 * m.window, s.feat, cols);
        std::memcpy(s.h + (std::size_t)f * t * m.ld_dim, m.start, sizeof(float) * t * m.ld_dim);
        gemm(cols, m.channels * m.span, patches, m.embed, s.h + ((std::size_t)f * t + 1) * m.ld_dim,
             m.ld_dim, ADD);
    }
    for (int li = 0; li < m.depth; ++li) {
        const Layer& l = m.layers[li];
        layernorm(s.h, m.ld_dim, rows, d, l.norm1, s.n, m.ld_dim);
        if (li + 1 < m.depth) {
            gemm(s.n, m.ld_dim, rows, l.qkv, s.qkv, m.ld_qkv, PLAIN);
            for (int f = 0; f < frames; ++f)
                for (int h = 0; h < m.heads; ++h) {
                    const float* base = s.qkv + (std::size_t)f * t * m.ld_qkv + h * hd;
                    attend_all(base, base + d, base + 2 * d, m.ld_qkv, t, hd, scale,
                               s.att + (std::size_t)f * t * m.ld_dim + h * hd, m.ld_dim, s.tmp);
                }
            gemm(s.att, m.ld_dim, rows, l.proj, s.h, m.ld_dim, ADD);
            layernorm(s.h, m.ld_dim, rows, d, l.norm2, s.n, m.ld_dim);
            gemm(s.n, m.ld_dim, rows, l.mlp1, s.mlp, m.ld_mlp, GELU);
            gemm(s.mlp, m.ld_mlp, rows, l.mlp2, s.h, m.ld_dim, ADD);
        } else {
            // only the class token reaches the head: its query against every key and value
            float* q0 = s.att;                           // frames x ld_dim
            float* a0 = s.att + (std::size_t)frames * m.ld_dim;
            gemm(s.n, m.ld_dim, rows, l.kv, s.qkv, m.ld_kv, PLAIN);
            gemm(s.n, t * m.ld_dim, frames, l.q, q0, m.ld_dim, PLAIN);
            for (int f = 0; f < frames; ++f) {
                for (int h = 0; h < m.heads; ++h) {
                    const float* kv = s.qkv + (std::size_t)f * t * m.ld_kv + h * hd;
                    attend(q0 + (std::size_t)f * m.ld_dim + h * hd, m.ld_dim, 1, kv, kv + d,
                           m.ld_kv, t, hd, scale, a0 + (std::size_t)f * m.ld_dim + h * hd,
                           m.ld_dim, s.tmp);
                }
                std::memcpy(s.x0 + (std::size_t)f * m.ld_dim, s.h + (std::size_t)f * t * m.ld_dim,
                            sizeof(float) * m.ld_dim);
            }
            gemm(a0, m.ld_dim, frames, l.proj, s.x0, m.ld_dim, ADD);
            layernorm(s.x0, m.ld_dim, frames, d, l.norm2, s.n, m.ld_dim);
            gemm(s.n, m.ld_dim, frames, l.mlp1, s.mlp, m.ld_mlp, GELU);
            gemm(s.mlp, m.ld_mlp, frames, l.mlp2, s.x0, m.ld_dim, ADD);
        }
    }
    layernorm(s.x0, m.ld_dim, frames, d, m.norm, s.n, m.ld_dim);
    gemm(s.n, m.ld_dim, frames, m.head, s.logits, m.ld_classes, PLAIN);
    for (int f = 0; f < frames; ++f) {
        const float* z = s.logits + (std::size_t)f * m.ld_classes;
        float* o = out + (std::size_t)f * m.classes;
        if (logits) {
            std::memcpy(o, z, sizeof(float) * m.classes);
            continue;
        }
        float mx = z[0];
        for (int c = 1; c < m.classes; ++c)
            mx = z[c] > mx ? z[c] : mx;
        float sum = 0.0f;
        for (int c = 0; c < m.classes; ++c)
            sum += (o[c] = __builtin_expf(z[c] - mx));
        for (int c = 0; c < m.classes; ++c)
            o[c] /= sum;
    }
}

} // namespace

std::size_t scratch_floats(const ModelView& m)
{
    Scratch s;
    return carve(m, nullptr, &s);
}

void forward(const ModelView& m, const float* iq, int frames, float* out, bool logits,
             float* scratch)
{
    Scratch s;
    carve(m, scratch, &s);
    for (int f = 0; f < frames; f += FRAMES) {
        const int n = frames - f < FRAMES ? frames - f : FRAMES;
        forward_chunk(m, iq + (std::size_t)f * 2 * m.window, n, out + (std::size_t)f * m.classes,
                      logits, s);
    }
}

} // namespace ROBUSTAMC_ISA
} // namespace robustamc_engine
