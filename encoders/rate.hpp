#pragma once
// Rate encoder: at every step element i spikes with probability |x_i| / scale (clamped to
// 1), payload sign(x_i). The generator is seeded from (seed, sample index), so a sample's
// train never depends on the worker that encodes it.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

#include <brisk/core/base/seed.hpp>

namespace brisk::encoders {

// Sink: push(std::int32_t id, float payload), end_step(); `out` is cleared by the caller.
template <class Sink>
void rate(std::span<const float> x, float scale, int steps, std::uint64_t seed,
          std::uint64_t index, Sink& out) {
  SplitMix64 rng(seed, index);
  for (int t = 0; t < steps; ++t) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      const float p = std::min(std::fabs(x[i]) / scale, 1.0f);
      if (p > 0.0f && rng.uniform() < p)
        out.push(static_cast<std::int32_t>(i), x[i] < 0 ? -1.0f : 1.0f);
    }
    out.end_step();
  }
}

}  // namespace brisk::encoders
