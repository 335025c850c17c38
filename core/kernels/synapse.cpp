#include "core/kernels/synapse.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

namespace brisk::kernels {

// Function multi-versioning: one clone per ISA, chosen once at load time. Sanitizer
// builds keep a single version (ifunc resolvers run before the sanitizer runtime).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define BRISK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define BRISK_HAVE_AVX512 1
#else
#define BRISK_HAVE_AVX512 0
#define BRISK_CLONES
#endif

namespace {

// dst[0..n) += p * src[0..n). Payloads +-1 skip the multiply (p*w == w exactly, so the
// result is the same as the general path).
inline void axpy(float* __restrict dst, float p, const float* __restrict src, int n) {
  if (p == 1.0f) {
    for (int o = 0; o < n; ++o) dst[o] += src[o];
  } else if (p == -1.0f) {
    for (int o = 0; o < n; ++o) dst[o] -= src[o];
  } else {
    for (int o = 0; o < n; ++o) dst[o] += p * src[o];
  }
}

}  // namespace

BRISK_CLONES
void dense_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                   const float* weight, int out) {
  for (std::size_t e = 0; e < ids.size(); ++e)
    axpy(v, payload[e], weight + static_cast<std::size_t>(ids[e]) * out, out);
}

void dense_scatter_ref(float* v, std::span<const std::int32_t> ids,
                       std::span<const float> payload, const float* weight, int out) {
  for (std::size_t e = 0; e < ids.size(); ++e)
    for (int o = 0; o < out; ++o)
      v[o] = v[o] + payload[e] * weight[static_cast<std::size_t>(ids[e]) * out + o];
}

BRISK_CLONES
void dense_gather(float* v, const float* x, int in, const float* weight, int out) {
  for (int i = 0; i < in; ++i)
    if (x[i] != 0.0f) axpy(v, x[i], weight + static_cast<std::size_t>(i) * out, out);
}

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
// SSE registers depending on the clone.
typedef float V16 __attribute__((vector_size(64)));

// The scatter body; CO > 0 fixes cout at compile time (fully unrolled vector adds for the
// common widths), CO == 0 reads it from the geometry.
template <int CO>
BRISK_CLONES void conv_scatter_body(float* v, std::span<const std::int32_t> ids,
                                    std::span<const float> payload, const float* weight,
                                    const ConvGeom& g, const ConvTaps& taps) {
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
    // same order as event by event, so the result is bitwise the same.
    constexpr int NV = CO / 16;
    const std::size_t n = ids.size();
    for (std::size_t e = 0; e < n;) {
      const int pos = pos_of[ids[e]];
      std::size_t end = e + 1;
      while (end < n && pos_of[ids[end]] == pos) ++end;
      for (int k = start[pos]; k < start[pos + 1]; ++k) {
        float* dst = v + out[k];
        V16 acc[NV];
        for (int j = 0; j < NV; ++j) __builtin_memcpy(&acc[j], dst + 16 * j, sizeof(V16));
        for (std::size_t r = e; r < end; ++r) {
          const float* src = weight + static_cast<std::size_t>(ids[r] - pos * g.cin) * slice + wo[k];
          const V16 pv = V16{} + payload[r];
          for (int j = 0; j < NV; ++j) {
            V16 wv;
            __builtin_memcpy(&wv, src + 16 * j, sizeof(V16));
            acc[j] += pv * wv;  // p*w + v: 1*w == w and v + (-1*w) == v - w exactly
          }
        }
        for (int j = 0; j < NV; ++j) __builtin_memcpy(dst + 16 * j, &acc[j], sizeof(V16));
      }
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

void conv_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                  const float* weight, const ConvGeom& g, const ConvTaps& taps) {
  switch (g.cout) {
    case 16: return conv_scatter_body<16>(v, ids, payload, weight, g, taps);
    case 32: return conv_scatter_body<32>(v, ids, payload, weight, g, taps);
    case 64: return conv_scatter_body<64>(v, ids, payload, weight, g, taps);
    default: return conv_scatter_body<0>(v, ids, payload, weight, g, taps);
  }
}

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

template <int CO>
BRISK_CLONES void conv_gather_body(float* v, const float* x, const float* weight,
                                   const ConvGeom& g) {
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

}  // namespace

void conv_gather(float* v, const float* x, const float* weight, const ConvGeom& g) {
  switch (g.cout) {
    case 16: return conv_gather_body<16>(v, x, weight, g);
    case 32: return conv_gather_body<32>(v, x, weight, g);
    case 64: return conv_gather_body<64>(v, x, weight, g);
    default: return conv_gather_body<0>(v, x, weight, g);
  }
}

BRISK_CLONES
void add_into(float* v, const float* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) v[i] += a[i];
}

}  // namespace brisk::kernels

