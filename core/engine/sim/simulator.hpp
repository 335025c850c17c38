#pragma once
// The simulation of one sample over a compiled plan (internal to the engine). Its members
// live in one file per job: sim/setup.cpp (worker buffers, sample setup, encoders, the
// analog path), sim/step.cpp (schedules, one layer-step, operator and neuron dispatch,
// routing), sim/radix.cpp (the radix pipeline and the readout); core/engine/engine.cpp
// drives samples over threads and reduces the results.
#include <cstdint>
#include <span>
#include <vector>

#include <brisk/core/base/bits.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/sim/state.hpp>

namespace brisk::sim {

// Number of nonzero base-2^bits digits of x (x < 2^31).
inline int nonzero_digits(std::uint32_t x, int bits) {
  if (bits == 1) return static_cast<int>(ones32(x));
  int n = 0;
  for (; x != 0; x >>= bits) n += (x & ((1u << bits) - 1u)) != 0;
  return n;
}

// Sum of the base-2^bits digits of x (x < 2^31).
inline int digit_sum(std::uint32_t x, int bits) {
  if (bits == 1) return nonzero_digits(x, 1);
  int n = 0;
  for (; x != 0; x >>= bits) n += static_cast<int>(x & ((1u << bits) - 1u));
  return n;
}
int log2_base(int base);

class Simulator {
 public:
  // `recorded`: layers whose outputs run() records (their trains must exist);
  // `digit_level`: every layer emits its digit trains (simulate() keeps them all).
  Simulator(const SpikingNetwork& net, const RunOptions& o, const std::vector<bool>& recorded,
            bool digit_level);
  int steps() const { return steps_; }
  void init(Worker& w) const;
  // Runs one sample through all steps.
  void sample(Worker& w, std::span<const float> x, std::size_t index, std::int32_t label) const;
  // Per-neuron output of layer l for the finished sample, Graph order, in threshold units
  // summed over steps (rate) or as the integer q (radix); analog: the value times T.
  void layer_output(const Worker& w, int l, std::span<float> out) const;

 private:
  const SpikingNetwork& net_;
  const std::vector<PlanLayer>& plan_;
  RunOptions opts_;
  int steps_ = 0;
  std::size_t max_size_ = 0;
  bool input_identity_ = false;          // the input's internal order is the Graph's
  // Per layer (CompileOptions::radix_values): reads_ - a radix population folds its
  // inputs' values / a layer without neurons computes its value; feeds_ - some reader
  // folds this layer's values (they are kept in LayerState::val_*); silent_ - no reader
  // needs its digit train (it emits none; its spikes and SOPs are counted from the values).
  // dense_ - a layer without neurons whose readers are all Add populations keeps its
  // value as the dense vector `val` only (no events; the Adds add it whole).
  std::vector<bool> reads_, feeds_, silent_, dense_;
  // gathered_ - a layer that feeds values to a Conv2D or Dense reader, whose dense kernel
  // may take them: it keeps its values also densely (LayerState::qf).
  std::vector<bool> gathered_;
  // into_ - a dense_ layer whose one reader is an Add population that takes it as its
  // only direct input: it computes its value straight into that population's potentials
  // (zero until then) instead of `val`; the Add skips it. The Add's sum is unchanged
  // (two inputs: a + b == b + a; more: only its first input goes direct). -1 otherwise.
  std::vector<int> into_;
  // dense_units_ - a base-2 radix population feeding values (SopConvention::Events): it
  // keeps every neuron's SOP units (the one bits of q) densely, so its readers count
  // their SOPs as one dense product with their fan-out (its sparse val_units are not kept).
  std::vector<bool> dense_units_;
  // self_clean_ - a radix population of a value-link run: its window end leaves its
  // potentials at 0 and writes every q, so begin() does not reset either.
  std::vector<bool> self_clean_;
  // late_ - a one-to-one synapse (Identity, Affine) on one input whose one reader is an
  // Add population: the Add applies it to its input's values when it folds (one term per
  // neuron, v + x*s as v + (0 + x*s)); its own window only counts its SOPs.
  std::vector<bool> late_;
  // masks_ - a radix population feeding values whose events' digit masks (val_bits) are
  // read: by a counted layer without neurons, for digit counts of bases above 2, or under
  // SopConvention::Spikes.
  std::vector<bool> masks_;
  // Per radix population: fl(1 / theta[c]) when every theta and reciprocal is a normal
  // float (the window-end kernel may multiply where that gives the quotient's floor).
  std::vector<std::vector<float>> recip_;
  // Per layer, for the layer-major schedule: the one step at which a silent folding layer
  // does anything (a radix population's window end, a value layer's window start), steps_
  // for a silent layer that does nothing, -1 for a layer that needs every step.
  std::vector<int> only_step_;
  bool spike_sops_ = false;              // opts_.energy.sops == SopConvention::Spikes

