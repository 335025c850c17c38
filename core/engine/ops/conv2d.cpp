// Conv2D: packing (weights [cin][kh][kw][cout], the fan-out table of every input
// position), the scatter/gather kernels and their scalar reference, the operator entry.
#include <brisk/core/engine/ops/conv2d.hpp>

#include <algorithm>

#include <brisk/core/base/isa.hpp>
#include <brisk/core/engine/ops/axpy.hpp>
#include <brisk/core/engine/ops/kernels_isa.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::kernels {

ConvTaps make_conv_taps(const ConvGeom& g) {
  ConvTaps t;
  t.pos_of.resize(static_cast<std::size_t>(g.in_h) * g.in_w * g.cin);
  for (std::size_t i = 0; i < t.pos_of.size(); ++i) t.pos_of[i] = static_cast<std::int32_t>(i / static_cast<std::size_t>(g.cin));
  t.start.push_back(0);
  for (int y = 0; y < g.in_h; ++y)
    for (int x = 0; x < g.in_w; ++x) {
      for (int ky = 0; ky < g.kh; ++ky) {
        const int ny = y + g.pad_top - ky;
        if (ny < 0 || ny % g.sh != 0 || ny / g.sh >= g.out_h) continue;
        for (int kx = 0; kx < g.kw; ++kx) {
          const int nx = x + g.pad_left - kx;
          if (nx < 0 || nx % g.sw != 0 || nx / g.sw >= g.out_w) continue;
          t.out.push_back(((ny / g.sh) * g.out_w + nx / g.sw) * g.cout);
          t.w.push_back((ky * g.kw + kx) * g.cout);
        }
      }
      t.start.push_back(static_cast<std::int32_t>(t.out.size()));
    }
  return t;
}

