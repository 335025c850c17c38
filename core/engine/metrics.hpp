#pragma once
// Energy model and small metric helpers shared by the engine and the CLI.
#include <cstddef>
#include <cstdint>
#include <span>

namespace brisk {

// Energy per operation, picojoules (45 nm figures of Horowitz, ISSCC 2014, as used by
// the SNN conversion literature: 0.9 pJ per fp32 accumulate, 4.6 pJ per fp32 MAC).
struct EnergyModel {
  double pj_per_ac = 0.9;
  double pj_per_mac = 4.6;
};

// SNN energy: SOPs are accumulates; analog (direct-input) work is multiply-accumulates.
inline double snn_energy_pj(const EnergyModel& e, double sops, double analog_macs) {
  return sops * e.pj_per_ac + analog_macs * e.pj_per_mac;
}
inline double ann_energy_pj(const EnergyModel& e, double macs) { return macs * e.pj_per_mac; }

// Index of the largest value (the first one on ties), -1 for an empty span.
int argmax(std::span<const float> v);

}  // namespace brisk
