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

#include <brisk/neurons/kernels.hpp>
#include <brisk/neurons/neuron.hpp>

namespace brisk::neurons {

// State of one population (per worker, per sample; reset at the start of each sample).
struct State {
  std::span<float> v;          // membrane potential per neuron
  std::span<std::int32_t> aux; // DoubleThreshold: net spike count; Radix: output integer q
};

// The neurons that reach a threshold this step, found by a vectorized scan; the models
// then visit only those. `ids` is engine scratch of at least population size + 16.
struct Scan {
  std::int32_t* ids;
};

// Integrate-and-fire; leak < 1 gives the leaky IF (V <- leak*V before integrating).
struct IntegrateFire {
  float leak = 1.0f;
  ResetMode reset = ResetMode::Subtract;

  void begin_step(std::span<float> v) const {
    if (leak != 1.0f)
      for (float& x : v) x *= leak;
  }
  // Integrates the constant drive (when not null), fires and resets in one vectorized
  // pass; the fired ids (increasing) are left in scan.ids; returns how many.
  std::size_t fire_fused(float* v, const float* drive, const float* theta, int channels,
                         std::size_t positions, Scan scan) const {
    return kernels::if_fire(v, drive, theta, channels, positions, reset == ResetMode::Zero,
                            scan.ids);
  }
  template <class Emit>
  void fire(float* v, const float* theta, int channels, std::size_t positions, Scan scan,
            Emit&& emit) const {
    const std::size_t hits = fire_fused(v, nullptr, theta, channels, positions, scan);
    for (std::size_t h = 0; h < hits; ++h) emit(scan.ids[h], 1.0f);
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
            std::size_t positions, Scan scan, Emit&& emit) const {
    const std::size_t hits = kernels::at_threshold(v, theta, channels, positions, true, scan.ids);
    for (std::size_t h = 0; h < hits; ++h) {
      const std::int32_t i = scan.ids[h];
      const float th = theta[i % channels];
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
  void fire(float* v, const float* theta, int channels, std::size_t positions, Scan scan,
            Emit&& emit) const {
    const float bound = max_coefficient > 0 ? static_cast<float>(max_coefficient)
                                            : std::numeric_limits<float>::infinity();
    const std::size_t hits = kernels::at_threshold(v, theta, channels, positions, false, scan.ids);
    for (std::size_t h = 0; h < hits; ++h) {
      const std::int32_t i = scan.ids[h];
      const float th = theta[i % channels];
      const float k = std::min(std::floor(v[i] / th), bound);
      v[i] -= k * th;
      emit(i, k);
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
    kernels::quantize_floor(v, theta, channels, positions, static_cast<float>(q_max()), q);
  }
  // Emits digit `k` (0 = most significant) of the neurons listed in `nz` (those with
  // q != 0, in increasing order) whose digit is not 0. Power-of-two bases (the usual 2 and
  // 4) use shifts; others divide. The compaction is branch-free: `ids`/`pay` are scratch
  // of nz.size() entries, then emitted in order.
  template <class Emit>
  void emit_digit(const std::int32_t* q, std::span<const std::int32_t> nz, int k,
                  std::int32_t* ids, float* pay, Emit&& emit) const {
    std::size_t n = 0;
    if ((base & (base - 1)) == 0) {
      int bits = 0;
      while ((1 << bits) < base) ++bits;
      const int shift = bits * (digits - 1 - k);
      const std::int32_t mask = base - 1;
      for (const std::int32_t i : nz) {
        const std::int32_t d = (q[i] >> shift) & mask;
        ids[n] = i;
        pay[n] = static_cast<float>(d);
        n += d != 0;
      }
    } else {
      std::int32_t div = 1;
      for (int i = 0; i < digits - 1 - k; ++i) div *= base;
      for (const std::int32_t i : nz) {
        const std::int32_t d = (q[i] / div) % base;
        ids[n] = i;
        pay[n] = static_cast<float>(d);
        n += d != 0;
      }
    }
    for (std::size_t e = 0; e < n; ++e) emit(ids[e], pay[e]);
  }
};

}  // namespace brisk::neurons
