// Population kernels of the neuron models: threshold scans, the fused integrate-and-fire
// step, the whole-window IF pass and the radix window end and digit steps (declared in
// neurons/kernels.hpp).
#include <brisk/neurons/kernels.hpp>

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include <brisk/core/base/intrinsics.hpp>

#include <brisk/core/base/bits.hpp>
#include <brisk/core/base/isa.hpp>
#include <brisk/neurons/kernels_isa.hpp>

namespace brisk::kernels {

namespace {

// The generic bodies below are always_inline: each is compiled into the baseline and
// AVX2 variants (BRISK_GENERIC_VARIANTS, further down), and the AVX-512 one where that
// has no hand-written path.

// Portable path: vectorized test per row, then a branch-free compaction of its neurons.
template <bool Both>
__attribute__((always_inline)) inline std::size_t at_threshold_body(
    const float* v, const float* theta, int channels, std::size_t rows, std::int32_t* out) {
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

#if BRISK_ISA_VARIANTS
// AVX-512: 16 comparisons give a mask; the firing ids are compressed in a register and
// stored as a full vector (the memory form of vpcompressd is microcoded and slow on AMD
// Zen 4), hence the 16 spare entries `out` needs.
BRISK_TARGET_AVX512 std::size_t at_threshold_avx512(
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
__attribute__((always_inline)) inline std::size_t if_fire_body(
    float* __restrict v, const float* __restrict drive, const float* __restrict theta,
    int channels, std::size_t rows, std::int32_t* __restrict out) {
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

#if BRISK_ISA_VARIANTS
// AVX-512: 16 neurons per vector; the reset is a masked subtract (or masked zero) and the
// fired ids are compressed in a register (see at_threshold_avx512).
template <bool Drive, bool ToZero>
BRISK_TARGET_AVX512 __attribute__((always_inline)) inline std::size_t if_fire_avx512_body(
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

BRISK_TARGET_AVX512 std::size_t if_fire_avx512(float* v, const float* drive, const float* theta,
                                              int channels, std::size_t rows, bool to_zero,
                                              std::int32_t* out) {
  if (drive)
    return to_zero ? if_fire_avx512_body<true, true>(v, drive, theta, channels, rows, out)
                   : if_fire_avx512_body<true, false>(v, drive, theta, channels, rows, out);
  return to_zero ? if_fire_avx512_body<false, true>(v, drive, theta, channels, rows, out)
                 : if_fire_avx512_body<false, false>(v, drive, theta, channels, rows, out);
}
#endif

}  // namespace

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
__attribute__((always_inline)) inline void if_fire_steps_body(
    float* __restrict v, const float* __restrict drive, const float* __restrict theta,
    int channels, std::size_t rows, int steps, std::uint16_t* __restrict fired) {
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

#if BRISK_ISA_VARIANTS
template <bool ToZero>
BRISK_TARGET_AVX512 __attribute__((always_inline)) inline void if_fire_steps_avx512_body(
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

BRISK_TARGET_AVX512 void if_fire_steps_avx512(float* v, const float* drive, const float* theta,
                                             int channels, std::size_t rows, bool to_zero,
                                             int steps, std::uint16_t* fired) {
  if (to_zero) return if_fire_steps_avx512_body<true>(v, drive, theta, channels, rows, steps, fired);
  return if_fire_steps_avx512_body<false>(v, drive, theta, channels, rows, steps, fired);
}

BRISK_TARGET_AVX512 std::size_t fired_ids_avx512(
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

__attribute__((always_inline)) inline std::size_t fired_ids_body(const std::uint16_t* fired,
                                                                 int channels, std::size_t rows,
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

// Radix end of window, fused (see radix_fire in neurons/kernels.hpp). The same float
// operations as radix_fire_ref.

template <bool Drive, bool V0, bool Values>
__attribute__((always_inline)) inline std::size_t radix_fire_body(const RadixFire& a) {
  std::size_t n = 0;
  const auto ch = static_cast<std::size_t>(a.channels);
  for (std::size_t r = 0; r < a.rows; ++r) {
    float* vr = a.v + r * ch;
    std::int32_t* qr = a.q + r * ch;
    for (std::size_t c0 = 0; c0 < ch; c0 += 16) {
      const std::size_t m = std::min<std::size_t>(16, ch - c0);
      std::int32_t k[16];
      int any = 0;
      for (std::size_t j = 0; j < m; ++j) {
        const std::size_t c = c0 + j, i = r * ch + c;
        float x = vr[c];
        if (Drive) x = x + a.scale * (a.drive ? a.drive[i] : a.bias[c]);
        if (V0) x = x + a.v0[i];
        vr[c] = a.clear_v ? 0.0f : x;
        k[j] = static_cast<std::int32_t>(std::min(std::max(x / a.theta[c], 0.0f), a.top));
        qr[c] = k[j];
        if (a.qf) a.qf[i] = static_cast<float>(k[j]);
        if (a.ones_all) {
          a.ones_all[i] = brisk::ones32(static_cast<std::uint32_t>(k[j]));
          if (a.ones_total) *a.ones_total += a.ones_all[i];
        }
        any |= k[j];
      }
      if (!any) continue;
      for (std::size_t j = 0; j < m; ++j) {
        a.nz[n] = static_cast<std::int32_t>(r * ch + c0 + j);
        if (Values) {
          if (a.qnz) a.qnz[n] = k[j];
          a.pay[n] = static_cast<float>(k[j]);
          if (a.ones) a.ones[n] = brisk::ones32(static_cast<std::uint32_t>(k[j]));
        }
        n += static_cast<std::size_t>(k[j] != 0);
      }
    }
  }
  return n;
}

// Calls body(Drive, V0, Values) with the three flags of `a` as compile-time constants.
template <class Body>
__attribute__((always_inline)) inline std::size_t with_radix_fire_flags(const RadixFire& a, Body body) {
  const auto values = [&](auto d, auto v0) {
    return a.pay ? body(d, v0, std::true_type{}) : body(d, v0, std::false_type{});
  };
  const auto v0 = [&](auto d) { return a.v0 ? values(d, std::true_type{}) : values(d, std::false_type{}); };
  return a.drive || a.bias ? v0(std::true_type{}) : v0(std::false_type{});
}

__attribute__((always_inline)) inline std::size_t radix_fire_dispatch(const RadixFire& a) {
  return with_radix_fire_flags(a, [&](auto d, auto v0, auto values) {
    return radix_fire_body<decltype(d)::value, decltype(v0)::value, decltype(values)::value>(a);
  });
}

#if BRISK_ISA_VARIANTS
// AVX-512, rows of a multiple of 16 neurons: 16 neurons per vector; ids, q, float(q) and
// the bit counts of the nonzero ones are compressed in registers and stored as full
// vectors (hence the 16 spare entries of every output).
template <bool Drive, bool V0, bool Values>
BRISK_TARGET_AVX512 __attribute__((always_inline)) inline std::size_t radix_fire_avx512_body(
    const RadixFire& a) {
  const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512 zero = _mm512_setzero_ps(), top = _mm512_set1_ps(a.top), scale = _mm512_set1_ps(a.scale);
  const __m512i m1 = _mm512_set1_epi32(0x55555555), m2 = _mm512_set1_epi32(0x33333333),
                m4 = _mm512_set1_epi32(0x0F0F0F0F), m8 = _mm512_set1_epi32(0x01010101);
  const auto ch = static_cast<std::size_t>(a.channels);
  std::size_t n = 0;
  __m512i ones_lanes = _mm512_setzero_si512();  // 64-bit lane sums of the bit counts
  for (std::size_t r = 0; r < a.rows; ++r)
    for (std::size_t c = 0; c < ch; c += 16) {
      const std::size_t i = r * ch + c;
      __m512 x = _mm512_loadu_ps(a.v + i);
      if (Drive) x = _mm512_add_ps(x, _mm512_mul_ps(scale, _mm512_loadu_ps(a.drive ? a.drive + i : a.bias + c)));
      if (V0) x = _mm512_add_ps(x, _mm512_loadu_ps(a.v0 + i));
      if (a.clear_v) _mm512_storeu_ps(a.v + i, _mm512_setzero_ps());
      else if (Drive || V0) _mm512_storeu_ps(a.v + i, x);
      // x / theta, or x * (1 / theta) where both have the same floor: the two are within
      // 3.01 ulp of each other (relative error of the reciprocal, the product and the
      // quotient's rounding), so they floor alike unless x * recip lies within that of an
      // integer; lanes within 16 ulp (|y| * 2^-20, y - round(y) is exact) or NaN divide.
      __m512 y;
      if (a.recip) {
        y = _mm512_mul_ps(x, _mm512_loadu_ps(a.recip + c));
        const __m512 dist = _mm512_abs_ps(_mm512_sub_ps(y, _mm512_roundscale_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
        const __m512 tol = _mm512_mul_ps(_mm512_abs_ps(y), _mm512_set1_ps(0x1p-20f));
        const __mmask16 exact = _mm512_cmp_ps_mask(dist, tol, _CMP_LT_OQ) | _mm512_cmp_ps_mask(y, y, _CMP_UNORD_Q);
        if (exact) y = _mm512_mask_div_ps(y, exact, x, _mm512_loadu_ps(a.theta + c));
      } else {
        y = _mm512_div_ps(x, _mm512_loadu_ps(a.theta + c));
      }
      // min(max(y, 0), top) with std::max / std::min's operand order, truncated
      y = _mm512_min_ps(top, _mm512_max_ps(zero, y));
      const __m512i k = _mm512_cvttps_epi32(y);
      _mm512_storeu_si512(a.q + i, k);
      if (a.qf) _mm512_storeu_ps(a.qf + i, _mm512_cvtepi32_ps(k));
      const __mmask16 nzm = _mm512_test_epi32_mask(k, k);
      const auto bit_counts = [&]() BRISK_TARGET_AVX512 {
        __m512i b = _mm512_sub_epi32(k, _mm512_and_si512(_mm512_srli_epi32(k, 1), m1));
        b = _mm512_add_epi32(_mm512_and_si512(b, m2), _mm512_and_si512(_mm512_srli_epi32(b, 2), m2));
        b = _mm512_and_si512(_mm512_add_epi32(b, _mm512_srli_epi32(b, 4)), m4);
        return _mm512_srli_epi32(_mm512_mullo_epi32(b, m8), 24);
      };
      if (a.ones_all) {
        const __m512i b = nzm ? bit_counts() : _mm512_setzero_si512();
        _mm512_storeu_si512(a.ones_all + i, b);
        ones_lanes = _mm512_add_epi64(ones_lanes, _mm512_sad_epu8(b, _mm512_setzero_si512()));
      }
      if (!nzm) continue;
      _mm512_storeu_si512(a.nz + n, _mm512_maskz_compress_epi32(nzm, _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<std::int32_t>(i)))));
      if (Values) {
        if (a.qnz) _mm512_storeu_si512(a.qnz + n, _mm512_maskz_compress_epi32(nzm, k));
        _mm512_storeu_ps(a.pay + n, _mm512_maskz_compress_ps(nzm, _mm512_cvtepi32_ps(k)));
        if (a.ones) _mm512_storeu_si512(a.ones + n, _mm512_maskz_compress_epi32(nzm, bit_counts()));
      }
      n += static_cast<std::size_t>(__builtin_popcount(nzm));
    }
  if (a.ones_total) *a.ones_total += static_cast<std::uint64_t>(_mm512_reduce_add_epi64(ones_lanes));
  return n;
}

BRISK_TARGET_AVX512 std::size_t radix_fire_avx512(const RadixFire& a) {
  if (a.channels % 16 != 0) return radix_fire_dispatch(a);
  return with_radix_fire_flags(a, [&](auto d, auto v0, auto values) BRISK_TARGET_AVX512 {
    return radix_fire_avx512_body<decltype(d)::value, decltype(v0)::value, decltype(values)::value>(a);
  });
}
#endif

// One digit step (see radix_digit): blocks of 16 neurons, skipped when no digit is set.
__attribute__((always_inline)) inline std::size_t radix_digit_body(const std::int32_t* q, std::size_t n,
                                                                  int shift, std::int32_t mask,
                                                                  std::int32_t* ids, float* pay) {
  std::size_t k = 0;
  for (std::size_t i0 = 0; i0 < n; i0 += 16) {
    const std::size_t m = std::min<std::size_t>(16, n - i0);
    std::int32_t d[16];
    std::int32_t any = 0;
    for (std::size_t j = 0; j < m; ++j) any |= d[j] = (q[i0 + j] >> shift) & mask;
    if (!any) continue;
    for (std::size_t j = 0; j < m; ++j) {
      ids[k] = static_cast<std::int32_t>(i0 + j);
      pay[k] = static_cast<float>(d[j]);
      k += static_cast<std::size_t>(d[j] != 0);
    }
  }
  return k;
}

#if BRISK_ISA_VARIANTS
BRISK_TARGET_AVX512 std::size_t radix_digit_avx512(const std::int32_t* q, std::size_t n, int shift,
                                                   std::int32_t mask, std::int32_t* ids, float* pay) {
  const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i mk = _mm512_set1_epi32(mask);
  const __m128i sh = _mm_cvtsi32_si128(shift);
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; i += 16) {
    const std::size_t left = n - i;
    const __mmask16 valid = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
    const __m512i d = _mm512_and_si512(_mm512_sra_epi32(_mm512_maskz_loadu_epi32(valid, q + i), sh), mk);
    const __mmask16 nz = _mm512_mask_test_epi32_mask(valid, d, d);
    if (!nz) continue;
    _mm512_storeu_si512(ids + k, _mm512_maskz_compress_epi32(nz, _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<std::int32_t>(i)))));
    _mm512_storeu_ps(pay + k, _mm512_maskz_compress_ps(nz, _mm512_cvtepi32_ps(d)));
    k += static_cast<std::size_t>(__builtin_popcount(nz));
  }
  return k;
}
#endif

// The generic variants of every kernel for one target (ATTR) and name suffix: the runtime
// flags pick an instantiation of the body, all compiled for that target.
#define BRISK_GENERIC_VARIANTS(ATTR, SUFFIX)                                                     \
  ATTR std::size_t at_threshold_##SUFFIX(const float* v, const float* theta, int channels,      \
                                         std::size_t rows, bool both, std::int32_t* out) {      \
    return both ? at_threshold_body<true>(v, theta, channels, rows, out)                        \
                : at_threshold_body<false>(v, theta, channels, rows, out);                      \
  }                                                                                             \
  ATTR std::size_t if_fire_##SUFFIX(float* v, const float* drive, const float* theta,           \
                                    int channels, std::size_t rows, bool to_zero,               \
                                    std::int32_t* out) {                                        \
    if (drive)                                                                                  \
      return to_zero ? if_fire_body<true, true>(v, drive, theta, channels, rows, out)           \
                     : if_fire_body<true, false>(v, drive, theta, channels, rows, out);         \
    return to_zero ? if_fire_body<false, true>(v, drive, theta, channels, rows, out)            \
                   : if_fire_body<false, false>(v, drive, theta, channels, rows, out);          \
  }                                                                                             \
  ATTR void if_fire_steps_##SUFFIX(float* v, const float* drive, const float* theta,            \
                                   int channels, std::size_t rows, bool to_zero, int steps,     \
                                   std::uint16_t* fired) {                                      \
    if (to_zero) return if_fire_steps_body<true>(v, drive, theta, channels, rows, steps, fired); \
    return if_fire_steps_body<false>(v, drive, theta, channels, rows, steps, fired);            \
  }                                                                                             \
  ATTR std::size_t fired_ids_##SUFFIX(const std::uint16_t* fired, int channels,                 \
                                      std::size_t rows, std::int32_t* out) {                    \
    return fired_ids_body(fired, channels, rows, out);                                          \
  }                                                                                             \
  ATTR std::size_t radix_fire_##SUFFIX(const RadixFire& a) { return radix_fire_dispatch(a); }   \
  ATTR std::size_t radix_digit_##SUFFIX(const std::int32_t* q, std::size_t n, int shift,          \
                                        std::int32_t mask, std::int32_t* ids, float* pay) {       \
    return radix_digit_body(q, n, shift, mask, ids, pay);                                         \
  }

BRISK_GENERIC_VARIANTS(, baseline)
#if BRISK_ISA_VARIANTS
BRISK_GENERIC_VARIANTS(BRISK_TARGET_AVX2, avx2)
#endif
#undef BRISK_GENERIC_VARIANTS

}  // namespace

