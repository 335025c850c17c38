#pragma once
// Integrate-and-fire (Rueckauer et al.): V += input; a spike when V >= theta, then
// V -= theta (reset by subtraction) or V = 0 (reset to zero). leak < 1 gives the leaky IF
// (V <- leak*V before integrating). With constant input z, V0 = 0 and T steps the spike
// count is clamp(floor(T z / theta), 0, T); with V0 = theta/2 the floor becomes a round.
#include <cstddef>

#include <brisk/neurons/kernels.hpp>
#include <brisk/neurons/neuron.hpp>
#include <brisk/neurons/population.hpp>

namespace brisk::neurons {

struct IntegrateFire {
  static constexpr NeuronKind kind = NeuronKind::IF;
  static constexpr bool has_aux = false;

  float leak = 1.0f;
  ResetMode reset = ResetMode::Subtract;

  static IntegrateFire from(const Params& p) {
    return {p.leak, p.reset_to_zero ? ResetMode::Zero : ResetMode::Subtract};
  }
  void begin_step(std::span<float> v) const { apply_leak(leak, v); }
  // Integrates the constant drive (when not null), fires and resets in one vectorized
  // pass; the fired ids (increasing) are left in scan.ids; returns how many.
  std::size_t fire_fused(const Population& pop, const float* drive, Scan scan) const {
    return kernels::if_fire(pop.v, drive, pop.theta, pop.channels, pop.rows,
                            reset == ResetMode::Zero, scan.ids);
  }
  template <class Emit>
  void fire(const Population& pop, Scan scan, Emit&& emit) const {
    const std::size_t hits = fire_fused(pop, nullptr, scan);
    for (std::size_t h = 0; h < hits; ++h) emit(scan.ids[h], 1.0f);
  }
};

}  // namespace brisk::neurons
