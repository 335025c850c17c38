#pragma once
// Bit-packed kernels of binary / ternary Dense layers (the operator is in ops/bitdense.cpp).
//
// Weights: two bit planes over the inputs, `words` 64-bit words per output each, word-major
// (pack_transposed's layout, so that one vector holds word k of consecutive outputs):
// wpos[k * out + o] = word k of output o's +1 plane, wneg[k * out + o] its -1 plane; a
// binary layer's planes are complements of each other on the valid bits. The step's input
// is two planes too: xp (inputs that sent +1) and xn (-1). Bits beyond the inputs are zero.
//   bit_dense       v[o] += popc(xp & wp) + popc(xn & wn) - popc(xp & wn) - popc(xn & wp)
//   bit_dense_xnor  every input sent +-1 and the weights are binary:
//                   v[o] += n_in - 2 popc(xp ^ wp)      (XNOR / popcount)
// Both add exact integers (|z| <= n_in < 2^24) and equal bit_dense_ref, which multiplies
// the float weights [in][out] literally. The AVX-512 slot uses VPOPCNTQ on 8 outputs per
// vector where the CPU has AVX512_VPOPCNTDQ, the scalar loops otherwise.
#include <cstddef>
#include <cstdint>
#include <span>

#include <brisk/core/base/isa.hpp>

namespace brisk::kernels {

void bit_dense(float* v, const std::uint64_t* xp, const std::uint64_t* xn, const std::uint64_t* wpos,
               const std::uint64_t* wneg, int words, int out);
void bit_dense_xnor(float* v, const std::uint64_t* xp, const std::uint64_t* wpos, int words,
                    int n_in, int out);
// Reference: v[o] += sum_i x[i] * weight[i * out + o], x dense (+-1 / 0).
void bit_dense_ref(float* v, const float* x, int n_in, const float* weight, int out);

inline int bit_words(int n) { return (n + 63) / 64; }

using BitDenseFn = void (*)(float*, const std::uint64_t*, const std::uint64_t*, const std::uint64_t*,
                            const std::uint64_t*, int, int);
using BitDenseXnorFn = void (*)(float*, const std::uint64_t*, const std::uint64_t*, int, int, int);
extern const IsaTable<BitDenseFn> bit_dense_variants;
extern const IsaTable<BitDenseXnorFn> bit_dense_xnor_variants;
// The AVX-512 slot's scalar loops (what it runs without VPOPCNTQ; null when not compiled).
extern const BitDenseFn bit_dense_avx512_scalar;
extern const BitDenseXnorFn bit_dense_xnor_avx512_scalar;

// The analog first layer of a bitwise net (issue 10): inputs are integer levels
// 0..2^B-1 (B <= 8, the pixels round(x * input_levels)) and the weights binary or ternary.
// The input is split into B bit planes, planes[k * words + j] = bit k of the levels of
// inputs 64 j .. 64 j + 63, and
//   bit_planes_dense  v[o] += sum_k 2^k (popc(P_k & W+_o) - popc(P_k & W-_o))
// exactly in integers, with the weights transposed, word-major (so that a vector holds
// one word of consecutive outputs): wpos[j * out + o] = word j of output o's +1 plane,
// wneg the same for -1, or null for a binary layer, whose -1 plane is the complement of
// the +1 plane on the valid bits; then popc(P_k & W-) = popc(P_k) - popc(P_k & W+) and
//   v[o] += 2 sum_k 2^k popc(P_k & W+_o) - xsum,      xsum = sum_i x_i.
// Equal to bit_dense_ref with x the levels whenever |v[o]| + xsum stays below 2^24.
void bit_planes_dense(float* v, const std::uint64_t* planes, int bits, const std::uint64_t* wpos,
                      const std::uint64_t* wneg, int words, int out, std::int64_t xsum);
// Packs weight [in][out] (values -1, 0, +1) into wpos / wneg, words * out words each.
void pack_transposed(const float* weight, int n_in, int out, std::uint64_t* wpos,
                     std::uint64_t* wneg);
// Splits x[0..n) into `bits` planes of bit_words(n) words (every word written; bits past
// n zero) and sets *xsum = sum x. False (planes undefined) when some x is not an integer
// in [0, 2^bits).
bool pack_level_planes(const float* x, int n, int bits, std::uint64_t* planes, std::int64_t* xsum);

using BitPlanesDenseFn = void (*)(float*, const std::uint64_t*, int, const std::uint64_t*,
                                  const std::uint64_t*, int, int, std::int64_t);
using PackLevelPlanesFn = bool (*)(const float*, int, int, std::uint64_t*, std::int64_t*);
// The AVX-512 slot uses VPOPCNTQ where the CPU has AVX512_VPOPCNTDQ (bit_planes_dense_vpopcnt,
// null when not compiled) and a nibble-table popcount otherwise; the AVX2 slot the
// nibble table on 256-bit vectors; the baseline scalar popcounts.
extern const IsaTable<BitPlanesDenseFn> bit_planes_dense_variants;
extern const BitPlanesDenseFn bit_planes_dense_vpopcnt;
extern const BitPlanesDenseFn bit_planes_dense_avx512_lut;  // the slot without VPOPCNTQ
bool cpu_has_vpopcnt();
extern const IsaTable<PackLevelPlanesFn> pack_level_planes_variants;

}  // namespace brisk::kernels
