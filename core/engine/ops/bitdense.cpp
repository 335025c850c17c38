// BitDense: the bit-packed synaptic operator of binary / ternary Dense layers (issue 10).
// Chosen by compile() when CompileOptions::bitwise_kernels is set for
//   - a bitwise Dense layer fed by spiking (+-1 / 0) events: two bit planes per output,
//     XNOR / popcount kernels; when the producer is a double-threshold layer and T = 1,
//     it writes its spikes as bit planes itself (kernels::dt_fire_planes, Context::in_bits);
//   - a bitwise Dense layer fed the analog input of a net with input levels 0..2^B-1
//     (B <= 8, SnnSpec::input_levels): the levels split into B bit planes (integrate_analog),
//     sum_k 2^k (popc(P_k & W+) - popc(P_k & W-)) over word-major weights; the float rows
//     stay for inputs that are not such levels and where a bias could make them round;
//   - the readout of a bitwise net fed by such a layer, when its weights are a per-output
//     scale a_o times {-1, 0, +1} and every partial sum is exact (compile()'s
//     exact_scaled_signs): logits b_o + a_o * popcount integer, equal to the float rows.
// Packing, the popcount kernels (ISA variants through IsaTable) and their scalar
// reference, the operator entry.
//
// SOPs are counted as the synaptic work really done: an event's SOPs are the nonzero
// weights of its row (its fan-out in synapses that exist; a binary layer: all of them),
// although the kernel performs them 64 at a time with popcounts. The first layer's work
// on the analog input stays counted as the layer's MACs (RunResult::analog_macs), as on
// the float path; the readout keeps the Dense operator's count (every output per event),
// so that no figure depends on the kernel chosen for it.
#include <brisk/core/engine/ops/bitdense.hpp>

#include <brisk/core/base/intrinsics.hpp>

#include <algorithm>

#include <brisk/core/engine/ops/dense.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::kernels {

namespace {

__attribute__((always_inline)) inline void bit_dense_body(float* v, const std::uint64_t* xp,
                                                          const std::uint64_t* xn,
                                                          const std::uint64_t* wpos,
                                                          const std::uint64_t* wneg, int words,
                                                          int out) {
  const std::size_t W = static_cast<std::size_t>(words), O = static_cast<std::size_t>(out);
  for (std::size_t o = 0; o < O; ++o) {
    long long z = 0;
    for (std::size_t k = 0; k < W; ++k) {
      const std::uint64_t wp = wpos[k * O + o], wn = wneg[k * O + o];
      z += __builtin_popcountll((xp[k] & wp) | (xn[k] & wn)) -
           __builtin_popcountll((xp[k] & wn) | (xn[k] & wp));
    }
    v[o] += static_cast<float>(z);
  }
}

__attribute__((always_inline)) inline void bit_dense_xnor_body(float* v, const std::uint64_t* xp,
                                                               const std::uint64_t* wpos,
                                                               int words, int n_in, int out) {
  const std::size_t W = static_cast<std::size_t>(words), O = static_cast<std::size_t>(out);
  for (std::size_t o = 0; o < O; ++o) {
    long long mismatch = 0;
    for (std::size_t k = 0; k < W; ++k) mismatch += __builtin_popcountll(xp[k] ^ wpos[k * O + o]);
    v[o] += static_cast<float>(n_in - 2 * mismatch);
  }
}

#define BRISK_BITDENSE_VARIANTS(ATTR, SUFFIX)                                                   \
  ATTR void bit_dense_##SUFFIX(float* v, const std::uint64_t* xp, const std::uint64_t* xn,      \
                               const std::uint64_t* wpos, const std::uint64_t* wneg, int words, \
                               int out) {                                                       \
    bit_dense_body(v, xp, xn, wpos, wneg, words, out);                                          \
  }                                                                                             \
  ATTR void bit_dense_xnor_##SUFFIX(float* v, const std::uint64_t* xp,                          \
                                    const std::uint64_t* wpos, int words, int n_in, int out) {  \
    bit_dense_xnor_body(v, xp, wpos, words, n_in, out);                                         \
  }