namespace {

// 16 floats as one value (GCC vector extension): one AVX-512 register, two AVX2 or four
// SSE registers depending on the variant.
typedef float V16 __attribute__((vector_size(64)));

// The scatter body; CO > 0 fixes cout at compile time (fully unrolled vector adds for the
// common widths), CO == 0 reads it from the geometry. The bodies are always_inline: each
// is compiled into the baseline, AVX2 and AVX-512 variants (BRISK_CONV_VARIANTS, below).
template <int CO>
__attribute__((always_inline)) inline void conv_scatter_body(
    float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
    const float* weight, const ConvGeom& g, const ConvTaps& taps) {
  const int co = CO > 0 ? CO : g.cout;
  const std::size_t slice = static_cast<std::size_t>(g.kh) * g.kw * static_cast<std::size_t>(co);
  const std::int32_t* pos_of = taps.pos_of.data();
  const std::int32_t* start = taps.start.data();
  const std::int32_t* out = taps.out.data();
  const std::int32_t* wo = taps.w.data();
  if constexpr (CO > 0 && CO % 16 == 0) {
    // Events at the same input position (a run of consecutive ids) share their targets:
    // each target vector is loaded once, receives the run's events in id order in
    // registers, and is stored once. Every target still sees the same additions in the
    // same order as event by event, so the result is bitwise the same. The taps of a
    // position have distinct targets, so G of them are accumulated together: about 8
    // independent add chains (one chain per target would wait on the add latency).
    constexpr int NV = CO / 16;
    const std::size_t n = ids.size();
    // C: the G taps are consecutive in (ky, kx) order (wo[k + t] = wo[k] + t * CO, as in
    // a window's interior rows): the weights are at fixed offsets from one pointer.
    auto taps_of_run = [&]<int G, bool C>(std::size_t e, std::size_t end, int pos, int k) {
      float* dst[G];
      V16 acc[G][NV];
      for (int t = 0; t < G; ++t) {
        dst[t] = v + out[k + t];
        for (int j = 0; j < NV; ++j) __builtin_memcpy(&acc[t][j], dst[t] + 16 * j, sizeof(V16));
      }
      const float* base = weight + (C ? wo[k] : 0);
      const int first = pos * g.cin;  // the position's first id
      for (std::size_t r = e; r < end; ++r) {
        const float* src = base + static_cast<std::size_t>(ids[r] - first) * slice;
        const V16 pv = V16{} + payload[r];
        for (int t = 0; t < G; ++t)
          for (int j = 0; j < NV; ++j) {
            V16 wv;
            __builtin_memcpy(&wv, src + (C ? t * CO : wo[k + t]) + 16 * j, sizeof(V16));
            acc[t][j] += pv * wv;  // p*w + v: 1*w == w and v + (-1*w) == v - w exactly
          }
      }
      for (int t = 0; t < G; ++t)
        for (int j = 0; j < NV; ++j) __builtin_memcpy(dst[t] + 16 * j, &acc[t][j], sizeof(V16));
    };
    // Group sizes tried in turn (a 3x3 window's 9 taps in one or two groups).
    constexpr int G1 = NV == 1 ? 9 : NV == 2 ? 5 : 3, G2 = NV == 1 ? 4 : NV == 2 ? 4 : 2;
    for (std::size_t e = 0; e < n;) {
      const int pos = pos_of[ids[e]];
      std::size_t end = e + 1;
      while (end < n && pos_of[ids[end]] == pos) ++end;
      int k = start[pos];
      const int k1 = start[pos + 1];
      auto consecutive = [&](int G) { return wo[k + G - 1] - wo[k] == (G - 1) * CO; };
      for (; k + G1 <= k1; k += G1)
        if (consecutive(G1)) taps_of_run.template operator()<G1, true>(e, end, pos, k);
        else taps_of_run.template operator()<G1, false>(e, end, pos, k);
      for (; k + G2 <= k1; k += G2)
        if (consecutive(G2)) taps_of_run.template operator()<G2, true>(e, end, pos, k);
        else taps_of_run.template operator()<G2, false>(e, end, pos, k);
      for (; k + 2 <= k1; k += 2) taps_of_run.template operator()<2, false>(e, end, pos, k);
      for (; k < k1; ++k) taps_of_run.template operator()<1, true>(e, end, pos, k);
      e = end;
    }
    return;
  }
  for (std::size_t e = 0; e < ids.size(); ++e) {
    const int pos = pos_of[ids[e]];
    const int c = ids[e] - pos * g.cin;
    const float* wc = weight + static_cast<std::size_t>(c) * slice;
    const float p = payload[e];
    for (int k = start[pos]; k < start[pos + 1]; ++k) axpy(v + out[k], p, wc + wo[k], co);
  }
}

}  // namespace

// Literal definition: every output position checks whether its window holds the event.
void conv_scatter_ref(float* v, std::span<const std::int32_t> ids,
                      std::span<const float> payload, const float* weight, const ConvGeom& g) {
  for (std::size_t e = 0; e < ids.size(); ++e) {
    const int pos = ids[e] / g.cin, c = ids[e] % g.cin;
    const int y = pos / g.in_w, x = pos % g.in_w;
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ky = y - (oy * g.sh - g.pad_top), kx = x - (ox * g.sw - g.pad_left);
        if (ky < 0 || ky >= g.kh || kx < 0 || kx >= g.kw) continue;
        for (int o = 0; o < g.cout; ++o) {
          float& t = v[(static_cast<std::size_t>(oy) * g.out_w + ox) * g.cout + o];
          t = t + payload[e] * weight[((static_cast<std::size_t>(c) * g.kh + ky) * g.kw + kx) * g.cout + o];
        }
      }
  }
}