const IsaTable<AtThresholdFn> at_threshold_variants =
    BRISK_ISA_TABLE(at_threshold_baseline, at_threshold_avx2, at_threshold_avx512);
const IsaTable<IfFireFn> if_fire_variants =
    BRISK_ISA_TABLE(if_fire_baseline, if_fire_avx2, if_fire_avx512);
const IsaTable<IfFireStepsFn> if_fire_steps_variants =
    BRISK_ISA_TABLE(if_fire_steps_baseline, if_fire_steps_avx2, if_fire_steps_avx512);
const IsaTable<FiredIdsFn> fired_ids_variants =
    BRISK_ISA_TABLE(fired_ids_baseline, fired_ids_avx2, fired_ids_avx512);
const IsaTable<RadixFireFn> radix_fire_variants =
    BRISK_ISA_TABLE(radix_fire_baseline, radix_fire_avx2, radix_fire_avx512);
const IsaTable<RadixDigitFn> radix_digit_variants =
    BRISK_ISA_TABLE(radix_digit_baseline, radix_digit_avx2, radix_digit_avx512);

std::size_t radix_digit(const std::int32_t* q, std::size_t n, int shift, std::int32_t mask,
                        std::int32_t* ids, float* pay) {
  static const RadixDigitFn best = radix_digit_variants.best();
  return best(q, n, shift, mask, ids, pay);
}