namespace brisk::kernels {

namespace {

// Portable path: vectorized test per row, then a branch-free compaction of its neurons.
template <bool Both>
BRISK_CLONES std::size_t at_threshold_generic(const float* v, const float* theta, int channels,
                                              std::size_t rows, std::int32_t* out) {
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = v + r * static_cast<std::size_t>(channels);
    int hit = 0;
    for (int c = 0; c < channels; ++c) hit |= (row[c] >= theta[c]) | (Both & (row[c] <= -theta[c]));
    if (!hit) continue;
    const auto base = static_cast<std::int32_t>(r * static_cast<std::size_t>(channels));
    for (int c = 0; c < channels; ++c) {
      out[n] = base + c;
      n += static_cast<std::size_t>((row[c] >= theta[c]) | (Both & (row[c] <= -theta[c])));
    }
  }
  return n;
}

#if BRISK_HAVE_AVX512
// AVX-512: 16 comparisons give a mask; the firing ids are compressed in a register and
// stored as a full vector (the memory form of vpcompressd is microcoded and slow on AMD
// Zen 4), hence the 16 spare entries `out` needs.
__attribute__((target("avx512f,popcnt"))) std::size_t at_threshold_avx512(
    const float* v, const float* theta, int channels, std::size_t rows, bool both,
    std::int32_t* out) {
  std::size_t n = 0;
  const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* row = v + r * static_cast<std::size_t>(channels);
    const auto base = static_cast<std::int32_t>(r * static_cast<std::size_t>(channels));
    for (int c = 0; c < channels; c += 16) {
      const int left = channels - c;
      const __mmask16 valid = left >= 16 ? static_cast<__mmask16>(0xFFFF)
                                         : static_cast<__mmask16>((1u << left) - 1u);
      const __m512 x = _mm512_maskz_loadu_ps(valid, row + c);
      const __m512 th = _mm512_maskz_loadu_ps(valid, theta + c);
      __mmask16 fire = _mm512_mask_cmp_ps_mask(valid, x, th, _CMP_GE_OQ);
      if (both)
        fire |= _mm512_mask_cmp_ps_mask(valid, x, _mm512_sub_ps(_mm512_setzero_ps(), th), _CMP_LE_OQ);
      if (!fire) continue;
      const __m512i ids = _mm512_add_epi32(lanes, _mm512_set1_epi32(base + c));
      _mm512_storeu_si512(out + n, _mm512_maskz_compress_epi32(fire, ids));
      n += static_cast<std::size_t>(__builtin_popcount(fire));
    }
  }
  return n;
}
#endif

}  // namespace

std::size_t at_threshold(const float* v, const float* theta, int channels, std::size_t rows,
                         bool both, std::int32_t* out) {
#if BRISK_HAVE_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
  if (avx512) return at_threshold_avx512(v, theta, channels, rows, both, out);
#endif
  return both ? at_threshold_generic<true>(v, theta, channels, rows, out)
              : at_threshold_generic<false>(v, theta, channels, rows, out);
}