BRISK_BITDENSE_VARIANTS(, baseline)
#if BRISK_ISA_VARIANTS
BRISK_BITDENSE_VARIANTS(BRISK_TARGET_AVX2, avx2)
BRISK_BITDENSE_VARIANTS(BRISK_TARGET_AVX512, scalar512)
#undef BRISK_BITDENSE_VARIANTS

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // as at the #include above
#pragma GCC diagnostic ignored "-Wuninitialized"
// AVX-512 with VPOPCNTQ: 8 outputs per vector (the word-major weights of word k of outputs
// o .. o + 7 are one load), the input words broadcast; the integer counts in 64-bit lanes.
#define BRISK_TARGET_VPOPCNT __attribute__((target("avx512f,avx512bw,avx512vpopcntdq,popcnt")))
BRISK_TARGET_VPOPCNT inline void add_counts(float* v, std::size_t lanes, __m512i z) {
  alignas(32) float f[8];  // exact: |z| <= n_in < 2^24
  _mm256_store_ps(f, _mm256_cvtepi32_ps(_mm512_cvtepi64_epi32(z)));
  for (std::size_t l = 0; l < lanes; ++l) v[l] += f[l];
}
BRISK_TARGET_VPOPCNT void bit_dense_vpop(float* v, const std::uint64_t* xp, const std::uint64_t* xn,
                                         const std::uint64_t* wpos, const std::uint64_t* wneg,
                                         int words, int out) {
  const std::size_t W = static_cast<std::size_t>(words), O = static_cast<std::size_t>(out);
  for (std::size_t o = 0; o < O; o += 8) {
    const std::size_t lanes = std::min<std::size_t>(8, O - o);
    const auto m = static_cast<__mmask8>((1u << lanes) - 1);
    __m512i z = _mm512_setzero_si512();
    for (std::size_t k = 0; k < W; ++k) {
      const __m512i p = _mm512_set1_epi64(static_cast<long long>(xp[k]));
      const __m512i n = _mm512_set1_epi64(static_cast<long long>(xn[k]));
      const __m512i wp = _mm512_maskz_loadu_epi64(m, wpos + k * O + o);
      const __m512i wn = _mm512_maskz_loadu_epi64(m, wneg + k * O + o);
      const __m512i agree = _mm512_or_si512(_mm512_and_si512(p, wp), _mm512_and_si512(n, wn));
      const __m512i differ = _mm512_or_si512(_mm512_and_si512(p, wn), _mm512_and_si512(n, wp));
      z = _mm512_sub_epi64(_mm512_add_epi64(z, _mm512_popcnt_epi64(agree)), _mm512_popcnt_epi64(differ));
    }
    add_counts(v + o, lanes, z);
  }
}
BRISK_TARGET_VPOPCNT void bit_dense_xnor_vpop(float* v, const std::uint64_t* xp, const std::uint64_t* wpos,
                                              int words, int n_in, int out) {
  const std::size_t W = static_cast<std::size_t>(words), O = static_cast<std::size_t>(out);
  for (std::size_t o = 0; o < O; o += 8) {
    const std::size_t lanes = std::min<std::size_t>(8, O - o);
    const auto m = static_cast<__mmask8>((1u << lanes) - 1);
    __m512i mismatch = _mm512_setzero_si512();
    for (std::size_t k = 0; k < W; ++k) {
      const __m512i p = _mm512_set1_epi64(static_cast<long long>(xp[k]));
      mismatch = _mm512_add_epi64(
          mismatch, _mm512_popcnt_epi64(_mm512_xor_si512(p, _mm512_maskz_loadu_epi64(m, wpos + k * O + o))));
    }
    add_counts(v + o, lanes,
               _mm512_sub_epi64(_mm512_set1_epi64(n_in), _mm512_slli_epi64(mismatch, 1)));
  }
}
#undef BRISK_TARGET_VPOPCNT
#pragma GCC diagnostic pop

// The AVX-512 slot: VPOPCNTQ where the CPU has it, the scalar loops otherwise.
BRISK_TARGET_AVX512 void bit_dense_avx512(float* v, const std::uint64_t* xp, const std::uint64_t* xn,
                                          const std::uint64_t* wpos, const std::uint64_t* wneg,
                                          int words, int out) {
  static const bool vpop = cpu_has_vpopcnt();
  if (vpop) bit_dense_vpop(v, xp, xn, wpos, wneg, words, out);
  else bit_dense_scalar512(v, xp, xn, wpos, wneg, words, out);
}
BRISK_TARGET_AVX512 void bit_dense_xnor_avx512(float* v, const std::uint64_t* xp, const std::uint64_t* wpos,
                                               int words, int n_in, int out) {
  static const bool vpop = cpu_has_vpopcnt();
  if (vpop) bit_dense_xnor_vpop(v, xp, wpos, words, n_in, out);
  else bit_dense_xnor_scalar512(v, xp, wpos, words, n_in, out);
}
#else
#undef BRISK_BITDENSE_VARIANTS
#endif

// --- The analog first layer: level bit planes (bit_planes_dense, pack_level_planes). ---

template <bool Ternary>
__attribute__((always_inline)) inline void bit_planes_body(float* v, const std::uint64_t* planes,
                                                           int bits, const std::uint64_t* wpos,
                                                           const std::uint64_t* wneg, int words,
                                                           int out, std::int64_t xsum) {
  const std::size_t W = static_cast<std::size_t>(words), O = static_cast<std::size_t>(out);
  for (std::size_t o = 0; o < O; ++o) {
    std::int64_t z = 0;
    for (int k = 0; k < bits; ++k) {
      const std::uint64_t* pk = planes + static_cast<std::size_t>(k) * W;
      std::int64_t c = 0;
      for (std::size_t j = 0; j < W; ++j) {
        c += __builtin_popcountll(pk[j] & wpos[j * O + o]);
        if constexpr (Ternary) c -= __builtin_popcountll(pk[j] & wneg[j * O + o]);
      }
      z += c * (std::int64_t{1} << k);
    }
    if constexpr (!Ternary) z = 2 * z - xsum;
    v[o] += static_cast<float>(z);
  }
}

