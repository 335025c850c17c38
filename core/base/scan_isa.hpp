#pragma once
// The per-Isa variants of the nonzero scans (core/base/scan.hpp), for tests: the public
// functions call `variants.best()`; tests call every variant the CPU can run.
#include <cstddef>
#include <cstdint>

#include <brisk/core/base/isa.hpp>

namespace brisk::kernels {

using NonzeroFn = std::size_t (*)(const float* v, std::size_t n, std::int32_t* out);
using NonzeroI32Fn = std::size_t (*)(const std::int32_t* v, std::size_t n, std::int32_t* out);

extern const IsaTable<NonzeroFn> nonzero_variants;
extern const IsaTable<NonzeroI32Fn> nonzero_i32_variants;

}  // namespace brisk::kernels