std::size_t if_fire_ref(float* v, const float* drive, const float* theta, int channels,
                        std::size_t rows, bool to_zero, std::int32_t* out) {
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r)
    for (int c = 0; c < channels; ++c) {
      const std::size_t i = r * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c);
      if (drive) v[i] = v[i] + drive[i];
      if (v[i] >= theta[c]) {
        v[i] = to_zero ? 0.0f : v[i] - theta[c];
        out[n++] = static_cast<std::int32_t>(i);
      }
    }
  return n;
}

namespace {

// Portable path: blocks of 16 neurons of one row; integrate, fire and reset in a
// vectorizable loop that records the flags, then a branch-free compaction.
template <bool Drive, bool ToZero>
BRISK_CLONES std::size_t if_fire_generic(float* __restrict v, const float* __restrict drive,
                                         const float* __restrict theta, int channels,
                                         std::size_t rows, std::int32_t* __restrict out) {
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = v + r * static_cast<std::size_t>(channels);
    const float* d = Drive ? drive + r * static_cast<std::size_t>(channels) : nullptr;
    const auto base = static_cast<std::int32_t>(r * static_cast<std::size_t>(channels));
    for (int c0 = 0; c0 < channels; c0 += 16) {
      const int m = std::min(16, channels - c0);
      int fired[16];
      int any = 0;
      for (int j = 0; j < m; ++j) {
        float x = row[c0 + j];
        if (Drive) x = x + d[c0 + j];
        const float th = theta[c0 + j];
        fired[j] = x >= th;
        any |= fired[j];
        row[c0 + j] = fired[j] ? (ToZero ? 0.0f : x - th) : x;
      }
      if (!any) continue;
      for (int j = 0; j < m; ++j) {
        out[n] = base + c0 + j;
        n += static_cast<std::size_t>(fired[j]);
      }
    }
  }
  return n;
}

#if BRISK_HAVE_AVX512
// AVX-512: 16 neurons per vector; the reset is a masked subtract (or masked zero) and the
// fired ids are compressed in a register (see at_threshold_avx512).
template <bool Drive, bool ToZero>
__attribute__((target("avx512f,popcnt"))) std::size_t if_fire_avx512(
    float* v, const float* drive, const float* theta, int channels, std::size_t rows,
    std::int32_t* out) {
  std::size_t n = 0;
  const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = v + r * static_cast<std::size_t>(channels);
    const float* d = Drive ? drive + r * static_cast<std::size_t>(channels) : nullptr;
    const auto base = static_cast<std::int32_t>(r * static_cast<std::size_t>(channels));
    for (int c = 0; c < channels; c += 16) {
      const int left = channels - c;
      const __mmask16 valid = left >= 16 ? static_cast<__mmask16>(0xFFFF)
                                         : static_cast<__mmask16>((1u << left) - 1u);
      __m512 x = _mm512_maskz_loadu_ps(valid, row + c);
      if (Drive) x = _mm512_add_ps(x, _mm512_maskz_loadu_ps(valid, d + c));
      const __m512 th = _mm512_maskz_loadu_ps(valid, theta + c);
      const __mmask16 fire = _mm512_mask_cmp_ps_mask(valid, x, th, _CMP_GE_OQ);
      x = ToZero ? _mm512_mask_mov_ps(x, fire, _mm512_setzero_ps())
                 : _mm512_mask_sub_ps(x, fire, x, th);
      _mm512_mask_storeu_ps(row + c, valid, x);
      // No branch on `fire`: about half the vectors fire at typical rates, and a
      // mispredicted branch costs more than the store.
      const __m512i ids = _mm512_add_epi32(lanes, _mm512_set1_epi32(base + c));
      _mm512_storeu_si512(out + n, _mm512_maskz_compress_epi32(fire, ids));
      n += static_cast<std::size_t>(__builtin_popcount(fire));
    }
  }
  return n;
}
#endif

template <bool Drive, bool ToZero>
std::size_t if_fire_dispatch(float* v, const float* drive, const float* theta, int channels,
                             std::size_t rows, std::int32_t* out) {
#if BRISK_HAVE_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
  if (avx512) return if_fire_avx512<Drive, ToZero>(v, drive, theta, channels, rows, out);
#endif
  return if_fire_generic<Drive, ToZero>(v, drive, theta, channels, rows, out);
}

}  // namespace