std::size_t radix_digit_ref(const std::int32_t* q, std::size_t n, int shift, std::int32_t mask,
                            std::int32_t* ids, float* pay) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t d = (q[i] >> shift) & mask;
    if (d == 0) continue;
    ids[k] = static_cast<std::int32_t>(i);
    pay[k++] = static_cast<float>(d);
  }
  return k;
}

// The public kernels: the best variant for this CPU, chosen once.
std::size_t at_threshold(const float* v, const float* theta, int channels, std::size_t rows,
                         bool both, std::int32_t* out) {
  static const AtThresholdFn best = at_threshold_variants.best();
  return best(v, theta, channels, rows, both, out);
}

std::size_t if_fire(float* v, const float* drive, const float* theta, int channels,
                    std::size_t rows, bool to_zero, std::int32_t* out) {
  static const IfFireFn best = if_fire_variants.best();
  return best(v, drive, theta, channels, rows, to_zero, out);
}

void if_fire_steps(float* v, const float* drive, const float* theta, int channels,
                   std::size_t rows, bool to_zero, int steps, std::uint16_t* fired) {
  static const IfFireStepsFn best = if_fire_steps_variants.best();
  best(v, drive, theta, channels, rows, to_zero, steps, fired);
}

std::size_t fired_ids(const std::uint16_t* fired, int channels, std::size_t rows,
                      std::int32_t* out) {
  static const FiredIdsFn best = fired_ids_variants.best();
  return best(fired, channels, rows, out);
}