// Gather form: for each output, its window's inputs in increasing input id order (the
// order in which the scatter twin visits a step's events). The output vector is
// accumulated in a local array (registers for the common widths) from its current value,
// so every target sees the same sequence of float additions as under scatter.
namespace {

// P output positions of one output row (x = ox0, ox0 + 1, ...) whose windows all hold
// the taps kx in [kx0, kx1): the P x NV output vectors stay in registers while the window's
// inputs stream by in increasing id order (ky, kx, channel), each weight vector loaded
// once for the P positions. Every input, zero or not, is multiplied and added (mul, then
// add, as the scatter does): a zero input adds 0 * w, which changes no value (at most the
// sign of a zero sum), so every output sees the scatter's additions in the scatter's order.
template <int CO, int P>
__attribute__((always_inline)) inline void conv_gather_run(float* v, const float* x,
                                                           const float* weight, const ConvGeom& g,
                                                           int oy, int ox0, int kx0, int kx1) {
  constexpr int NV = CO / 16;
  const std::size_t slice = static_cast<std::size_t>(g.kh) * g.kw * CO;
  const std::size_t step = static_cast<std::size_t>(g.sw) * g.cin;  // input stride between positions
  float* dst = v + (static_cast<std::size_t>(oy) * g.out_w + ox0) * CO;
  V16 acc[P][NV];
  _Pragma("GCC unroll 16") for (int q = 0; q < P; ++q)
    _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) __builtin_memcpy(&acc[q][j], dst + q * CO + 16 * j, sizeof(V16));
  for (int ky = 0; ky < g.kh; ++ky) {
    const int y = oy * g.sh - g.pad_top + ky;
    if (y < 0 || y >= g.in_h) continue;
    for (int kx = kx0; kx < kx1; ++kx) {
      const float* in = x + (static_cast<std::size_t>(y) * g.in_w + (ox0 * g.sw - g.pad_left + kx)) * g.cin;
      const float* wk = weight + static_cast<std::size_t>(ky * g.kw + kx) * CO;
      for (int c = 0; c < g.cin; ++c, wk += slice) {
        V16 wv[NV];
        _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) __builtin_memcpy(&wv[j], wk + 16 * j, sizeof(V16));
        _Pragma("GCC unroll 16") for (int q = 0; q < P; ++q) {
          // x in every lane: one broadcast (V16{} + x would add 0 first, an extra op)
          const float f = in[q * step + static_cast<std::size_t>(c)];
          const V16 xv = {f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f};
          _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) acc[q][j] += xv * wv[j];
        }
      }
    }
  }
  _Pragma("GCC unroll 16") for (int q = 0; q < P; ++q)
    _Pragma("GCC unroll 4") for (int j = 0; j < NV; ++j) __builtin_memcpy(dst + q * CO + 16 * j, &acc[q][j], sizeof(V16));
}

// One input channel, a 3x3 window, stride 1, 16 outputs (a network's first layer on a
// grey image): the 9 weight vectors stay in registers and each output position takes its
// 9 inputs in (ky, kx) order, as conv_gather_run does. Interior positions only (every tap
// inside the input): [y0, y1) x [x0, x1).
__attribute__((always_inline)) inline void conv_gather_c1k3(float* v, const float* x,
                                                           const float* weight, const ConvGeom& g,
                                                           int y0, int y1, int x0, int x1) {
  V16 wv[9];
  _Pragma("GCC unroll 9") for (int t = 0; t < 9; ++t) __builtin_memcpy(&wv[t], weight + 16 * t, sizeof(V16));
  for (int oy = y0; oy < y1; ++oy) {
    const float* r0 = x + static_cast<std::size_t>(oy - g.pad_top) * g.in_w - g.pad_left;
    const float* r1 = r0 + g.in_w;
    const float* r2 = r1 + g.in_w;
    float* dst = v + (static_cast<std::size_t>(oy) * g.out_w) * 16;
    for (int ox = x0; ox < x1; ++ox) {
      V16 acc;
      __builtin_memcpy(&acc, dst + 16 * ox, sizeof(V16));
      const float in[9] = {r0[ox], r0[ox + 1], r0[ox + 2], r1[ox], r1[ox + 1], r1[ox + 2],
                           r2[ox], r2[ox + 1], r2[ox + 2]};
      _Pragma("GCC unroll 9") for (int t = 0; t < 9; ++t) {
        const float f = in[t];
        const V16 xv = {f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f};
        acc += xv * wv[t];
      }
      __builtin_memcpy(dst + 16 * ox, &acc, sizeof(V16));
    }
  }
}