std::size_t if_fire(float* v, const float* drive, const float* theta, int channels,
                    std::size_t rows, bool to_zero, std::int32_t* out) {
  if (drive)
    return to_zero ? if_fire_dispatch<true, true>(v, drive, theta, channels, rows, out)
                   : if_fire_dispatch<true, false>(v, drive, theta, channels, rows, out);
  return to_zero ? if_fire_dispatch<false, true>(v, drive, theta, channels, rows, out)
                 : if_fire_dispatch<false, false>(v, drive, theta, channels, rows, out);
}

// Reference: step by step through if_fire_ref, bits from its ids.
void if_fire_steps_ref(float* v, const float* drive, const float* theta, int channels,
                       std::size_t rows, bool to_zero, int steps, std::uint16_t* fired) {
  const auto chunks = static_cast<std::size_t>((channels + 15) / 16);
  const std::size_t vecs = rows * chunks, n = rows * static_cast<std::size_t>(channels);
  std::vector<std::int32_t> ids(n);
  for (int t = 0; t < steps; ++t) {
    std::uint16_t* f = fired + static_cast<std::size_t>(t) * vecs;
    std::fill(f, f + vecs, std::uint16_t{0});
    const std::size_t k = if_fire_ref(v, drive, theta, channels, rows, to_zero, ids.data());
    for (std::size_t h = 0; h < k; ++h) {
      const auto i = static_cast<std::size_t>(ids[h]);
      const std::size_t r = i / static_cast<std::size_t>(channels), c = i % static_cast<std::size_t>(channels);
      f[r * chunks + c / 16] = static_cast<std::uint16_t>(f[r * chunks + c / 16] | (1u << (c % 16)));
    }
  }
}

namespace {

template <bool ToZero>
BRISK_CLONES void if_fire_steps_generic(float* __restrict v, const float* __restrict drive,
                                        const float* __restrict theta, int channels,
                                        std::size_t rows, int steps,
                                        std::uint16_t* __restrict fired) {
  const auto chunks = static_cast<std::size_t>((channels + 15) / 16);
  const std::size_t vecs = rows * chunks;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < chunks; ++k) {
      const std::size_t c0 = k * 16;
      const int m = std::min(16, channels - static_cast<int>(c0));
      float x[16] = {}, d[16] = {}, th[16] = {};
      float* row = v + r * static_cast<std::size_t>(channels) + c0;
      for (int j = 0; j < m; ++j) {
        x[j] = row[j];
        d[j] = drive[r * static_cast<std::size_t>(channels) + c0 + static_cast<std::size_t>(j)];
        th[j] = theta[c0 + static_cast<std::size_t>(j)];
      }
      for (int t = 0; t < steps; ++t) {
        unsigned bits = 0;
        for (int j = 0; j < 16; ++j) {
          const float y = x[j] + d[j];
          const bool f = j < m && y >= th[j];
          bits |= static_cast<unsigned>(f) << j;
          x[j] = f ? (ToZero ? 0.0f : y - th[j]) : y;
        }
        fired[static_cast<std::size_t>(t) * vecs + r * chunks + k] = static_cast<std::uint16_t>(bits);
      }
      for (int j = 0; j < m; ++j) row[j] = x[j];
    }
}

