#pragma once
// Vector helpers of the engine (vectorized per ISA, see core/base/isa.hpp).
#include <cstddef>
#include <cstdint>

namespace brisk::kernels {

// v[i] += a[i] over n values (constant currents; vectorized).
void add_into(float* v, const float* a, std::size_t n);

// out[i] = nearbyint(x[i] * scale) in the default rounding mode (to nearest, ties to even;
// the sign kept, -0.3 -> -0; values from 2^23 on, infinities and NaN as they are): the
// direct encoder's integer levels of a bitwise net. AVX2 / AVX-512: VROUNDPS / VRNDSCALEPS;
// baseline: adding and subtracting 2^23. Equal to scale_round_ref bitwise (NaN: a NaN).
void scale_round(float* out, const float* x, float scale, std::size_t n);
void scale_round_ref(float* out, const float* x, float scale, std::size_t n);

// sum over e < n of units[e] * fanout[ids[e]] (fanout null: of units[e]), exact in 64
// bits: the synaptic operations of n value events (SOP units per event, fan-out per id).
std::uint64_t sop_sum(const std::uint32_t* units, const std::int32_t* ids,
                      const std::uint32_t* fanout, std::size_t n);
// sum over i < n of units[i] * fanout[i], exact in 64 bits (units dense: 0 where no event).
std::uint64_t sop_dot(const std::uint32_t* units, const std::uint32_t* fanout, std::size_t n);
std::uint64_t sop_sum_ref(const std::uint32_t* units, const std::int32_t* ids,
                          const std::uint32_t* fanout, std::size_t n);

}  // namespace brisk::kernels
