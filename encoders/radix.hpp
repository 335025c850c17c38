#pragma once
// Radix encoder: base-B digits of |x| / scale, MSB first, one digit per step (payload =
// digit, negated for negative inputs).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>

namespace brisk::encoders {

// Integer level of |x| on a grid of `full` = base^digits levels:
// clip(floor(|x|/scale * full), 0, full - 1).
// (q >= 0, so the floor is the truncation: no libm call on the baseline target.)
inline std::int64_t radix_level(float x, float scale, double full) {
  const double q = static_cast<double>(std::fabs(x)) / scale * full;
  if (!(q >= 0.0)) return 0;  // NaN
  return q >= full ? static_cast<std::int64_t>(full - 1) : static_cast<std::int64_t>(q);
}

// Signed integer levels of x: sign(x_i) * radix_level(x_i).
inline void radix_levels(std::span<const float> x, float scale, int base, int digits,
                         std::span<std::int64_t> level) {
  const double full = std::pow(static_cast<double>(base), digits);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::int64_t q = radix_level(x[i], scale, full);
    level[i] = x[i] < 0 ? -q : q;
  }
}

// The K digit steps; steps after them are the caller's (they stay empty). `level` is
// scratch of x.size() values (the levels are computed once, not once per digit).
// Power-of-two bases extract digits with shifts (no division per pixel and digit).
// Sink: push(std::int32_t id, float payload), end_step().
template <class Sink>
void radix(std::span<const float> x, float scale, int base, int digits,
           std::span<std::int64_t> level, Sink& out) {
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
}

}  // namespace brisk::encoders
