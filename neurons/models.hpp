#pragma once
// Neuron models as policy types: parameters, per-neuron state and the integrate / fire /
// reset rules of one population step. The engine picks the model once per layer-step
// (a switch on NeuronKind) and runs the model's loop over the whole population, so there
// is no virtual call per neuron or per event.
//
// Population layout: `positions` rows of `channels` neurons (channels-last images; a
// vector layer is one row). Thresholds are per channel. The state arrays are owned by the
// engine's worker; a model only reads its parameters and updates the state it is given.
//
// Step protocol for one population (engine side):
//   model.begin_step(state)            leak / shift-and-add scaling
//   state.v[i] += drive + scattered synaptic input
//   model.fire(state, emit)            threshold, emit events (increasing ids), reset
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>

#include "core/snn_spec.hpp"

namespace brisk::neurons {

// State of one population (per worker, per sample; reset at the start of each sample).
struct State {
  std::span<float> v;          // membrane potential per neuron
  std::span<std::int32_t> aux; // DoubleThreshold: net spike count; Radix: output integer q
};

// True when any neuron of a row has v >= theta (vectorizable pre-check: most rows of a
// sparse population do not fire, and this keeps the common path branch-free).
inline bool any_at_or_above(const float* v, const float* theta, int channels) {
  int hit = 0;
  for (int c = 0; c < channels; ++c) hit |= (v[c] >= theta[c]);
  return hit != 0;
}
inline bool any_outside(const float* v, const float* theta, int channels) {
  int hit = 0;
  for (int c = 0; c < channels; ++c) hit |= (v[c] >= theta[c]) | (v[c] <= -theta[c]);
  return hit != 0;
}

// Integrate-and-fire; leak < 1 gives the leaky IF (V <- leak*V before integrating).
struct IntegrateFire {
  float leak = 1.0f;
  ResetMode reset = ResetMode::Subtract;

  void begin_step(std::span<float> v) const {
    if (leak != 1.0f)
      for (float& x : v) x *= leak;
  }
  template <class Emit>
  void fire(float* v, const float* theta, int channels, std::size_t positions,
            Emit&& emit) const {
    for (std::size_t p = 0; p < positions; ++p) {
      float* row = v + p * channels;
      if (!any_at_or_above(row, theta, channels)) continue;
      for (int c = 0; c < channels; ++c) {
        if (row[c] < theta[c]) continue;
        row[c] = reset == ResetMode::Subtract ? row[c] - theta[c] : 0.0f;
        emit(static_cast<std::int32_t>(p * channels + c), 1.0f);
      }
    }
  }
};

// +1 at V >= theta, -1 at V <= -theta (optionally only while the net count is positive);
// V -= s*theta.
struct DoubleThreshold {
  float leak = 1.0f;
  bool negative_only_if_positive = true;

  void begin_step(std::span<float> v) const {
    if (leak != 1.0f)
      for (float& x : v) x *= leak;
  }
  template <class Emit>
  void fire(float* v, std::int32_t* count, const float* theta, int channels,
            std::size_t positions, Emit&& emit) const {
    for (std::size_t p = 0; p < positions; ++p) {
      float* row = v + p * channels;
      if (!any_outside(row, theta, channels)) continue;
      std::int32_t* n = count + p * channels;
      for (int c = 0; c < channels; ++c) {
        float s = 0.0f;
        if (row[c] >= theta[c]) s = 1.0f;
        else if (row[c] <= -theta[c] && (!negative_only_if_positive || n[c] > 0)) s = -1.0f;
        if (s == 0.0f) continue;
        row[c] -= s * theta[c];
        n[c] += static_cast<std::int32_t>(s);
        emit(static_cast<std::int32_t>(p * channels + c), s);
      }
    }
  }
};

// One spike carries c = floor(V/theta), bounded by max_coefficient (0 = unbounded);
// V -= c*theta. Only non-negative coefficients are sent.
struct Augmented {
  float leak = 1.0f;
  int max_coefficient = 0;

  void begin_step(std::span<float> v) const {
    if (leak != 1.0f)
      for (float& x : v) x *= leak;
  }
  template <class Emit>
  void fire(float* v, const float* theta, int channels, std::size_t positions,
            Emit&& emit) const {
    const float bound = max_coefficient > 0 ? static_cast<float>(max_coefficient)
                                            : std::numeric_limits<float>::infinity();
    for (std::size_t p = 0; p < positions; ++p) {
      float* row = v + p * channels;
      if (!any_at_or_above(row, theta, channels)) continue;
      for (int c = 0; c < channels; ++c) {
        if (row[c] < theta[c]) continue;
        const float k = std::min(std::floor(row[c] / theta[c]), bound);
        row[c] -= k * theta[c];
        emit(static_cast<std::int32_t>(p * channels + c), k);
      }
    }
  }
};

// Base-B, K-digit neuron. Over its window it integrates MSB-first input digits by
// shift-and-add (U_k = B*U_{k-1} + sum_j w_j d_jk), so U_K = B^K * sum_j w_j a_j / theta_in
// exactly. At the end of the window the bias (B^K * b) and V0 are added once and
// q = clip(floor(U_K / theta), 0, B^K - 1) is kept; its digits go out MSB first over the
// next K steps.
struct Radix {
  int base = 2;
  int digits = 8;

  double scale() const { return std::pow(static_cast<double>(base), digits); }
  std::int32_t q_max() const { return static_cast<std::int32_t>(scale()) - 1; }

  // Shift: called before each window step's input is added (a no-op on the first step,
  // where U = 0).
  void shift(std::span<float> v) const {
    const float b = static_cast<float>(base);
    for (float& x : v) x *= b;
  }
  // End of window: v holds U_K (+ B^K*bias + V0 added by the engine); q per neuron.
  void quantize(const float* v, std::int32_t* q, const float* theta, int channels,
                std::size_t positions) const {
    const float top = static_cast<float>(q_max());
    for (std::size_t p = 0; p < positions; ++p)
      for (int c = 0; c < channels; ++c) {
        const float x = std::floor(v[p * channels + c] / theta[c]);
        q[p * channels + c] = static_cast<std::int32_t>(std::clamp(x, 0.0f, top));
      }
  }
  // Emits digit `k` (0 = most significant) of every q != 0 digit.
  template <class Emit>
  void emit_digit(const std::int32_t* q, std::size_t n, int k, Emit&& emit) const {
    std::int32_t div = 1;
    for (int i = 0; i < digits - 1 - k; ++i) div *= base;
    for (std::size_t i = 0; i < n; ++i) {
      if (q[i] == 0) continue;
      const std::int32_t d = (q[i] / div) % base;
      if (d != 0) emit(static_cast<std::int32_t>(i), static_cast<float>(d));
    }
  }
};

}  // namespace brisk::neurons
