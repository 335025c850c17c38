#pragma once
// Binary and ternary networks as T = 1 SNNs (conversion/bitwise.hpp), as experiments: the
// conversion of a model file, and stochastic ensembles of N members combined by summed
// logits or by votes, reported through the same Evaluation as every method.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/conversion/bitwise.hpp>

namespace brisk::experiments {

// Loads `model_path` and converts it (convert_bitwise), with the model's path and SHA-256
// in the provenance.
Conversion convert_bitwise_model(const std::string& model_path, const InputOptions& o, Bitwise kind);

enum class Combine { Logits, Votes };
Combine parse_combine(const std::string& name);  // UsageError naming --combine
const char* combine_name(Combine c);

struct EnsembleOptions {
  int members = 1;          // N >= 1
  Combine combine = Combine::Logits;
  std::uint64_t seed = 1;   // member m is sampled from (seed, m)
};

// N members sampled from `model` (sample_member), each run as a T = 1 SNN; the combined
// prediction is the argmax of the summed logits, or of the vote counts (ties: the lowest
// class). The Evaluation's ANN is the ensemble of the members' bitwise ANNs combined the
// same way (agreement = exactness); spikes, SOPs, energy and time are summed over the
// members, the latency is one step (the members run side by side).
Evaluation evaluate_ensemble(const Graph& model, Bitwise kind, const EnsembleOptions& eo,
                             const Dataset& d, int threads, const EnergyModel& energy = {},
                             std::uint64_t max_memory = kDefaultMaxMemory);

// The integer pre-activation z of every bitwise layer of a converted bitwise network, as
// the SNN computes it: the network cut after that layer, which becomes a readout (no bias,
// the alphabet weights) fed by the same spiking layers, run for its one step.
// Returns (layer name, [sample][neuron] values in Graph order) per bitwise layer.
std::vector<std::pair<std::string, std::vector<float>>> bitwise_preactivations(
    const Conversion& c, const Dataset& d, int threads);

// Writes a little-endian .npy file atomically (write_file_atomically): int32 [N], or
// float32 with the given shape.
void write_npy(const std::string& path, const std::vector<std::int32_t>& values);
void write_npy(const std::string& path, const std::vector<float>& values, const std::vector<std::size_t>& shape);

}  // namespace brisk::experiments
