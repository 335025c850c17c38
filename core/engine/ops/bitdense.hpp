#pragma once
// Bit-packed kernels of binary / ternary Dense layers (the operator is in ops/bitdense.cpp).
//
// Weights: per output o, two bit planes over the inputs, `words` 64-bit words each, at
// wbits[(2 o) * words] (+1 weights) and wbits[(2 o + 1) * words] (-1 weights); a binary
// layer's planes are complements of each other on the valid bits. The step's input is two
// planes too: xp (inputs that sent +1) and xn (-1). Bits beyond the inputs are zero.
//   bit_dense       v[o] += popc(xp & wp) + popc(xn & wn) - popc(xp & wn) - popc(xn & wp)
//   bit_dense_xnor  every input sent +-1 and the weights are binary:
//                   v[o] += n_in - 2 popc(xp ^ wp)      (XNOR / popcount)
// Both add exact integers (|z| <= n_in < 2^24) and equal bit_dense_ref, which multiplies
// the float weights [in][out] literally.
#include <cstddef>
#include <cstdint>
#include <span>

#include <brisk/core/base/isa.hpp>

namespace brisk::kernels {

void bit_dense(float* v, const std::uint64_t* xp, const std::uint64_t* xn,
               const std::uint64_t* wbits, int words, int out);
void bit_dense_xnor(float* v, const std::uint64_t* xp, const std::uint64_t* wbits, int words,
                    int n_in, int out);
// Reference: v[o] += sum_i x[i] * weight[i * out + o], x dense (+-1 / 0).
void bit_dense_ref(float* v, const float* x, int n_in, const float* weight, int out);

// Packs weight [in][out] (values -1, 0, +1) into the planes above (2 * out * words words).
void pack_bit_planes(const float* weight, int n_in, int out, std::uint64_t* wbits);
inline int bit_words(int n) { return (n + 63) / 64; }

using BitDenseFn = void (*)(float*, const std::uint64_t*, const std::uint64_t*, const std::uint64_t*, int, int);
using BitDenseXnorFn = void (*)(float*, const std::uint64_t*, const std::uint64_t*, int, int, int);
extern const IsaTable<BitDenseFn> bit_dense_variants;
extern const IsaTable<BitDenseXnorFn> bit_dense_xnor_variants;

}  // namespace brisk::kernels
