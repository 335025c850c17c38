#pragma once
// Augmented-spike neuron (AugMapping, Yu et al.): one spike carries the coefficient
// c = floor(V/theta), bounded by max_coefficient (0 = unbounded); V -= c*theta. Only
// non-negative coefficients are sent. With one step and no bound this is the quantized
// ANN floor(z/theta)*theta. leak < 1: V <- leak*V before integrating.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include <brisk/neurons/kernels.hpp>
#include <brisk/neurons/neuron.hpp>
#include <brisk/neurons/population.hpp>

namespace brisk::neurons {

struct Augmented {
  static constexpr NeuronKind kind = NeuronKind::Augmented;
  static constexpr bool has_aux = false;

  float leak = 1.0f;
  int max_coefficient = 0;

  static Augmented from(const Params& p) { return {p.leak, p.max_coefficient}; }
  void begin_step(std::span<float> v) const { apply_leak(leak, v); }
  template <class Emit>
  void fire(const Population& pop, Scan scan, Emit&& emit) const {
    const float bound = max_coefficient > 0 ? static_cast<float>(max_coefficient)
                                            : std::numeric_limits<float>::infinity();
    float* v = pop.v;
    const std::size_t hits =
        kernels::at_threshold(v, pop.theta, pop.channels, pop.rows, false, scan.ids);
    for (std::size_t h = 0; h < hits; ++h) {
      const std::int32_t i = scan.ids[h];
      const float th = pop.theta[i % pop.channels];
      const float k = std::min(std::floor(v[i] / th), bound);
      v[i] -= k * th;
      emit(i, k);
    }
  }
};

}  // namespace brisk::neurons