__attribute__((always_inline)) inline bool pack_level_planes_body(const float* x, int n, int bits,
                                                                  std::uint64_t* planes,
                                                                  std::int64_t* xsum) {
  const std::size_t W = static_cast<std::size_t>(bit_words(n)), N = static_cast<std::size_t>(n);
  const float top = static_cast<float>(1 << bits);
  std::int64_t sum = 0;
  for (std::size_t j = 0; j < W; ++j) {
    std::uint64_t word[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const std::size_t end = std::min(N, 64 * j + 64);
    for (std::size_t i = 64 * j; i < end; ++i) {
      const float a = x[i];
      if (!(a >= 0.0f && a < top)) return false;
      const auto level = static_cast<std::uint32_t>(a);
      if (static_cast<float>(level) != a) return false;
      sum += level;
      for (int k = 0; k < bits; ++k) word[k] |= std::uint64_t{(level >> k) & 1u} << (i - 64 * j);
    }
    for (int k = 0; k < bits; ++k) planes[static_cast<std::size_t>(k) * W + j] = word[k];
  }
  *xsum = sum;
  return true;
}

template <bool Ternary>
void bit_planes_baseline_t(float* v, const std::uint64_t* planes, int bits, const std::uint64_t* wpos,
                           const std::uint64_t* wneg, int words, int out, std::int64_t xsum) {
  bit_planes_body<Ternary>(v, planes, bits, wpos, wneg, words, out, xsum);
}
void bit_planes_dense_baseline(float* v, const std::uint64_t* planes, int bits,
                               const std::uint64_t* wpos, const std::uint64_t* wneg, int words,
                               int out, std::int64_t xsum) {
  if (wneg) bit_planes_baseline_t<true>(v, planes, bits, wpos, wneg, words, out, xsum);
  else bit_planes_baseline_t<false>(v, planes, bits, wpos, wneg, words, out, xsum);
}
bool pack_level_planes_baseline(const float* x, int n, int bits, std::uint64_t* planes,
                                std::int64_t* xsum) {
  return pack_level_planes_body(x, n, bits, planes, xsum);
}

#if BRISK_ISA_VARIANTS
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // as at the #include above
#pragma GCC diagnostic ignored "-Wuninitialized"
// Words of one input chunk whose byte counts (<= 8 per word) fit a byte: 31 x 8 = 248.
constexpr std::size_t kByteChunk = 31;

// Per-byte popcounts by the nibble table.
BRISK_TARGET_AVX2 inline __m256i count_bytes(__m256i lut, __m256i low, __m256i a) {
  return _mm256_add_epi8(_mm256_shuffle_epi8(lut, _mm256_and_si256(a, low)),
                         _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(a, 4), low)));
}
BRISK_TARGET_AVX512 inline __m512i count_bytes(__m512i lut, __m512i low, __m512i a) {
  return _mm512_add_epi8(_mm512_shuffle_epi8(lut, _mm512_and_si512(a, low)),
                         _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(a, 4), low)));
}

