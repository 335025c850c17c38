#pragma once
// Shared by the fuzz harnesses: the byte limit they read under (small, so a fuzzer's
// memory stays bounded; the readers' own default is 4 GiB) and a read of every element,
// so an Array whose storage does not cover its shape is caught by ASan.
#include <cstdint>

#include <brisk/data/array.hpp>

namespace brisk::fuzz {

inline constexpr std::uint64_t kMaxBytes = std::uint64_t{64} << 20;

inline void touch(const data::Array& a) {
  volatile unsigned char sink = 0;
  const std::size_t bytes = a.element_count() * data::dtype_size(a.dtype);
  for (std::size_t i = 0; i < bytes; ++i) sink = sink ^ static_cast<unsigned char>(a.data()[i]);
  (void)sink;
}

}  // namespace brisk::fuzz
