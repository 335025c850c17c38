#pragma once
// What every neuron model works on: one population's state for one step, as spans owned
// by the caller (the engine's worker), and the scan scratch the vectorized threshold
// scans write into.
//
// Population layout: `rows` rows of `channels` neurons (channels-last images; a vector
// layer is one row). Thresholds are per channel.
//
// Step protocol of a spiking model M (the engine runs it once per layer and step, over the
// whole population; no virtual call per neuron or event):
//   m.begin_step(pop.v)                    leak (or nothing)
//   pop.v[i] += drive + synaptic input     (the engine)
//   m.fire(pop, scan, emit)                threshold, emit(id, payload) in increasing id
//                                          order, reset
#include <cstddef>
#include <cstdint>
#include <span>

namespace brisk::neurons {

struct Population {
  float* v = nullptr;             // membrane potential per neuron
  std::int32_t* aux = nullptr;    // integer state per neuron, for models that keep one
  const float* theta = nullptr;   // threshold per channel
  int channels = 1;
  std::size_t rows = 1;
  std::size_t size() const { return rows * static_cast<std::size_t>(channels); }
};

// The neurons that reach a threshold this step, found by a vectorized scan; the models
// then visit only those. `ids` is scratch of at least population size + 16.
struct Scan {
  std::int32_t* ids;
};

// Parameters a model is built from (conversion states them per layer; each model takes
// the ones it has).
struct Params {
  float leak = 1.0f;
  bool reset_to_zero = false;
  int radix_base = 2, radix_digits = 8;
  int max_coefficient = 0;
  bool negative_only_if_positive = true;
};

// V <- leak * V (the leaky models' begin_step).
inline void apply_leak(float leak, std::span<float> v) {
  if (leak != 1.0f)
    for (float& x : v) x *= leak;
}

}  // namespace brisk::neurons