// AVX2: 4 outputs per vector; popcount by the nibble table (VPSHUFB), byte counts summed
// over up to 31 words, then VPSADBW into the 64-bit lanes.
template <bool Ternary>
BRISK_TARGET_AVX2 void bit_planes_avx2_t(float* v, const std::uint64_t* planes, int bits,
                                         const std::uint64_t* wpos, const std::uint64_t* wneg,
                                         int words, int out, std::int64_t xsum) {
  const std::size_t W = static_cast<std::size_t>(words), O = static_cast<std::size_t>(out);
  const __m256i lut = _mm256_broadcastsi128_si256(
      _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
  const __m256i low = _mm256_set1_epi8(0x0f), zero = _mm256_setzero_si256();
  for (std::size_t o = 0; o < O; o += 4) {
    const std::size_t lanes = std::min<std::size_t>(4, O - o);
    const __m256i mask = _mm256_cmpgt_epi64(_mm256_set1_epi64x(static_cast<long long>(lanes)),
                                            _mm256_setr_epi64x(0, 1, 2, 3));
    __m256i z = zero;
    for (int k = 0; k < bits; ++k) {
      const std::uint64_t* pk = planes + static_cast<std::size_t>(k) * W;
      __m256i c = zero;
      for (std::size_t j0 = 0; j0 < W; j0 += kByteChunk) {
        __m256i bp = zero, bn = zero;
        for (std::size_t j = j0; j < std::min(W, j0 + kByteChunk); ++j) {
          const __m256i p = _mm256_set1_epi64x(static_cast<long long>(pk[j]));
          const __m256i wp = _mm256_maskload_epi64(reinterpret_cast<const long long*>(wpos + j * O + o), mask);
          bp = _mm256_add_epi8(bp, count_bytes(lut, low, _mm256_and_si256(p, wp)));
          if constexpr (Ternary) {
            const __m256i wn = _mm256_maskload_epi64(reinterpret_cast<const long long*>(wneg + j * O + o), mask);
            bn = _mm256_add_epi8(bn, count_bytes(lut, low, _mm256_and_si256(p, wn)));
          }
        }
        c = _mm256_add_epi64(c, _mm256_sad_epu8(bp, zero));
        if constexpr (Ternary) c = _mm256_sub_epi64(c, _mm256_sad_epu8(bn, zero));
      }
      z = _mm256_add_epi64(z, _mm256_sll_epi64(c, _mm_cvtsi32_si128(k)));
    }
    if constexpr (!Ternary)
      z = _mm256_sub_epi64(_mm256_slli_epi64(z, 1), _mm256_set1_epi64x(static_cast<long long>(xsum)));
    alignas(32) std::int64_t zs[4];
    _mm256_store_si256(reinterpret_cast<__m256i*>(zs), z);
    for (std::size_t l = 0; l < lanes; ++l) v[o + l] += static_cast<float>(zs[l]);
  }
}
BRISK_TARGET_AVX2 void bit_planes_dense_avx2(float* v, const std::uint64_t* planes, int bits,
                                             const std::uint64_t* wpos, const std::uint64_t* wneg,
                                             int words, int out, std::int64_t xsum) {
  if (wneg) bit_planes_avx2_t<true>(v, planes, bits, wpos, wneg, words, out, xsum);
  else bit_planes_avx2_t<false>(v, planes, bits, wpos, wneg, words, out, xsum);
}
BRISK_TARGET_AVX2 bool pack_level_planes_avx2(const float* x, int n, int bits, std::uint64_t* planes,
                                              std::int64_t* xsum) {
  return pack_level_planes_body(x, n, bits, planes, xsum);
}

// AVX-512 without VPOPCNTQ: the nibble table on 8 outputs per vector.
template <bool Ternary>
BRISK_TARGET_AVX512 void bit_planes_lut512_t(float* v, const std::uint64_t* planes, int bits,
                                             const std::uint64_t* wpos, const std::uint64_t* wneg,
                                             int words, int out, std::int64_t xsum) {
  const std::size_t W = static_cast<std::size_t>(words), O = static_cast<std::size_t>(out);
  const __m512i lut = _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
  const __m512i low = _mm512_set1_epi8(0x0f), zero = _mm512_setzero_si512();
  for (std::size_t o = 0; o < O; o += 8) {
    const std::size_t lanes = std::min<std::size_t>(8, O - o);
    const auto m = static_cast<__mmask8>((1u << lanes) - 1);
    __m512i z = zero;
    for (int k = 0; k < bits; ++k) {
      const std::uint64_t* pk = planes + static_cast<std::size_t>(k) * W;
      __m512i c = zero;
      for (std::size_t j0 = 0; j0 < W; j0 += kByteChunk) {
        __m512i bp = zero, bn = zero;
        for (std::size_t j = j0; j < std::min(W, j0 + kByteChunk); ++j) {
          const __m512i p = _mm512_set1_epi64(static_cast<long long>(pk[j]));
          bp = _mm512_add_epi8(bp, count_bytes(lut, low, _mm512_and_si512(p, _mm512_maskz_loadu_epi64(m, wpos + j * O + o))));
          if constexpr (Ternary)
            bn = _mm512_add_epi8(bn, count_bytes(lut, low, _mm512_and_si512(p, _mm512_maskz_loadu_epi64(m, wneg + j * O + o))));
        }
        c = _mm512_add_epi64(c, _mm512_sad_epu8(bp, zero));
        if constexpr (Ternary) c = _mm512_sub_epi64(c, _mm512_sad_epu8(bn, zero));
      }
      z = _mm512_add_epi64(z, _mm512_sll_epi64(c, _mm_cvtsi32_si128(k)));
    }
    if constexpr (!Ternary)
      z = _mm512_sub_epi64(_mm512_slli_epi64(z, 1), _mm512_set1_epi64(static_cast<long long>(xsum)));
    alignas(32) float f[8];  // exact: |z| < 2^24
    _mm256_store_ps(f, _mm256_cvtepi32_ps(_mm512_cvtepi64_epi32(z)));
    for (std::size_t l = 0; l < lanes; ++l) v[o + l] += f[l];
  }
}

// AVX-512 with VPOPCNTQ (AVX512_VPOPCNTDQ): one popcount instruction per 8 words.
// Per block of 16 outputs (two vectors of 8), input word j outer and the Bits planes inner:
// each plane word is broadcast once for both vectors, the weight vectors of word j are
// loaded once for all planes, each plane keeps its counts in registers (c0[k], c1[k]),
// and z = sum_k c[k] << k at the end (integers: the order of the sums does not matter).
// Words where no plane has a bit (64 inputs at level 0) add nothing and are skipped
// (listed once per call when there are at most kListed words, else all are visited).
#define BRISK_TARGET_VPOPCNT __attribute__((target("avx512f,avx512bw,avx512vpopcntdq,popcnt")))
template <bool Ternary, int Bits>
BRISK_TARGET_VPOPCNT inline void add_plane_counts(float* v, std::size_t lanes, const __m512i* c,
                                                  std::int64_t xsum) {
  __m512i z = c[0];
  for (int k = 1; k < Bits; ++k) z = _mm512_add_epi64(z, _mm512_slli_epi64(c[k], static_cast<unsigned>(k)));
  if constexpr (!Ternary)
    z = _mm512_sub_epi64(_mm512_slli_epi64(z, 1), _mm512_set1_epi64(static_cast<long long>(xsum)));
  alignas(32) float f[8];  // exact: |z| < 2^24
  _mm256_store_ps(f, _mm256_cvtepi32_ps(_mm512_cvtepi64_epi32(z)));
  for (std::size_t l = 0; l < lanes; ++l) v[l] += f[l];
}
template <bool Ternary, int Bits, class Word>
BRISK_TARGET_VPOPCNT inline void bit_planes_vpopcnt_words(float* v, const std::uint64_t* planes,
                                                          const std::uint64_t* wpos,
                                                          const std::uint64_t* wneg, std::size_t W,
                                                          std::size_t O, std::int64_t xsum,
                                                          std::size_t visits, Word word) {
  for (std::size_t o = 0; o < O; o += 16) {
    const std::size_t lanes0 = std::min<std::size_t>(8, O - o);
    const std::size_t lanes1 = O - o > 8 ? std::min<std::size_t>(8, O - o - 8) : 0;
    const auto m0 = static_cast<__mmask8>((1u << lanes0) - 1);
    const auto m1 = static_cast<__mmask8>((1u << lanes1) - 1);  // 0: nothing loaded
    __m512i c0[Bits], c1[Bits];
    for (int k = 0; k < Bits; ++k) c0[k] = c1[k] = _mm512_setzero_si512();
    for (std::size_t e = 0; e < visits; ++e) {
      const std::size_t j = word(e);
      const std::uint64_t* wp = wpos + j * O + o;
      const __m512i wp0 = _mm512_maskz_loadu_epi64(m0, wp), wp1 = _mm512_maskz_loadu_epi64(m1, wp + 8);
      if constexpr (Ternary) {
        const std::uint64_t* wn = wneg + j * O + o;
        const __m512i wn0 = _mm512_maskz_loadu_epi64(m0, wn), wn1 = _mm512_maskz_loadu_epi64(m1, wn + 8);
        for (int k = 0; k < Bits; ++k) {
          const __m512i p = _mm512_set1_epi64(static_cast<long long>(planes[static_cast<std::size_t>(k) * W + j]));
          c0[k] = _mm512_sub_epi64(_mm512_add_epi64(c0[k], _mm512_popcnt_epi64(_mm512_and_si512(p, wp0))),
                                   _mm512_popcnt_epi64(_mm512_and_si512(p, wn0)));
          c1[k] = _mm512_sub_epi64(_mm512_add_epi64(c1[k], _mm512_popcnt_epi64(_mm512_and_si512(p, wp1))),
                                   _mm512_popcnt_epi64(_mm512_and_si512(p, wn1)));
        }
      } else {
        for (int k = 0; k < Bits; ++k) {
          const __m512i p = _mm512_set1_epi64(static_cast<long long>(planes[static_cast<std::size_t>(k) * W + j]));
          c0[k] = _mm512_add_epi64(c0[k], _mm512_popcnt_epi64(_mm512_and_si512(p, wp0)));
          c1[k] = _mm512_add_epi64(c1[k], _mm512_popcnt_epi64(_mm512_and_si512(p, wp1)));
        }
      }
    }
    add_plane_counts<Ternary, Bits>(v + o, lanes0, c0, xsum);
    if (lanes1) add_plane_counts<Ternary, Bits>(v + o + 8, lanes1, c1, xsum);
  }
}
template <bool Ternary, int Bits>
BRISK_TARGET_VPOPCNT void bit_planes_vpopcnt_t(float* v, const std::uint64_t* planes,
                                               const std::uint64_t* wpos, const std::uint64_t* wneg,
                                               int words, int out, std::int64_t xsum) {
  constexpr std::size_t kListed = 256;
  const std::size_t W = static_cast<std::size_t>(words), O = static_cast<std::size_t>(out);
  if (W > kListed) {
    bit_planes_vpopcnt_words<Ternary, Bits>(v, planes, wpos, wneg, W, O, xsum, W,
                                            [](std::size_t e) { return e; });
    return;
  }
  std::uint16_t live[kListed];
  std::size_t nlive = 0;
  for (std::size_t j = 0; j < W; ++j) {
    std::uint64_t any = 0;
    for (int k = 0; k < Bits; ++k) any |= planes[static_cast<std::size_t>(k) * W + j];
    live[nlive] = static_cast<std::uint16_t>(j);
    nlive += any != 0;
  }
  bit_planes_vpopcnt_words<Ternary, Bits>(v, planes, wpos, wneg, W, O, xsum, nlive,
                                          [&live](std::size_t e) { return static_cast<std::size_t>(live[e]); });
}
template <bool Ternary>
BRISK_TARGET_VPOPCNT void bit_planes_vpopcnt_bits(float* v, const std::uint64_t* planes, int bits,
                                                  const std::uint64_t* wpos, const std::uint64_t* wneg,
                                                  int words, int out, std::int64_t xsum) {
  switch (bits) {
    case 1: return bit_planes_vpopcnt_t<Ternary, 1>(v, planes, wpos, wneg, words, out, xsum);
    case 2: return bit_planes_vpopcnt_t<Ternary, 2>(v, planes, wpos, wneg, words, out, xsum);
    case 3: return bit_planes_vpopcnt_t<Ternary, 3>(v, planes, wpos, wneg, words, out, xsum);
    case 4: return bit_planes_vpopcnt_t<Ternary, 4>(v, planes, wpos, wneg, words, out, xsum);
    case 5: return bit_planes_vpopcnt_t<Ternary, 5>(v, planes, wpos, wneg, words, out, xsum);
    case 6: return bit_planes_vpopcnt_t<Ternary, 6>(v, planes, wpos, wneg, words, out, xsum);
    case 7: return bit_planes_vpopcnt_t<Ternary, 7>(v, planes, wpos, wneg, words, out, xsum);
    default: return bit_planes_vpopcnt_t<Ternary, 8>(v, planes, wpos, wneg, words, out, xsum);  // bits <= 8
  }
}
BRISK_TARGET_VPOPCNT void bit_planes_dense_vpop(float* v, const std::uint64_t* planes, int bits,
                                                const std::uint64_t* wpos, const std::uint64_t* wneg,
                                                int words, int out, std::int64_t xsum) {
  if (wneg) bit_planes_vpopcnt_bits<true>(v, planes, bits, wpos, wneg, words, out, xsum);
  else bit_planes_vpopcnt_bits<false>(v, planes, bits, wpos, wneg, words, out, xsum);
}
#undef BRISK_TARGET_VPOPCNT

BRISK_TARGET_AVX512 void bit_planes_dense_lut512(float* v, const std::uint64_t* planes, int bits,
                                                 const std::uint64_t* wpos, const std::uint64_t* wneg,
                                                 int words, int out, std::int64_t xsum) {
  if (wneg) bit_planes_lut512_t<true>(v, planes, bits, wpos, wneg, words, out, xsum);
  else bit_planes_lut512_t<false>(v, planes, bits, wpos, wneg, words, out, xsum);
}

BRISK_TARGET_AVX512 void bit_planes_dense_avx512(float* v, const std::uint64_t* planes, int bits,
                                                 const std::uint64_t* wpos, const std::uint64_t* wneg,
                                                 int words, int out, std::int64_t xsum) {
  static const bool vpop = cpu_has_vpopcnt();
  if (vpop) bit_planes_dense_vpop(v, planes, bits, wpos, wneg, words, out, xsum);
  else if (wneg) bit_planes_lut512_t<true>(v, planes, bits, wpos, wneg, words, out, xsum);
  else bit_planes_lut512_t<false>(v, planes, bits, wpos, wneg, words, out, xsum);
}

// 16 inputs per vector: convert, check (integer, in range), one VPTESTMD per plane.
BRISK_TARGET_AVX512 bool pack_level_planes_avx512(const float* x, int n, int bits,
                                                  std::uint64_t* planes, std::int64_t* xsum) {
  const std::size_t W = static_cast<std::size_t>(bit_words(n)), N = static_cast<std::size_t>(n);
  const __m512 top = _mm512_set1_ps(static_cast<float>(1 << bits)), zero = _mm512_setzero_ps();
  __m512i sum = _mm512_setzero_si512();
  for (std::size_t j = 0; j < W; ++j) {
    std::uint64_t word[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (std::size_t q = 0; q < 4; ++q) {
      const std::size_t i = 64 * j + 16 * q;
      if (i >= N) break;
      const auto m = static_cast<__mmask16>(N - i >= 16 ? 0xffffu : (1u << (N - i)) - 1);
      const __m512 a = _mm512_maskz_loadu_ps(m, x + i);
      const __m512i level = _mm512_cvttps_epi32(a);
      const __mmask16 ok = _mm512_cmp_ps_mask(a, zero, _CMP_GE_OQ) & _mm512_cmp_ps_mask(a, top, _CMP_LT_OQ) &
                           _mm512_cmp_ps_mask(_mm512_cvtepi32_ps(level), a, _CMP_EQ_OQ);
      if (ok != 0xffff) return false;  // lanes past n hold 0, which is valid
      sum = _mm512_add_epi32(sum, level);
      for (int k = 0; k < bits; ++k)
        word[k] |= static_cast<std::uint64_t>(_mm512_test_epi32_mask(level, _mm512_set1_epi32(1 << k))) << (16 * q);
    }
    for (int k = 0; k < bits; ++k) planes[static_cast<std::size_t>(k) * W + j] = word[k];
  }
  *xsum = _mm512_reduce_add_epi32(sum);
  return true;
}
#pragma GCC diagnostic pop
#endif

}  // namespace

const IsaTable<BitDenseFn> bit_dense_variants =
    BRISK_ISA_TABLE(bit_dense_baseline, bit_dense_avx2, bit_dense_avx512);
const IsaTable<BitDenseXnorFn> bit_dense_xnor_variants =
    BRISK_ISA_TABLE(bit_dense_xnor_baseline, bit_dense_xnor_avx2, bit_dense_xnor_avx512);
#if BRISK_ISA_VARIANTS
const BitDenseFn bit_dense_avx512_scalar = bit_dense_scalar512;
const BitDenseXnorFn bit_dense_xnor_avx512_scalar = bit_dense_xnor_scalar512;
#else
const BitDenseFn bit_dense_avx512_scalar = nullptr;
const BitDenseXnorFn bit_dense_xnor_avx512_scalar = nullptr;
#endif

void bit_dense(float* v, const std::uint64_t* xp, const std::uint64_t* xn, const std::uint64_t* wpos,
               const std::uint64_t* wneg, int words, int out) {
  static const BitDenseFn best = bit_dense_variants.best();
  best(v, xp, xn, wpos, wneg, words, out);
}

void bit_dense_xnor(float* v, const std::uint64_t* xp, const std::uint64_t* wpos, int words,
                    int n_in, int out) {
  static const BitDenseXnorFn best = bit_dense_xnor_variants.best();
  best(v, xp, wpos, words, n_in, out);
}

bool cpu_has_vpopcnt() {
#if BRISK_ISA_VARIANTS
  return cpu_has(Isa::Avx512) && __builtin_cpu_supports("avx512vpopcntdq");
#else
  return false;
#endif
}

const IsaTable<BitPlanesDenseFn> bit_planes_dense_variants =
    BRISK_ISA_TABLE(bit_planes_dense_baseline, bit_planes_dense_avx2, bit_planes_dense_avx512);
#if BRISK_ISA_VARIANTS
const BitPlanesDenseFn bit_planes_dense_vpopcnt = bit_planes_dense_vpop;
const BitPlanesDenseFn bit_planes_dense_avx512_lut = bit_planes_dense_lut512;
#else
const BitPlanesDenseFn bit_planes_dense_vpopcnt = nullptr;
const BitPlanesDenseFn bit_planes_dense_avx512_lut = nullptr;
#endif
const IsaTable<PackLevelPlanesFn> pack_level_planes_variants =
    BRISK_ISA_TABLE(pack_level_planes_baseline, pack_level_planes_avx2, pack_level_planes_avx512);

void bit_planes_dense(float* v, const std::uint64_t* planes, int bits, const std::uint64_t* wpos,
                      const std::uint64_t* wneg, int words, int out, std::int64_t xsum) {
  static const BitPlanesDenseFn best = bit_planes_dense_variants.best();
  best(v, planes, bits, wpos, wneg, words, out, xsum);
}

bool pack_level_planes(const float* x, int n, int bits, std::uint64_t* planes, std::int64_t* xsum) {
  static const PackLevelPlanesFn best = pack_level_planes_variants.best();
  return best(x, n, bits, planes, xsum);
}

void pack_transposed(const float* weight, int n_in, int out, std::uint64_t* wpos, std::uint64_t* wneg) {
  const std::size_t O = static_cast<std::size_t>(out);
  const std::size_t words = static_cast<std::size_t>(bit_words(n_in));
  std::fill_n(wpos, words * O, std::uint64_t{0});
  if (wneg) std::fill_n(wneg, words * O, std::uint64_t{0});
  for (int i = 0; i < n_in; ++i)
    for (std::size_t o = 0; o < O; ++o) {
      const float w = weight[static_cast<std::size_t>(i) * O + o];
      const std::uint64_t bit = std::uint64_t{1} << (i % 64);
      const std::size_t at = static_cast<std::size_t>(i / 64) * O + o;
      if (w > 0) wpos[at] |= bit;
      else if (w < 0 && wneg) wneg[at] |= bit;
    }
}

void bit_dense_ref(float* v, const float* x, int n_in, const float* weight, int out) {
  for (int i = 0; i < n_in; ++i)
    for (int o = 0; o < out; ++o)
      v[o] = v[o] + x[i] * weight[static_cast<std::size_t>(i) * static_cast<std::size_t>(out) +
                                  static_cast<std::size_t>(o)];
}

}  // namespace brisk::kernels

