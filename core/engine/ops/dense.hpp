#pragma once
// Dense kernels (the operator is in ops/dense.cpp). Weight [in][out]: one input spike adds
// one contiguous row. The scatter (sparse) and gather (dense) twins add the contributions
// to each target in the same order (increasing input id), so they are bitwise equal; the
// reference states the operation literally (tests/sim/test_kernels.cpp).
#include <cstdint>
#include <span>

namespace brisk::kernels {

// Dense: weight [in][out]; one event adds payload * row[id] into v[0..out).
void dense_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                   const float* weight, int out);
void dense_scatter_ref(float* v, std::span<const std::int32_t> ids,
                       std::span<const float> payload, const float* weight, int out);
// Dense twin: x is the step's input as a dense vector of `in` values (zeros = no event).
void dense_gather(float* v, const float* x, int in, const float* weight, int out);

}  // namespace brisk::kernels
