#pragma once
// Seeding: every random stream in brisk is derived from (seed, index) — a sample index, an
// ensemble member, a calibration draw — so results never depend on which worker thread
// runs what, or in which order.
#include <cstdint>

namespace brisk {

// SplitMix64 seeded from (seed, index).
class SplitMix64 {
 public:
  SplitMix64(std::uint64_t seed, std::uint64_t index)
      : state_(seed * 0x9E3779B97F4A7C15ull ^ (index + 0xD1B54A32D192ED03ull)) {
    next();
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 24 random bits (exact in float).
  float uniform() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }

 private:
  std::uint64_t state_;
};

}  // namespace brisk
