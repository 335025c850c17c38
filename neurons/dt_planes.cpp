// The double-threshold step of a bitwise net's hidden layer that writes its spikes as bit
// planes as well as events (declared in neurons/kernels.hpp): the packed path's producer
// of the BitDense operator's input planes (issue 10).
#include <brisk/neurons/kernels.hpp>

#include <algorithm>

#include <brisk/core/base/intrinsics.hpp>

#include <brisk/core/base/isa.hpp>
#include <brisk/neurons/kernels_isa.hpp>

namespace brisk::kernels {

std::size_t dt_fire_planes_ref(float* v, std::int32_t* count, const float* theta, std::size_t n,
                               std::int32_t* ids, float* pay, std::uint64_t* xp, std::uint64_t* xn) {
  const std::size_t words = (n + 63) / 64;
  std::fill_n(xp, words, std::uint64_t{0});
  std::fill_n(xn, words, std::uint64_t{0});
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float th = theta[i];
    float s = 0.0f;
    if (v[i] >= th) s = 1.0f;
    else if (v[i] <= -th) s = -1.0f;
    if (s == 0.0f) continue;
    v[i] -= s * th;
    count[i] += static_cast<std::int32_t>(s);
    ids[m] = static_cast<std::int32_t>(i);
    pay[m++] = s;
    // An if, not `(s > 0 ? xp : xn)[w] |= bit`: GCC 12 with -fsanitize=undefined miscompiles
    // that compound assignment through a conditional (the bit lands in the wrong word).
    const std::uint64_t bit = std::uint64_t{1} << (i % 64);
    if (s > 0) xp[i / 64] |= bit;
    else xn[i / 64] |= bit;
  }
  return m;
}

namespace {

// Branch-free: the sign is computed, the id and payload always written and the count
// advanced by whether the neuron spiked.
__attribute__((always_inline)) inline std::size_t dt_fire_planes_body(
    float* v, std::int32_t* count, const float* theta, std::size_t n, std::int32_t* ids, float* pay,
    std::uint64_t* xp, std::uint64_t* xn) {
  std::size_t m = 0;
  for (std::size_t j = 0; j * 64 < n; ++j) {
    std::uint64_t p = 0, q = 0;
    const std::size_t end = std::min(n, 64 * j + 64);
    for (std::size_t i = 64 * j; i < end; ++i) {
      const float x = v[i], th = theta[i];
      const bool up = x >= th;
      const bool down = !up && x <= -th;
      const float s = up ? 1.0f : (down ? -1.0f : 0.0f);
      v[i] = (up || down) ? x - s * th : x;
      count[i] += static_cast<std::int32_t>(s);
      ids[m] = static_cast<std::int32_t>(i);
      pay[m] = s;
      m += static_cast<std::size_t>(up || down);
      p |= std::uint64_t{up} << (i - 64 * j);
      q |= std::uint64_t{down} << (i - 64 * j);
    }
    xp[j] = p;
    xn[j] = q;
  }
  return m;
}

std::size_t dt_fire_planes_baseline(float* v, std::int32_t* count, const float* theta, std::size_t n,
                                    std::int32_t* ids, float* pay, std::uint64_t* xp, std::uint64_t* xn) {
  return dt_fire_planes_body(v, count, theta, n, ids, pay, xp, xn);
}

#if BRISK_ISA_VARIANTS
BRISK_TARGET_AVX2 std::size_t dt_fire_planes_avx2(float* v, std::int32_t* count, const float* theta,
                                                  std::size_t n, std::int32_t* ids, float* pay,
                                                  std::uint64_t* xp, std::uint64_t* xn) {
  return dt_fire_planes_body(v, count, theta, n, ids, pay, xp, xn);
}

// 16 neurons per vector: two comparisons give the +1 and -1 masks (which are the planes'
// bits), masked subtract / add of theta, ids and payloads compressed in a register and
// stored as full vectors (hence the 16 spare entries of ids and pay).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // as at the #include above
#pragma GCC diagnostic ignored "-Wuninitialized"
BRISK_TARGET_AVX512 std::size_t dt_fire_planes_avx512(float* v, std::int32_t* count, const float* theta,
                                                      std::size_t n, std::int32_t* ids, float* pay,
                                                      std::uint64_t* xp, std::uint64_t* xn) {
  const __m512i lanes = _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i one = _mm512_set1_epi32(1);
  const __m512 plus = _mm512_set1_ps(1.0f), minus = _mm512_set1_ps(-1.0f);
  std::size_t m = 0;
  for (std::size_t j = 0; j * 64 < n; ++j) {
    std::uint64_t p = 0, q = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const std::size_t i = 64 * j + 16 * k;
      if (i >= n) break;
      const auto valid = static_cast<__mmask16>(n - i >= 16 ? 0xffffu : (1u << (n - i)) - 1u);
      const __m512 x = _mm512_maskz_loadu_ps(valid, v + i);
      const __m512 th = _mm512_maskz_loadu_ps(valid, theta + i);
      const __mmask16 up = _mm512_mask_cmp_ps_mask(valid, x, th, _CMP_GE_OQ);
      const __mmask16 down = static_cast<__mmask16>(
          _mm512_mask_cmp_ps_mask(valid, x, _mm512_sub_ps(_mm512_setzero_ps(), th), _CMP_LE_OQ) & ~up);
      const auto fire = static_cast<__mmask16>(up | down);
      p |= static_cast<std::uint64_t>(up) << (16 * k);
      q |= static_cast<std::uint64_t>(down) << (16 * k);
      if (!fire) continue;
      // x - s th with s = +-1: x - th, or x - (-th) = x + th exactly.
      _mm512_mask_storeu_ps(v + i, fire,
                            _mm512_mask_add_ps(_mm512_mask_sub_ps(x, up, x, th), down, x, th));
      const __m512i c = _mm512_maskz_loadu_epi32(valid, count + i);
      _mm512_mask_storeu_epi32(count + i, fire,
                               _mm512_mask_sub_epi32(_mm512_mask_add_epi32(c, up, c, one), down, c, one));
      const __m512i id = _mm512_add_epi32(lanes, _mm512_set1_epi32(static_cast<int>(i)));
      _mm512_storeu_si512(ids + m, _mm512_maskz_compress_epi32(fire, id));
      _mm512_storeu_ps(pay + m, _mm512_maskz_compress_ps(fire, _mm512_mask_blend_ps(up, minus, plus)));
      m += static_cast<std::size_t>(__builtin_popcount(fire));
    }
    xp[j] = p;
    xn[j] = q;
  }
  return m;
}
#pragma GCC diagnostic pop
#endif

}  // namespace

const IsaTable<DtFirePlanesFn> dt_fire_planes_variants =
    BRISK_ISA_TABLE(dt_fire_planes_baseline, dt_fire_planes_avx2, dt_fire_planes_avx512);

std::size_t dt_fire_planes(float* v, std::int32_t* count, const float* theta, std::size_t n,
                           std::int32_t* ids, float* pay, std::uint64_t* xp, std::uint64_t* xn) {
  static const DtFirePlanesFn best = dt_fire_planes_variants.best();
  return best(v, count, theta, n, ids, pay, xp, xn);
}

}  // namespace brisk::kernels
