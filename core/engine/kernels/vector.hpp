#pragma once
// Vector helpers of the engine (vectorized per ISA, see core/base/isa.hpp).
#include <cstddef>

namespace brisk::kernels {

// v[i] += a[i] over n values (constant currents; vectorized).
void add_into(float* v, const float* a, std::size_t n);

// out[i] = nearbyint(x[i] * scale) in the default rounding mode (to nearest, ties to even;
// the sign kept, -0.3 -> -0; values from 2^23 on, infinities and NaN as they are): the
// direct encoder's integer levels of a bitwise net. AVX2 / AVX-512: VROUNDPS / VRNDSCALEPS;
// baseline: adding and subtracting 2^23. Equal to scale_round_ref bitwise (NaN: a NaN).
void scale_round(float* out, const float* x, float scale, std::size_t n);
void scale_round_ref(float* out, const float* x, float scale, std::size_t n);

}  // namespace brisk::kernels