template <int CO>
__attribute__((always_inline)) inline void conv_gather_body(float* v, const float* x,
                                                            const float* weight,
                                                            const ConvGeom& g) {
  if constexpr (CO == 16) {
    if (g.cin == 1 && g.kh == 3 && g.kw == 3 && g.sh == 1 && g.sw == 1 && g.pad_top <= 1 &&
        g.pad_left <= 1) {
      // interior rows / columns: every tap inside the input
      const int y0 = g.pad_top, x0 = g.pad_left;
      const int y1 = std::max(y0, std::min(g.out_h, g.in_h - 2 + g.pad_top));
      const int x1 = std::max(x0, std::min(g.out_w, g.in_w - 2 + g.pad_left));
      conv_gather_c1k3(v, x, weight, g, y0, y1, x0, x1);
      auto edge = [&](int oy, int ox) {
        int kx0 = 0, kx1 = 3;
        while (kx0 < kx1 && ox - g.pad_left + kx0 < 0) ++kx0;
        while (kx1 > kx0 && ox - g.pad_left + kx1 - 1 >= g.in_w) --kx1;
        conv_gather_run<16, 1>(v, x, weight, g, oy, ox, kx0, kx1);
      };
      for (int oy = 0; oy < g.out_h; ++oy)
        for (int ox = 0; ox < g.out_w; ++ox)
          if (oy < y0 || oy >= y1 || ox < x0 || ox >= x1) edge(oy, ox);
      return;
    }
  }
  if constexpr (CO > 0 && CO % 16 == 0) {
    // Register-blocked over positions: the P x NV accumulators, NV weight vectors and one
    // broadcast input fit in the 32 AVX-512 registers.
    constexpr int P = CO == 16 ? 8 : CO == 32 ? 6 : 4;
    // Output columns whose window lies inside the input row: [lo, hi).
    int lo = 0, hi = g.out_w;
    while (lo < g.out_w && lo * g.sw - g.pad_left < 0) ++lo;
    while (hi > lo && (hi - 1) * g.sw - g.pad_left + g.kw > g.in_w) --hi;
    auto edge = [&](int oy, int ox) {  // one column with the taps inside the input
      int kx0 = 0, kx1 = g.kw;
      while (kx0 < kx1 && ox * g.sw - g.pad_left + kx0 < 0) ++kx0;
      while (kx1 > kx0 && ox * g.sw - g.pad_left + kx1 - 1 >= g.in_w) --kx1;
      conv_gather_run<CO, 1>(v, x, weight, g, oy, ox, kx0, kx1);
    };
    for (int oy = 0; oy < g.out_h; ++oy) {
      int ox = 0;
      for (; ox < std::min(lo, g.out_w); ++ox) edge(oy, ox);
      for (; ox + P <= hi; ox += P) conv_gather_run<CO, P>(v, x, weight, g, oy, ox, 0, g.kw);
      for (; ox + 2 <= hi; ox += 2) conv_gather_run<CO, 2>(v, x, weight, g, oy, ox, 0, g.kw);
      for (; ox < hi; ++ox) conv_gather_run<CO, 1>(v, x, weight, g, oy, ox, 0, g.kw);
      for (; ox < g.out_w; ++ox) edge(oy, ox);
    }
    return;
  }
  const int co = CO > 0 ? CO : g.cout;
  float acc[CO > 0 ? CO : 1];
  for (int oy = 0; oy < g.out_h; ++oy)
    for (int ox = 0; ox < g.out_w; ++ox) {
      float* dst = v + (static_cast<std::size_t>(oy) * g.out_w + ox) * co;
      float* a = CO > 0 ? acc : dst;
      if (CO > 0)
        for (int o = 0; o < co; ++o) a[o] = dst[o];
      for (int ky = 0; ky < g.kh; ++ky) {
        const int y = oy * g.sh - g.pad_top + ky;
        if (y < 0 || y >= g.in_h) continue;
        for (int kx = 0; kx < g.kw; ++kx) {
          const int xx = ox * g.sw - g.pad_left + kx;
          if (xx < 0 || xx >= g.in_w) continue;
          const float* in = x + (static_cast<std::size_t>(y) * g.in_w + xx) * g.cin;
          for (int c = 0; c < g.cin; ++c)
            if (in[c] != 0.0f)
              axpy(a, in[c], weight + ((static_cast<std::size_t>(c) * g.kh + ky) * g.kw + kx) * co, co);
        }
      }
      if (CO > 0)
        for (int o = 0; o < co; ++o) dst[o] = a[o];
    }
}

