#pragma once
// The buffers of one worker (internal to the engine). Sized once by Simulator::init();
// reused for every sample, so a warm worker allocates nothing per sample.
#include <cstdint>
#include <vector>

#include <brisk/core/base/aligned.hpp>
#include <brisk/core/engine/spike_train.hpp>

namespace brisk::sim {

// Per-layer buffers of one worker.
struct LayerState {
  AlignedFloats v;                 // membrane potentials (neurons), or the None layers'
                                   // per-step accumulation buffer (cache-line aligned:
                                   // the conv kernels' target vectors)
  std::vector<std::int32_t> aux;   // models' integer state (net counts, radix q), radix
                                   // MaxPool masks
  std::vector<float> drive;        // constant current per neuron: bias (+ analog input)
  std::vector<float> analog;       // analog output (direct-input path)
  std::vector<std::uint64_t> bits; // BitDense: the step's input bit planes (kept all-zero)
  std::vector<std::uint64_t> out_bits;  // this layer's spikes of the step as bit planes (+1
                                        // words, -1 words) for a BitDense consumer (T = 1)
  std::vector<float> acc;          // operator state: MaxPool gate accumulated payloads
  ScratchVec<std::int32_t> nz;     // Radix: neurons with q != 0 (for the digit emission)
  // Radix values (CompileOptions::radix_values): the window as events (ids, values) and,
  // per event, its digit mask (OR of the integers under it; SopConvention::Spikes: the sum
  // of their digits); `val` is the dense buffer a layer without neurons computes it in
  // (zero between uses).
  // `val_units`: an event's SOPs per unit of fan-out (the digit events its mask stands for,
  // or that digit sum).
  ScratchVec<std::int32_t> val_ids, val_bits;
  ScratchVec<std::uint32_t> val_units;
  ScratchVec<float> val_pay;
  AlignedFloats val;
  AlignedFloats qf;                // Simulator::gathered_: the window's values, dense (float(q))
  ScratchVec<std::uint32_t> units_all;  // Simulator::dense_units_: SOP units of every neuron
  std::uint64_t ones_total = 0;         // ... and their sum
  SpikeTrain train;
  std::uint64_t sops = 0, spikes = 0, analog_macs = 0;  // this sample
  std::uint64_t total_sops = 0, total_spikes = 0, total_analog_macs = 0;
  double seconds = 0;
  std::vector<double> out_sum;     // MeanRate: per neuron (Graph order), over samples
  // SopConvention::Spikes only, weightless layers: the spike multiplicity of each event of
  // the train (parallel to it), and the per-neuron buffer it is routed into.
  std::vector<float> mult, mult_acc;
};

// Appends a population's spikes to its layer's train.
struct Emitter {
  SpikeTrain* train;
  void operator()(std::int32_t id, float payload) const { train->push(id, payload); }
};
inline Emitter emitter(LayerState& s) { return Emitter{&s.train}; }

struct Worker {
  std::vector<LayerState> layers;
  std::vector<float> input;        // sample in internal order
  std::vector<float> dense_in;     // densified step input (kept all-zero between uses)
  std::vector<std::int32_t> ev_ids;  // analog vector as events
  std::vector<float> ev_pay;
  std::vector<float> enc_v;        // encoder scratch
  std::vector<std::int32_t> rows;  // population scans
  std::vector<std::int64_t> levels;  // radix encoder scratch
  std::vector<float> pay;          // radix emission scratch
  std::vector<std::int32_t> or_mask;  // radix values: OR of the pooled integers (zero)
  std::vector<std::int32_t> or_in;    // radix values: an input's digit masks, dense (zero)
  std::vector<float> bits_acc;        // radix values: digit masks routed as floats (zero)
  std::vector<std::uint16_t> fired;   // if_window(): firing bits [step][vector]
  std::vector<float> logits;
  std::vector<std::uint64_t> correct;  // per step
  std::int32_t label = -1;
  std::int32_t prediction = -1;
  std::vector<std::vector<float>>* trace = nullptr;  // simulate(): readout per step
  // simulate() with membrane potentials: per layer, [step][neuron] in internal order
  // (layers left empty are not recorded).
  std::vector<std::vector<float>>* membrane = nullptr;
  std::vector<float> mult_in;      // SopConvention::Spikes: an input's event multiplicities
};

}  // namespace brisk::sim