#if BRISK_HAVE_AVX512
template <bool ToZero>
__attribute__((target("avx512f,popcnt"))) void if_fire_steps_avx512(
    float* v, const float* drive, const float* theta, int channels, std::size_t rows, int steps,
    std::uint16_t* fired) {
  const auto chunks = static_cast<std::size_t>((channels + 15) / 16);
  const std::size_t vecs = rows * chunks;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < chunks; ++k) {
      const std::size_t c0 = k * 16;
      const int left = channels - static_cast<int>(c0);
      const __mmask16 valid = left >= 16 ? static_cast<__mmask16>(0xFFFF)
                                         : static_cast<__mmask16>((1u << left) - 1u);
      float* row = v + r * static_cast<std::size_t>(channels) + c0;
      __m512 x = _mm512_maskz_loadu_ps(valid, row);
      const __m512 d = _mm512_maskz_loadu_ps(valid, drive + r * static_cast<std::size_t>(channels) + c0);
      const __m512 th = _mm512_maskz_loadu_ps(valid, theta + c0);
      std::uint16_t* f = fired + r * chunks + k;
      for (int t = 0; t < steps; ++t) {
        x = _mm512_add_ps(x, d);
        const __mmask16 fire = _mm512_mask_cmp_ps_mask(valid, x, th, _CMP_GE_OQ);
        x = ToZero ? _mm512_mask_mov_ps(x, fire, _mm512_setzero_ps())
                   : _mm512_mask_sub_ps(x, fire, x, th);
        f[static_cast<std::size_t>(t) * vecs] = static_cast<std::uint16_t>(fire);
      }
      _mm512_mask_storeu_ps(row, valid, x);
    }
}

__attribute__((target("avx512f,popcnt"))) std::size_t fired_ids_avx512(
    const std::uint16_t* fired, int channels, std::size_t rows, std::int32_t* out) {
  const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const auto chunks = static_cast<std::size_t>((channels + 15) / 16);
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < chunks; ++k) {
      const __mmask16 bits = fired[r * chunks + k];
      const auto base = static_cast<std::int32_t>(r * static_cast<std::size_t>(channels) + k * 16);
      _mm512_storeu_si512(out + n, _mm512_maskz_compress_epi32(bits, _mm512_add_epi32(lanes, _mm512_set1_epi32(base))));
      n += static_cast<std::size_t>(__builtin_popcount(bits));
    }
  return n;
}
#endif

std::size_t fired_ids_generic(const std::uint16_t* fired, int channels, std::size_t rows,
                              std::int32_t* out) {
  const auto chunks = static_cast<std::size_t>((channels + 15) / 16);
  std::size_t n = 0;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t k = 0; k < chunks; ++k) {
      const unsigned bits = fired[r * chunks + k];
      if (!bits) continue;
      const auto base = static_cast<std::int32_t>(r * static_cast<std::size_t>(channels) + k * 16);
      for (int j = 0; j < 16; ++j) {
        out[n] = base + j;
        n += (bits >> j) & 1u;
      }
    }
  return n;
}

}  // namespace

void if_fire_steps(float* v, const float* drive, const float* theta, int channels,
                   std::size_t rows, bool to_zero, int steps, std::uint16_t* fired) {
#if BRISK_HAVE_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
  if (avx512) {
    if (to_zero) return if_fire_steps_avx512<true>(v, drive, theta, channels, rows, steps, fired);
    return if_fire_steps_avx512<false>(v, drive, theta, channels, rows, steps, fired);
  }
#endif
  if (to_zero) return if_fire_steps_generic<true>(v, drive, theta, channels, rows, steps, fired);
  return if_fire_steps_generic<false>(v, drive, theta, channels, rows, steps, fired);
}

std::size_t fired_ids(const std::uint16_t* fired, int channels, std::size_t rows,
                      std::int32_t* out) {
#if BRISK_HAVE_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
  if (avx512) return fired_ids_avx512(fired, channels, rows, out);
#endif
  return fired_ids_generic(fired, channels, rows, out);
}

BRISK_CLONES
void quantize_floor(const float* v, const float* theta, int channels, std::size_t rows,
                    float top, std::int32_t* q) {
  for (std::size_t r = 0; r < rows; ++r) {
    const float* vr = v + r * static_cast<std::size_t>(channels);
    std::int32_t* qr = q + r * static_cast<std::size_t>(channels);
    // Clamping first makes the truncating conversion a floor (no libm call per neuron).
    for (int c = 0; c < channels; ++c)
      qr[c] = static_cast<std::int32_t>(std::min(std::max(vr[c] / theta[c], 0.0f), top));
  }
}

