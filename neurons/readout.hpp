#pragma once
// The readout: the non-spiking output population. It accumulates its input (after an
// optional leak) and its potentials are the logits; argmax is the prediction at every
// step. In a radix network it integrates its K-digit window by shift-and-add and its
// logits after k of K digits are the digits seen so far as a fraction of full scale plus
// the constant terms.
#include <cstddef>
#include <span>

#include <brisk/neurons/neuron.hpp>
#include <brisk/neurons/population.hpp>

namespace brisk::neurons {

struct Readout {
  static constexpr NeuronKind kind = NeuronKind::Readout;
  static constexpr bool has_aux = false;

  float leak = 1.0f;
  int radix_base = 2, radix_digits = 8;

  static Readout from(const Params& p) { return {p.leak, p.radix_base, p.radix_digits}; }
  void begin_step(std::span<float> v) const { apply_leak(leak, v); }

  // base^n, exact for the sizes the engine admits (<= 2^24).
  static float ipow(int base, int n) {
    float r = 1.0f;
    for (int i = 0; i < n; ++i) r *= static_cast<float>(base);
    return r;
  }
  // Radix logits after `seen` of K digits: v * base^-seen (when v holds spiking input) +
  // drive (bias and analog current, when present) + v0 * base^-K (when present).
  void radix_logits(std::span<const float> v, const float* drive, const float* v0, int seen,
                    bool spiking_input, std::span<float> logits) const {
    const float inv = 1.0f / ipow(radix_base, seen);
    const float inv_full = 1.0f / ipow(radix_base, radix_digits);
    for (std::size_t i = 0; i < logits.size(); ++i)
      logits[i] = (spiking_input ? v[i] * inv : 0.0f) + (drive ? drive[i] : 0.0f) +
                  (v0 ? v0[i] * inv_full : 0.0f);
  }
};

}  // namespace brisk::neurons
