#pragma once
// Vector helpers of the engine (vectorized per ISA, see core/base/isa.hpp).
#include <cstddef>

namespace brisk::kernels {

// v[i] += a[i] over n values (constant currents; vectorized).
void add_into(float* v, const float* a, std::size_t n);

}  // namespace brisk::kernels