// The variants of both kernels for one target (ATTR) and name suffix: cout picks an
// instantiation of the body, all compiled for that target. Each instantiation stays a
// function of its own (as under the former target_clones): merged into one, GCC
// allocates the register-blocked loop less well (about 0.7% more instructions).
#define BRISK_CONV_VARIANTS(ATTR, SUFFIX)                                                       \
  template <int CO>                                                                            \
  ATTR __attribute__((noinline)) void conv_scatter_##SUFFIX##_co(                              \
      float* v, std::span<const std::int32_t> ids, std::span<const float> payload,             \
      const float* weight, const ConvGeom& g, const ConvTaps& taps) {                          \
    conv_scatter_body<CO>(v, ids, payload, weight, g, taps);                                   \
  }                                                                                            \
  ATTR void conv_scatter_##SUFFIX(float* v, std::span<const std::int32_t> ids,                 \
                                  std::span<const float> payload, const float* weight,         \
                                  const ConvGeom& g, const ConvTaps& taps) {                   \
    switch (g.cout) {                                                                          \
      case 16: return conv_scatter_##SUFFIX##_co<16>(v, ids, payload, weight, g, taps);        \
      case 32: return conv_scatter_##SUFFIX##_co<32>(v, ids, payload, weight, g, taps);        \
      case 64: return conv_scatter_##SUFFIX##_co<64>(v, ids, payload, weight, g, taps);        \
      default: return conv_scatter_##SUFFIX##_co<0>(v, ids, payload, weight, g, taps);         \
    }                                                                                          \
  }                                                                                            \
  template <int CO>                                                                            \
  ATTR __attribute__((noinline)) void conv_gather_##SUFFIX##_co(                               \
      float* v, const float* x, const float* weight, const ConvGeom& g) {                      \
    conv_gather_body<CO>(v, x, weight, g);                                                     \
  }                                                                                            \
  ATTR void conv_gather_##SUFFIX(float* v, const float* x, const float* weight,                \
                                 const ConvGeom& g) {                                          \
    switch (g.cout) {                                                                          \
      case 16: return conv_gather_##SUFFIX##_co<16>(v, x, weight, g);                          \
      case 32: return conv_gather_##SUFFIX##_co<32>(v, x, weight, g);                          \
      case 64: return conv_gather_##SUFFIX##_co<64>(v, x, weight, g);                          \
      default: return conv_gather_##SUFFIX##_co<0>(v, x, weight, g);                           \
    }                                                                                          \
  }

BRISK_CONV_VARIANTS(, baseline)
#if BRISK_ISA_VARIANTS
BRISK_CONV_VARIANTS(BRISK_TARGET_AVX2, avx2)
BRISK_CONV_VARIANTS(BRISK_TARGET_AVX512, avx512)
#endif
#undef BRISK_CONV_VARIANTS

}  // namespace

const IsaTable<ConvScatterFn> conv_scatter_variants =
    BRISK_ISA_TABLE(conv_scatter_baseline, conv_scatter_avx2, conv_scatter_avx512);
const IsaTable<ConvGatherFn> conv_gather_variants =
    BRISK_ISA_TABLE(conv_gather_baseline, conv_gather_avx2, conv_gather_avx512);