  bool whole_window_if(const PlanLayer& p) const {
    return opts_.schedule == Schedule::LayerMajor && p.constant_drive_if;
  }
  bool analog_input(const PlanLayer& p) const {
    return plan_[static_cast<std::size_t>(p.inputs.front())].analog;
  }
  static std::size_t if_vectors(const PlanLayer& p) {
    return p.size() / static_cast<std::size_t>(p.c) * static_cast<std::size_t>((p.c + 15) / 16);
  }
  static void fill_bias(const PlanLayer& p, std::vector<float>& d);

  // setup.cpp
  void begin(Worker& w, std::span<const float> x, std::size_t index) const;
  void encode(Worker& w, std::size_t index) const;
  void analog_route(Worker& w, const PlanLayer& p, LayerState& s) const;
  static void as_events(Worker& w, const std::vector<float>& a);

  // step.cpp
  void step(Worker& w, int l, int t) const;
  void if_window(Worker& w, int l) const;
  template <class Model>
  void population_step(Worker& w, const PlanLayer& p, LayerState& s, int t, const Model& m) const;
  bool use_dense(const PlanLayer& p, std::size_t events, std::size_t inputs) const;
  // `dense_x`: the input's values as a dense vector, when its producer keeps one
  // (LayerState::qf), for a dense kernel to read directly.
  void integrate(Worker& w, const PlanLayer& p, LayerState& s, std::size_t j,
                 std::span<const std::int32_t> ids, std::span<const float> pay, float* target,
                 bool count, const float* dense_x = nullptr) const;
  void integrate_inputs(Worker& w, const PlanLayer& p, LayerState& s, int t, float* target,
                        bool count) const;
  void integrate_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const;
  void route(Worker& w, const PlanLayer& p, LayerState& s, int t) const;
  // SopConvention::Spikes: the multiplicities of producer `l`'s events at step t (a
  // spiking layer's |payload|, a weightless layer's routed counts).
  std::span<const float> multiplicities(Worker& w, int l, int t) const;
  void route_multiplicities(Worker& w, const PlanLayer& p, LayerState& s, int t, std::size_t n) const;
  void record_membrane(Worker& w, int l, int t) const;

  // radix.cpp
  void radix_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const;
  void radix_fold(Worker& w, const PlanLayer& p, LayerState& s) const;
  void radix_fold_values(Worker& w, const PlanLayer& p, LayerState& s) const;
  void value_route(Worker& w, const PlanLayer& p, LayerState& s) const;
  void value_bits(Worker& w, const PlanLayer& p, LayerState& s) const;
  void value_masks(Worker& w, const PlanLayer& p, LayerState& s) const;
  void level_values(Worker& w, LayerState& s) const;
  void pop_values(const PlanLayer& p, LayerState& s, bool silent) const;
  // The SOPs of layer p reading the values of its input layer l (state src).
  std::uint64_t value_sops(const PlanLayer& p, int l, const LayerState& src) const;
  // The SOP units of one value event per synapse of fan-out 1: its digit events (a mask
  // whose nonzero digits are the steps with an event) or, SopConvention::Spikes, the sum
  // of its digits (kept as that count).
  std::uint64_t value_units(std::int32_t bits, int log2b) const {
    return spike_sops_ ? static_cast<std::uint64_t>(bits)
                       : static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(bits), log2b));
  }
  std::int32_t int_bits(std::uint32_t q, int log2b) const {
    return spike_sops_ ? digit_sum(q, log2b) : static_cast<std::int32_t>(q);
  }
  void finish_radix(const PlanLayer& p, LayerState& s, const neurons::Radix& m, bool values) const;
  void readout_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const;
  void encode_radix_levels(Worker& w, LayerState& s) const;
  static std::uint64_t digit_events(const PlanLayer& p, const LayerState& s);
};


}  // namespace brisk::sim
