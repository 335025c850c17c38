#include <brisk/core/base/shape.hpp>

namespace brisk {

std::size_t shape_size(std::span<const int> shape) {
  std::size_t n = 1;
  for (int d : shape) n *= static_cast<std::size_t>(d);
  return n;
}

std::string shape_str(std::span<const int> shape) {
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += std::to_string(shape[i]);
  }
  return s;
}

std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

std::optional<std::uint64_t> checked_shape_size(std::span<const int> shape, std::uint64_t limit) {
  std::uint64_t n = 1;
  for (int d : shape) {
    if (d < 0) return std::nullopt;
    const auto m = checked_mul(n, static_cast<std::uint64_t>(d));
    if (!m || *m > limit) return std::nullopt;
    n = *m;
  }
  return n;
}

}  // namespace brisk
