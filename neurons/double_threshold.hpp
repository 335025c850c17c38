#pragma once
// Double-threshold neuron (TerMapping, Yu et al.; ternary networks): +1 spike when
// V >= theta, -1 spike when V <= -theta (optionally only while the neuron's net spike
// count is positive); V -= s*theta. leak < 1: V <- leak*V before integrating. Its integer
// state is the net spike count.
#include <cstddef>
#include <cstdint>

#include <brisk/neurons/kernels.hpp>
#include <brisk/neurons/neuron.hpp>
#include <brisk/neurons/population.hpp>

namespace brisk::neurons {

struct DoubleThreshold {
  static constexpr NeuronKind kind = NeuronKind::DoubleThreshold;
  static constexpr bool has_aux = true;  // net spike count

  float leak = 1.0f;
  bool negative_only_if_positive = true;

  static DoubleThreshold from(const Params& p) { return {p.leak, p.negative_only_if_positive}; }
  void begin_step(std::span<float> v) const { apply_leak(leak, v); }
  template <class Emit>
  void fire(const Population& pop, Scan scan, Emit&& emit) const {
    float* v = pop.v;
    std::int32_t* count = pop.aux;
    const std::size_t hits =
        kernels::at_threshold(v, pop.theta, pop.channels, pop.rows, true, scan.ids);
    for (std::size_t h = 0; h < hits; ++h) {
      const std::int32_t i = scan.ids[h];
      const float th = pop.theta[i % pop.channels];
      float s = 0.0f;
      if (v[i] >= th) s = 1.0f;
      else if (!negative_only_if_positive || count[i] > 0) s = -1.0f;
      if (s == 0.0f) continue;
      v[i] -= s * th;
      count[i] += static_cast<std::int32_t>(s);
      emit(i, s);
    }
  }
};

}  // namespace brisk::neurons
