#pragma once
// Encoders: a sample (already in the network's internal order) -> the Input layer's
// spike train over `steps` steps. Direct encoding has no train: the analog values drive
// the first layers as a constant current computed once (see core/engine.cpp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

#include "core/spike_train.hpp"

namespace brisk::encoders {

// SplitMix64: a per-sample generator seeded from (seed, sample index), so the spikes of
// a sample never depend on which worker runs it or in which order.
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

// Rate: at every step element i spikes with probability |x_i| / scale (clamped to 1),
// payload sign(x_i).
inline void rate(std::span<const float> x, float scale, int steps, std::uint64_t seed,
                 std::uint64_t index, SpikeTrain& out) {
  SplitMix64 rng(seed, index);
  out.clear(steps);
  for (int t = 0; t < steps; ++t) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      const float p = std::min(std::fabs(x[i]) / scale, 1.0f);
      if (p > 0.0f && rng.uniform() < p)
        out.push(static_cast<std::int32_t>(i), x[i] < 0 ? -1.0f : 1.0f);
    }
    out.end_step();
  }
}

// Integer level of |x| on a grid of `full` = base^digits levels:
// clip(floor(|x|/scale * full), 0, full - 1).
inline std::int64_t radix_level(float x, float scale, double full) {
  const double q = std::floor(static_cast<double>(std::fabs(x)) / scale * full);
  return static_cast<std::int64_t>(std::clamp(q, 0.0, full - 1));
}

// Signed integer levels of x for the radix encoder: sign(x_i) * radix_level(x_i).
inline void radix_levels(std::span<const float> x, float scale, int base, int digits,
                         std::span<std::int64_t> level) {
  const double full = std::pow(static_cast<double>(base), digits);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::int64_t q = radix_level(x[i], scale, full);
    level[i] = x[i] < 0 ? -q : q;
  }
}

// Radix: base-B digits of |x|/scale, MSB first, one digit per step (payload = digit,
// negated for negative inputs). Steps after the K digits stay empty. `level` is scratch of
// x.size() values (the levels are computed once, not once per digit). Power-of-two bases
// extract digits with shifts (no division per pixel and digit).
inline void radix(std::span<const float> x, float scale, int base, int digits, int steps,
                  std::span<std::int64_t> level, SpikeTrain& out) {
  out.clear(steps);
  radix_levels(x, scale, base, digits, level);
  const bool pow2 = (base & (base - 1)) == 0;
  int bits = 0;
  while ((1 << bits) < base) ++bits;
  std::int64_t div = 1;
  for (int k = 1; k < digits; ++k) div *= base;
  for (int k = 0; k < digits; ++k, div /= base) {
    const int shift = bits * (digits - 1 - k);
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (level[i] == 0) continue;
      const std::int64_t a = level[i] < 0 ? -level[i] : level[i];
      const std::int64_t d = pow2 ? (a >> shift) & (base - 1) : (a / div) % base;
      if (d != 0) out.push(static_cast<std::int32_t>(i), static_cast<float>(level[i] < 0 ? -d : d));
    }
    out.end_step();
  }
  out.close_until(steps);
}

// Augmented: an augmented neuron with threshold `scale` driven by x every step; each
// step sends c = floor(V/scale) (bounded by max_coefficient, 0 = unbounded), V -= c*scale.
// Over T steps the coefficients sum to floor(T*x/scale) (unbounded case).
// `v` is scratch of x.size() floats.
inline void augmented(std::span<const float> x, float scale, int max_coefficient, int steps,
                      std::span<float> v, SpikeTrain& out) {
  const float bound = max_coefficient > 0 ? static_cast<float>(max_coefficient)
                                          : std::numeric_limits<float>::infinity();
  out.clear(steps);
  std::fill(v.begin(), v.end(), 0.0f);
  for (int t = 0; t < steps; ++t) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      v[i] += std::fabs(x[i]);
      const float c = std::min(std::floor(v[i] / scale), bound);
      if (c <= 0.0f) continue;
      v[i] -= c * scale;
      out.push(static_cast<std::int32_t>(i), x[i] < 0 ? -c : c);
    }
    out.end_step();
  }
}

}  // namespace brisk::encoders