namespace brisk::ops {
namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  kDense.pack(l, plan, p);  // the float rows [in][out] in the producer's order
  const int nin = l.weight_shape.at(0), nout = l.weight_shape.at(1);
  AlignedFloats signs;  // the readout (weights a_o * {-1, 0, 1}, compile() checked): their signs
  if (l.bitwise == Bitwise::None) {
    p.bit_scale.assign(static_cast<std::size_t>(nout), 0.0f);
    for (std::size_t k = 0; k < p.weight.size(); ++k) {
      float& a = p.bit_scale[k % static_cast<std::size_t>(nout)];
      a = std::max(a, std::abs(p.weight[k]));
    }
    signs = p.weight;
    for (float& w : signs) w = w > 0 ? 1.0f : (w < 0 ? -1.0f : 0.0f);
  }
  const AlignedFloats& alphabet = signs.empty() ? p.weight : signs;
  for (float w : alphabet)
    if (!(w == 1.0f || w == -1.0f || w == 0.0f)) fail(l, "BitDense needs weights in {-1, 0, +1}");
  p.bit_words = kernels::bit_words(nin);
  p.bit_binary = l.bitwise == Bitwise::Binary ||
                 (l.bitwise == Bitwise::None && std::find(signs.begin(), signs.end(), 0.0f) == signs.end());
  const std::size_t plane = static_cast<std::size_t>(nout) * static_cast<std::size_t>(p.bit_words);
  p.bits.resize(2 * plane);  // word-major +1 words, then -1 words (binary too: bit_dense)
  kernels::pack_transposed(alphabet.data(), nin, nout, p.bits.data(), p.bits.data() + plane);
  if (p.bit_planes > 0) {  // fed integer levels: the weights word-major for the level planes
    const std::size_t n = static_cast<std::size_t>(p.bit_words) * static_cast<std::size_t>(nout);
    p.bits_t.resize(p.bit_binary ? n : 2 * n);
    kernels::pack_transposed(p.weight.data(), nin, nout, p.bits_t.data(),
                             p.bit_binary ? nullptr : p.bits_t.data() + n);
  }
  for (int i = 0; i < nin; ++i)
    p.fanout[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(
        std::count_if(p.weight.begin() + static_cast<std::ptrdiff_t>(i) * nout,
                      p.weight.begin() + static_cast<std::ptrdiff_t>(i + 1) * nout,
                      [](float w) { return w != 0.0f; }));
  // The readout (not a bitwise layer of the converted graph) keeps the Dense operator's
  // count, every output per event, so that its SOPs do not depend on the kernel.
  if (l.bitwise == Bitwise::None) p.fanout.assign(static_cast<std::size_t>(nin), static_cast<std::uint32_t>(nout));
}

std::uint64_t integrate_signs(const Context& c, Events ev, float* target);

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  if (c.p.bit_scale.empty()) return integrate_signs(c, ev, target);
  const int out = c.p.c;
  if (!c.in_bits && !std::all_of(ev.pay.begin(), ev.pay.end(), [](float a) { return a == 1.0f || a == -1.0f; })) {
    std::uint64_t sops = 0;  // not +-1 spikes: the float rows (a_o * sign)
    for (const std::int32_t id : ev.ids) sops += c.p.fanout[static_cast<std::size_t>(id)];
    kernels::dense_scatter(target, ev.ids, ev.pay, c.p.weight.data(), out);
    return sops;
  }
  // The readout: the integer sums of the signs (in the zero scratch), times a_o.
  const std::uint64_t sops = integrate_signs(c, ev, c.dense_in);
  for (int o = 0; o < out; ++o) {
    const auto k = static_cast<std::size_t>(o);
    target[k] += c.dense_in[k] * c.p.bit_scale[k];
    c.dense_in[k] = 0.0f;
  }
  return sops;
}