// The public kernels: the best variant for this CPU, chosen once.
void conv_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                  const float* weight, const ConvGeom& g, const ConvTaps& taps) {
  static const ConvScatterFn best = conv_scatter_variants.best();
  best(v, ids, payload, weight, g, taps);
}

void conv_gather(float* v, const float* x, const float* weight, const ConvGeom& g) {
  static const ConvGatherFn best = conv_gather_variants.best();
  best(v, x, weight, g);
}

// Cost per call in ns, fitted on the bundled ResNet's layers (Zen 4, 1 thread, CPU
// time; brisk bench --kernel sparse|dense): scatter 0.33 per delivered 16-float vector
// plus 15 per input position with events (the run's setup and its mispredicted exits);
// blocked gather 0.28 per vector of every output's window (2.4x that with one input
// channel, whose inner loop is one tap long) plus 0.55 per event (filling and clearing
// the dense input).
float conv_dense_above(const ConvGeom& g, const ConvTaps& taps) {
  if (g.cout % 16 != 0 || g.cout > 64) return -1.0f;
  const double nv = g.cout / 16.0, positions = static_cast<double>(g.in_h) * g.in_w;
  const double taps_per_input = static_cast<double>(taps.out.size()) / positions;
  const double window = static_cast<double>(g.out_h) * g.out_w * g.kh * g.kw * g.cin * nv;
  const double gather_fixed = 0.28 * window * (g.cin == 1 ? 2.4 : 1.0);
  for (int i = 1; i <= 64; ++i) {
    const double d = i / 64.0, events = d * positions * g.cin;
    const double scatter = 0.33 * events * taps_per_input * nv + 15.0 * std::min(positions, events);
    if (gather_fixed + 0.55 * events <= scatter) return static_cast<float>(d);
  }
  return -1.0f;
}

}  // namespace brisk::kernels

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
  set_window(l, in, p);
  const int co = l.weight_shape.at(0), ci = l.weight_shape.at(1);
  if (ci != in.c || co != p.c) fail(l, "Conv2D channel mismatch");
  p.weight.resize(l.weight.size());
  for (int o = 0; o < co; ++o)
    for (int c = 0; c < ci; ++c)
      for (int y = 0; y < p.kh; ++y)
        for (int x = 0; x < p.kw; ++x)
          p.weight[((static_cast<std::size_t>(c) * p.kh + y) * p.kw + x) * co + o] =
              l.weight[((static_cast<std::size_t>(o) * ci + c) * p.kh + y) * p.kw + x];
  window_fanout(in, p, co);
  p.taps = kernels::make_conv_taps(p.geom());
  p.dense_above = kernels::conv_dense_above(p.geom(), p.taps);
  p.macs = p.size() * static_cast<std::size_t>(p.in_c) * p.kh * p.kw;
}

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  const std::size_t n = ev.ids.size();
  const kernels::ConvGeom g = c.p.geom();
  if (c.dense && c.dense_x) {
    kernels::conv_gather(target, c.dense_x, c.p.weight.data(), g);
  } else if (c.dense) {
    for (std::size_t e = 0; e < n; ++e) c.dense_in[static_cast<std::size_t>(ev.ids[e])] = ev.pay[e];
    kernels::conv_gather(target, c.dense_in, c.p.weight.data(), g);
    for (std::size_t e = 0; e < n; ++e) c.dense_in[static_cast<std::size_t>(ev.ids[e])] = 0.0f;
  } else {
    kernels::conv_scatter(target, ev.ids, ev.pay, c.p.weight.data(), g, c.p.taps);
  }
  std::uint64_t sops = 0;
  if (c.count)
    for (std::size_t e = 0; e < n; ++e) sops += c.p.fanout[static_cast<std::size_t>(ev.ids[e])];
  return sops;
}

}  // namespace

const OpTraits kConv2D{KernelKind::Conv2D, "Conv2D", pack, integrate};

}  // namespace brisk::ops
