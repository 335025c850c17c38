#pragma once
// Shapes and checked size arithmetic.
//
// Every size brisk derives from a file (tensor elements, bytes, spike-train lengths) is
// computed in 64-bit with overflow checks, against limits stated by the caller, before
// anything is allocated.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace brisk {

// Product of the dimensions (1 for an empty shape). No overflow check: for shapes that
// have been validated (see checked_shape_size).
std::size_t shape_size(std::span<const int> shape);
// "1x28x28"
std::string shape_str(std::span<const int> shape);

// a*b and a+b, or nullopt when the result does not fit in 64 bits.
std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b);
std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b);
// Product of the dimensions, or nullopt when a dimension is negative or the product
// exceeds `limit`.
std::optional<std::uint64_t> checked_shape_size(std::span<const int> shape,
                                                std::uint64_t limit = UINT64_MAX);

}  // namespace brisk
