// Nonzero scans: the indices of the nonzero entries of a vector, compacted in order.
#include <brisk/core/base/scan.hpp>

#include <brisk/core/base/intrinsics.hpp>

#include <brisk/core/base/isa.hpp>
#include <brisk/core/base/scan_isa.hpp>

namespace brisk::kernels {

namespace {

// Indices of the nonzero entries of v[0..n), increasing. Blocks of 16 with no nonzero entry
// are skipped with one vectorizable test; the others are compacted without branches.
// Inlined into each per-Isa variant below so each gets its own vector code.
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

std::size_t nonzero_baseline(const float* v, std::size_t n, std::int32_t* out) {
  return nonzero_scan(v, n, out);
}

std::size_t nonzero_i32_baseline(const std::int32_t* v, std::size_t n, std::int32_t* out) {
  return nonzero_scan(v, n, out);
}

#if BRISK_ISA_VARIANTS
BRISK_TARGET_AVX2 std::size_t nonzero_avx2(const float* v, std::size_t n, std::int32_t* out) {
  return nonzero_scan(v, n, out);
}

BRISK_TARGET_AVX2 std::size_t nonzero_i32_avx2(const std::int32_t* v, std::size_t n,
                                               std::int32_t* out) {
  return nonzero_scan(v, n, out);
}

// Ids of the lanes that `nonzero(i, valid)` marks, 16 lanes at a time, compacted in order.
// The one loop behind the float and int32 scans below; inlined into each.
template <class NonzeroMask>
BRISK_TARGET_AVX512 __attribute__((always_inline)) inline std::size_t compress_nonzero_avx512(
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

BRISK_TARGET_AVX512 std::size_t nonzero_i32_avx512(const std::int32_t* v, std::size_t n,
                                                   std::int32_t* out) {
  return compress_nonzero_avx512(
      n, out, [v](std::size_t i, __mmask16 valid) BRISK_TARGET_AVX512 {
        const __m512i x = _mm512_maskz_loadu_epi32(valid, v + i);
        return _mm512_mask_test_epi32_mask(valid, x, x);
      });
}

BRISK_TARGET_AVX512 std::size_t nonzero_avx512(const float* v, std::size_t n, std::int32_t* out) {
  return compress_nonzero_avx512(
      n, out, [v](std::size_t i, __mmask16 valid) BRISK_TARGET_AVX512 {
        const __m512 x = _mm512_maskz_loadu_ps(valid, v + i);
        return _mm512_mask_cmp_ps_mask(valid, x, _mm512_setzero_ps(), _CMP_NEQ_UQ);
      });
}
#endif

}  // namespace

const IsaTable<NonzeroFn> nonzero_variants =
    BRISK_ISA_TABLE(nonzero_baseline, nonzero_avx2, nonzero_avx512);
const IsaTable<NonzeroI32Fn> nonzero_i32_variants =
    BRISK_ISA_TABLE(nonzero_i32_baseline, nonzero_i32_avx2, nonzero_i32_avx512);

std::size_t nonzero(const float* v, std::size_t n, std::int32_t* out) {
  static const NonzeroFn best = nonzero_variants.best();
  return best(v, n, out);
}

std::size_t nonzero_i32(const std::int32_t* v, std::size_t n, std::int32_t* out) {
  static const NonzeroI32Fn best = nonzero_i32_variants.best();
  return best(v, n, out);
}

}  // namespace brisk::kernels