std::uint64_t integrate_signs(const Context& c, Events ev, float* target) {
  const std::size_t W = static_cast<std::size_t>(c.p.bit_words);
  const int out = c.p.c;
  const std::uint64_t* wpos = c.p.bits.data();
  const std::uint64_t* wneg = wpos + W * static_cast<std::size_t>(out);
  if (c.in_bits) {  // the producer wrote this step's +-1 spikes as planes already
    std::uint64_t sops = 0;
    for (std::size_t e = 0; e < ev.ids.size(); ++e) sops += c.p.fanout[static_cast<std::size_t>(ev.ids[e])];
    if (c.p.bit_binary && ev.ids.size() == c.in.size())
      kernels::bit_dense_xnor(target, c.in_bits, wpos, c.p.bit_words, static_cast<int>(c.in.size()), out);
    else
      kernels::bit_dense(target, c.in_bits, c.in_bits + W, wpos, wneg, c.p.bit_words, out);
    return sops;
  }
  std::uint64_t* xp = c.bits;
  std::uint64_t* xn = c.bits + W;
  std::uint64_t sops = 0;
  bool unit = true;  // every payload is +-1
  for (std::size_t e = 0; e < ev.ids.size(); ++e) {
    const auto id = static_cast<std::uint32_t>(ev.ids[e]);
    const std::uint64_t bit = std::uint64_t{1} << (id % 64);
    if (ev.pay[e] == 1.0f) xp[id / 64] |= bit;
    else if (ev.pay[e] == -1.0f) xn[id / 64] |= bit;
    else unit = false;
    sops += c.p.fanout[id];
  }
  if (!unit) {  // not a +-1 spike train: the float rows give the same sum
    kernels::dense_scatter(target, ev.ids, ev.pay, c.p.weight.data(), out);
  } else if (c.p.bit_binary && ev.ids.size() == c.in.size()) {
    kernels::bit_dense_xnor(target, xp, wpos, c.p.bit_words, static_cast<int>(c.in.size()), out);
  } else {
    kernels::bit_dense(target, xp, xn, wpos, wneg, c.p.bit_words, out);
  }
  for (std::size_t e = 0; e < ev.ids.size(); ++e) {
    const auto id = static_cast<std::uint32_t>(ev.ids[e]);
    xp[id / 64] = xn[id / 64] = 0;
  }
  return sops;
}

// The analog first layer: its integer levels split into bit planes (in the scratch after
// the two spike planes), popcounts against the word-major weights. SOPs are not counted
// on the analog path (its work is the layer's MACs, RunResult::analog_macs).
bool integrate_analog(const Context& c, std::span<const float> x, float* target) {
  if (c.p.bit_planes == 0 || x.size() != c.in.size()) return false;
  const std::size_t W = static_cast<std::size_t>(c.p.bit_words);
  std::uint64_t* planes = c.bits + 2 * W;
  std::int64_t xsum = 0;
  if (!kernels::pack_level_planes(x.data(), static_cast<int>(x.size()), c.p.bit_planes, planes, &xsum))
    return false;  // not integer levels in range: the float rows
  const std::size_t n = W * static_cast<std::size_t>(c.p.c);
  kernels::bit_planes_dense(target, planes, c.p.bit_planes, c.p.bits_t.data(),
                            c.p.bit_binary ? nullptr : c.p.bits_t.data() + n, c.p.bit_words, c.p.c, xsum);
  return true;
}

}  // namespace

const OpTraits kBitDense{KernelKind::BitDense, "BitDense", pack, integrate, integrate_analog};

}  // namespace brisk::ops
