#pragma once
// Augmented encoder: an augmented neuron with threshold `scale` driven by |x| every step;
// each step sends c = floor(V/scale) (bounded by max_coefficient, 0 = unbounded),
// V -= c*scale, payload sign(x)*c. Over T steps the coefficients sum to floor(T*|x|/scale)
// (unbounded case).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>

namespace brisk::encoders {

// `v` is scratch of x.size() floats. Sink: push(std::int32_t id, float payload), end_step().
template <class Sink>
void augmented(std::span<const float> x, float scale, int max_coefficient, int steps,
               std::span<float> v, Sink& out) {
  const float bound = max_coefficient > 0 ? static_cast<float>(max_coefficient)
                                          : std::numeric_limits<float>::infinity();
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
