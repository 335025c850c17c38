#pragma once
// Energy model and small metric helpers shared by the engine and the CLI.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace brisk {

// What one synaptic operation (SOP) is (--count, docs/experiments.md "Counting SOPs"):
//   Events: one delivered event x its fan-out, whatever it carries (an augmented spike with
//           coefficient c, a radix digit d, a pooled cell's fractional sum: one event each);
//   Spikes: each event weighs its spike multiplicity: |c| for an augmented (or augmented
//           encoder) spike, the digit value d for a radix-B digit, 1 for IF / double-
//           threshold / rate spikes, and for an event re-routed by a weightless pooling layer
//           the multiplicities of the spikes it pooled (summed). Integers in both.
enum class SopConvention { Events, Spikes };
inline const char* sop_convention_name(SopConvention c) {
  return c == SopConvention::Spikes ? "spikes" : "events";
}
// One line for text outputs: the convention and what it counts.
inline const char* sop_convention_text(SopConvention c) {
  return c == SopConvention::Spikes
             ? "spikes (--count spikes): delivered spikes x fan-out, an augmented coefficient c or "
               "radix digit d counting |c| or d, a pooled cell the spikes it pooled"
             : "events (--count events): delivered events x fan-out, whatever they carry (an "
               "augmented coefficient, a radix digit or a pooled cell is one event)";
}
inline std::optional<SopConvention> parse_sop_convention(std::string_view s) {
  if (s == "events") return SopConvention::Events;
  if (s == "spikes") return SopConvention::Spikes;
  return std::nullopt;
}

// Energy per operation, picojoules (45 nm figures of Horowitz, ISSCC 2014, as used by
// the SNN conversion literature: 0.9 pJ per fp32 accumulate, 4.6 pJ per fp32 MAC), and
// the convention the SOPs (hence the accumulates priced at pj_per_ac) are counted in.
struct EnergyModel {
  double pj_per_ac = 0.9;
  double pj_per_mac = 4.6;
  SopConvention sops = SopConvention::Events;
};

// SNN energy: SOPs are accumulates; analog (direct-input) work is multiply-accumulates.
inline double snn_energy_pj(const EnergyModel& e, double sops, double analog_macs) {
  return sops * e.pj_per_ac + analog_macs * e.pj_per_mac;
}
inline double ann_energy_pj(const EnergyModel& e, double macs) { return macs * e.pj_per_mac; }

// Index of the largest value (the first one on ties), -1 for an empty span.
int argmax(std::span<const float> v);

}  // namespace brisk