std::size_t radix_fire(const RadixFire& a) {
  static const RadixFireFn best = radix_fire_variants.best();
  return best(a);
}

std::size_t radix_fire_ref(const RadixFire& a) {
  const auto ch = static_cast<std::size_t>(a.channels);
  std::size_t n = 0;
  for (std::size_t i = 0; i < a.rows * ch; ++i) {
    if (a.drive) a.v[i] = a.v[i] + a.scale * a.drive[i];
    else if (a.bias) a.v[i] = a.v[i] + a.scale * a.bias[i % ch];
    if (a.v0) a.v[i] = a.v[i] + a.v0[i];
    const float u = std::floor(a.v[i] / a.theta[i % ch]);
    if (a.clear_v) a.v[i] = 0.0f;
    a.q[i] = static_cast<std::int32_t>(std::clamp(u, 0.0f, a.top));
    if (a.qf) a.qf[i] = static_cast<float>(a.q[i]);
    if (a.ones_all) a.ones_all[i] = static_cast<std::uint32_t>(__builtin_popcount(static_cast<unsigned>(a.q[i])));
    if (a.ones_all && a.ones_total) *a.ones_total += a.ones_all[i];
    if (a.q[i] == 0) continue;
    a.nz[n] = static_cast<std::int32_t>(i);
    if (a.pay) {
      if (a.qnz) a.qnz[n] = a.q[i];
      a.pay[n] = static_cast<float>(a.q[i]);
      if (a.ones) a.ones[n] = static_cast<std::uint32_t>(__builtin_popcount(static_cast<unsigned>(a.q[i])));
    }
    ++n;
  }
  return n;
}


}  // namespace brisk::kernels
