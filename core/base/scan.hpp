#pragma once
// Nonzero scans (vectorized; an AVX-512 compress loop where the CPU has it).
#include <cstddef>
#include <cstdint>

namespace brisk::kernels {

// Indices i with v[i] != 0, in increasing order; returns how many were written (out
// needs n + 16 entries).
std::size_t nonzero(const float* v, std::size_t n, std::int32_t* out);
// The same for integers (radix outputs q).
std::size_t nonzero_i32(const std::int32_t* v, std::size_t n, std::int32_t* out);

}  // namespace brisk::kernels
