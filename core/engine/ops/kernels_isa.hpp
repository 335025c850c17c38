#pragma once
// The per-Isa variants of the synaptic kernels (ops/dense.hpp, ops/conv2d.hpp) and of
// add_into and scale_round (kernels/vector.hpp), for tests: each public kernel calls
// `<kernel>_variants.best()`; tests call every variant the CPU can run (cpu_has), the
// AVX2 and baseline ones included.
#include <cstddef>
#include <cstdint>
#include <span>

#include <brisk/core/base/isa.hpp>
#include <brisk/core/engine/ops/conv2d.hpp>

namespace brisk::kernels {

using DenseScatterFn = void (*)(float* v, std::span<const std::int32_t> ids,
                                std::span<const float> payload, const float* weight, int out);
using DenseGatherFn = void (*)(float* v, const float* x, int in, const float* weight, int out);
using ConvScatterFn = void (*)(float* v, std::span<const std::int32_t> ids,
                               std::span<const float> payload, const float* weight,
                               const ConvGeom& g, const ConvTaps& taps);
using ConvGatherFn = void (*)(float* v, const float* x, const float* weight, const ConvGeom& g);
using AddIntoFn = void (*)(float* v, const float* a, std::size_t n);
using ScaleRoundFn = void (*)(float* out, const float* x, float scale, std::size_t n);
using SopSumFn = std::uint64_t (*)(const std::uint32_t* units, const std::int32_t* ids,
                                   const std::uint32_t* fanout, std::size_t n);

extern const IsaTable<DenseScatterFn> dense_scatter_variants;
extern const IsaTable<DenseGatherFn> dense_gather_variants;
extern const IsaTable<ConvScatterFn> conv_scatter_variants;
extern const IsaTable<ConvGatherFn> conv_gather_variants;
extern const IsaTable<AddIntoFn> add_into_variants;
extern const IsaTable<ScaleRoundFn> scale_round_variants;  // kernels/vector.hpp
extern const IsaTable<SopSumFn> sop_sum_variants;          // kernels/vector.hpp
using SopDotFn = std::uint64_t (*)(const std::uint32_t* units, const std::uint32_t* fanout, std::size_t n);
extern const IsaTable<SopDotFn> sop_dot_variants;          // kernels/vector.hpp

}  // namespace brisk::kernels
