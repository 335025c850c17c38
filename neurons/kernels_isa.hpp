#pragma once
// The per-Isa variants of the population kernels (neurons/kernels.hpp), for tests: each
// public kernel calls `<kernel>_variants.best()`; tests call every variant the CPU can
// run (cpu_has), the AVX2 and baseline ones included.
#include <cstddef>
#include <cstdint>

#include <brisk/core/base/isa.hpp>
#include <brisk/neurons/kernels.hpp>

namespace brisk::kernels {

using AtThresholdFn = std::size_t (*)(const float* v, const float* theta, int channels,
                                      std::size_t rows, bool both, std::int32_t* out);
using IfFireFn = std::size_t (*)(float* v, const float* drive, const float* theta, int channels,
                                 std::size_t rows, bool to_zero, std::int32_t* out);
using IfFireStepsFn = void (*)(float* v, const float* drive, const float* theta, int channels,
                               std::size_t rows, bool to_zero, int steps, std::uint16_t* fired);
using FiredIdsFn = std::size_t (*)(const std::uint16_t* fired, int channels, std::size_t rows,
                                   std::int32_t* out);

extern const IsaTable<AtThresholdFn> at_threshold_variants;
extern const IsaTable<IfFireFn> if_fire_variants;
extern const IsaTable<IfFireStepsFn> if_fire_steps_variants;
extern const IsaTable<FiredIdsFn> fired_ids_variants;
using RadixFireFn = std::size_t (*)(const RadixFire& a);
using RadixDigitFn = std::size_t (*)(const std::int32_t* q, std::size_t n, int shift, std::int32_t mask,
                                     std::int32_t* ids, float* pay);
extern const IsaTable<RadixDigitFn> radix_digit_variants;
extern const IsaTable<RadixFireFn> radix_fire_variants;
using DtFirePlanesFn = std::size_t (*)(float* v, std::int32_t* count, const float* theta, std::size_t n,
                                       std::int32_t* ids, float* pay, std::uint64_t* xp, std::uint64_t* xn);
extern const IsaTable<DtFirePlanesFn> dt_fire_planes_variants;

}  // namespace brisk::kernels