namespace {

// Indices of the nonzero entries of v[0..n), increasing. Blocks of 16 with no nonzero entry
// are skipped with one vectorizable test; the others are compacted without branches.
// Inlined into each CPU-specific clone below so each gets its own vector code.
template <class T>
__attribute__((always_inline)) inline std::size_t nonzero_scan(const T* v, std::size_t n,
                                                               std::int32_t* out) {
  std::size_t k = 0, i = 0;
  for (; i + 16 <= n; i += 16) {
    int any = 0;
    for (int j = 0; j < 16; ++j) any |= (v[i + static_cast<std::size_t>(j)] != T{});
    if (!any) continue;
    for (std::size_t j = i; j < i + 16; ++j) {
      out[k] = static_cast<std::int32_t>(j);
      k += static_cast<std::size_t>(v[j] != T{});
    }
  }
  for (; i < n; ++i)
    if (v[i] != T{}) out[k++] = static_cast<std::int32_t>(i);
  return k;
}

BRISK_CLONES std::size_t nonzero_generic(const float* v, std::size_t n, std::int32_t* out) {
  return nonzero_scan(v, n, out);
}

BRISK_CLONES std::size_t nonzero_i32_generic(const std::int32_t* v, std::size_t n,
                                             std::int32_t* out) {
  return nonzero_scan(v, n, out);
}

#if BRISK_HAVE_AVX512
// Ids of the lanes that `nonzero(i, valid)` marks, 16 lanes at a time, compacted in order.
// The one loop behind the float and int32 scans below; inlined into each.
template <class NonzeroMask>
__attribute__((target("avx512f,popcnt"), always_inline)) inline std::size_t compress_nonzero_avx512(
    std::size_t n, std::int32_t* out, NonzeroMask nonzero) {
  const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; i += 16) {
    const std::size_t left = n - i;
    const __mmask16 valid = left >= 16 ? static_cast<__mmask16>(0xFFFF)
                                       : static_cast<__mmask16>((1u << left) - 1u);
    const __mmask16 nz = nonzero(i, valid);
    if (!nz) continue;
    const __m512i ids = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<std::int32_t>(i)));
    _mm512_storeu_si512(out + k, _mm512_maskz_compress_epi32(nz, ids));
    k += static_cast<std::size_t>(__builtin_popcount(nz));
  }
  return k;
}

__attribute__((target("avx512f,popcnt"))) std::size_t nonzero_i32_avx512(const std::int32_t* v,
                                                                  std::size_t n,
                                                                  std::int32_t* out) {
  return compress_nonzero_avx512(
      n, out, [v](std::size_t i, __mmask16 valid) __attribute__((target("avx512f"))) {
        const __m512i x = _mm512_maskz_loadu_epi32(valid, v + i);
        return _mm512_mask_test_epi32_mask(valid, x, x);
      });
}

__attribute__((target("avx512f,popcnt"))) std::size_t nonzero_avx512(const float* v, std::size_t n,
                                                              std::int32_t* out) {
  return compress_nonzero_avx512(
      n, out, [v](std::size_t i, __mmask16 valid) __attribute__((target("avx512f"))) {
        const __m512 x = _mm512_maskz_loadu_ps(valid, v + i);
        return _mm512_mask_cmp_ps_mask(valid, x, _mm512_setzero_ps(), _CMP_NEQ_UQ);
      });
}
#endif

}  // namespace

std::size_t nonzero(const float* v, std::size_t n, std::int32_t* out) {
#if BRISK_HAVE_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
  if (avx512) return nonzero_avx512(v, n, out);
#endif
  return nonzero_generic(v, n, out);
}

std::size_t nonzero_i32(const std::int32_t* v, std::size_t n, std::int32_t* out) {
#if BRISK_HAVE_AVX512
  static const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
  if (avx512) return nonzero_i32_avx512(v, n, out);
#endif
  return nonzero_i32_generic(v, n, out);
}

}  // namespace brisk::kernels
