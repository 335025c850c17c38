#include <brisk/core/engine/kernels/vector.hpp>

#include <brisk/core/base/intrinsics.hpp>

#include <cmath>

#include <brisk/core/base/isa.hpp>
#include <brisk/core/engine/ops/kernels_isa.hpp>

namespace brisk::kernels {

namespace {

// Compiled into each per-Isa variant below.
__attribute__((always_inline)) inline void add_into_body(float* v, const float* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) v[i] += a[i];
}

void add_into_baseline(float* v, const float* a, std::size_t n) { add_into_body(v, a, n); }

#if BRISK_ISA_VARIANTS
BRISK_TARGET_AVX2 void add_into_avx2(float* v, const float* a, std::size_t n) {
  add_into_body(v, a, n);
}

BRISK_TARGET_AVX512 void add_into_avx512(float* v, const float* a, std::size_t n) {
  add_into_body(v, a, n);
}
#endif

// Scalar: a 64-bit product per event.
__attribute__((always_inline)) inline std::uint64_t sop_sum_body(const std::uint32_t* units,
                                                                const std::int32_t* ids,
                                                                const std::uint32_t* fanout,
                                                                std::size_t n) {
  std::uint64_t s = 0;
  if (!fanout) {
    for (std::size_t e = 0; e < n; ++e) s += units[e];
    return s;
  }
  for (std::size_t e = 0; e < n; ++e) s += std::uint64_t{units[e]} * fanout[static_cast<std::size_t>(ids[e])];
  return s;
}

std::uint64_t sop_sum_baseline(const std::uint32_t* units, const std::int32_t* ids,
                               const std::uint32_t* fanout, std::size_t n) {
  return sop_sum_body(units, ids, fanout, n);
}

std::uint64_t sop_dot_baseline(const std::uint32_t* units, const std::uint32_t* fanout, std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::uint64_t{units[i]} * fanout[i];
  return s;
}

#if BRISK_ISA_VARIANTS
BRISK_TARGET_AVX2 std::uint64_t sop_sum_avx2(const std::uint32_t* units, const std::int32_t* ids,
                                             const std::uint32_t* fanout, std::size_t n) {
  return sop_sum_body(units, ids, fanout, n);
}

// AVX-512: the scalar loop too (VPGATHERDD of the fan-outs was slower than scalar loads
// on AMD Zen 4); dense inputs take sop_dot.
BRISK_TARGET_AVX512 std::uint64_t sop_sum_avx512(const std::uint32_t* units, const std::int32_t* ids,
                                                 const std::uint32_t* fanout, std::size_t n) {
  return sop_sum_body(units, ids, fanout, n);
}

// sop_dot: 32 x 32 -> 64-bit products of the even and the odd lanes (VPMULUDQ), summed in
// 64-bit lanes.
BRISK_TARGET_AVX512 std::uint64_t sop_dot_avx512(const std::uint32_t* units, const std::uint32_t* fanout,
                                                 std::size_t n) {
  __m512i even = _mm512_setzero_si512(), odd = _mm512_setzero_si512();
  for (std::size_t i = 0; i < n; i += 16) {
    const std::size_t left = n - i;
    const __mmask16 m = left >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << left) - 1u);
    const __m512i u = _mm512_maskz_loadu_epi32(m, units + i);
    const __m512i f = _mm512_maskz_loadu_epi32(m, fanout + i);
    even = _mm512_add_epi64(even, _mm512_mul_epu32(u, f));
    odd = _mm512_add_epi64(odd, _mm512_mul_epu32(_mm512_srli_epi64(u, 32), _mm512_srli_epi64(f, 32)));
  }
  return static_cast<std::uint64_t>(_mm512_reduce_add_epi64(_mm512_add_epi64(even, odd)));
}

BRISK_TARGET_AVX2 std::uint64_t sop_dot_avx2(const std::uint32_t* units, const std::uint32_t* fanout,
                                             std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t i = 0; i < n; ++i) s += std::uint64_t{units[i]} * fanout[i];
  return s;
}
#endif

// Baseline (SSE2 has no rounding instruction): below 2^23 adding and subtracting 2^23
// rounds to an integer in the default mode; from 2^23 on (and NaN) x is kept; the sign is
// copied back (-0.3 -> -0). Both arms computed, then selected.
void scale_round_baseline(float* out, const float* x, float scale, std::size_t n) {
  const float big = 8388608.0f;  // 2^23
  for (std::size_t i = 0; i < n; ++i) {
    const float y = x[i] * scale;
    const float a = std::fabs(y);
    const float rounded = (a + big) - big;
    out[i] = std::copysign(a < big ? rounded : a, y);
  }
}

#if BRISK_ISA_VARIANTS
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // as at the #include above
#pragma GCC diagnostic ignored "-Wuninitialized"
BRISK_TARGET_AVX2 void scale_round_avx2(float* out, const float* x, float scale, std::size_t n) {
  const __m256 s = _mm256_set1_ps(scale);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(out + i, _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(x + i), s),
                                              _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  for (; i < n; ++i) out[i] = std::nearbyint(x[i] * scale);
}

BRISK_TARGET_AVX512 void scale_round_avx512(float* out, const float* x, float scale, std::size_t n) {
  const __m512 s = _mm512_set1_ps(scale);
  for (std::size_t i = 0; i < n; i += 16) {
    const auto m = static_cast<__mmask16>(n - i >= 16 ? 0xffffu : (1u << (n - i)) - 1u);
    const __m512 y = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), s);
    _mm512_mask_storeu_ps(out + i, m, _mm512_roundscale_ps(y, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
}
#pragma GCC diagnostic pop
#endif

}  // namespace

const IsaTable<AddIntoFn> add_into_variants =
    BRISK_ISA_TABLE(add_into_baseline, add_into_avx2, add_into_avx512);
const IsaTable<ScaleRoundFn> scale_round_variants =
    BRISK_ISA_TABLE(scale_round_baseline, scale_round_avx2, scale_round_avx512);
const IsaTable<SopSumFn> sop_sum_variants = BRISK_ISA_TABLE(sop_sum_baseline, sop_sum_avx2, sop_sum_avx512);
const IsaTable<SopDotFn> sop_dot_variants = BRISK_ISA_TABLE(sop_dot_baseline, sop_dot_avx2, sop_dot_avx512);

std::uint64_t sop_dot(const std::uint32_t* units, const std::uint32_t* fanout, std::size_t n) {
  static const SopDotFn best = sop_dot_variants.best();
  return best(units, fanout, n);
}

std::uint64_t sop_sum(const std::uint32_t* units, const std::int32_t* ids, const std::uint32_t* fanout,
                      std::size_t n) {
  static const SopSumFn best = sop_sum_variants.best();
  return best(units, ids, fanout, n);
}

std::uint64_t sop_sum_ref(const std::uint32_t* units, const std::int32_t* ids,
                          const std::uint32_t* fanout, std::size_t n) {
  std::uint64_t s = 0;
  for (std::size_t e = 0; e < n; ++e)
    s += std::uint64_t{units[e]} * (fanout ? fanout[static_cast<std::size_t>(ids[e])] : 1u);
  return s;
}

void scale_round(float* out, const float* x, float scale, std::size_t n) {
  static const ScaleRoundFn best = scale_round_variants.best();
  best(out, x, scale, n);
}

void scale_round_ref(float* out, const float* x, float scale, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = std::nearbyint(x[i] * scale);
}

void add_into(float* v, const float* a, std::size_t n) {
  static const AddIntoFn best = add_into_variants.best();
  best(v, a, n);
}

}  // namespace brisk::kernels
