#pragma once
// Bit counts spelled out: the baseline x86-64 target has no popcnt instruction and
// std::popcount would call libgcc there; this form also vectorizes.
#include <cstdint>

namespace brisk {

// Number of one bits of x.
inline std::uint32_t ones32(std::uint32_t x) {
  x = x - ((x >> 1) & 0x55555555u);
  x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
  x = (x + (x >> 4)) & 0x0F0F0F0Fu;
  return (x * 0x01010101u) >> 24;
}

}  // namespace brisk
