#pragma once
// The ANN and its converted SNN on a dataset: float accuracy, one simulation beside it,
// agreement between the two, and the figures as JSON (the keys of `brisk run --json`).
#include <nlohmann/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include <brisk/conversion/mapping.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/metrics.hpp>
#include <brisk/core/graph/graph.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::experiments {

// Predicted class of every sample by the float ANN (parallel reference forward pass;
// `threads` as in brisk::parallel_for: 0 = all cores). Independent of the thread count.
std::vector<int> ann_predictions(const Graph& g, const Dataset& d, int threads);

// Accuracy of a graph on a dataset (0 for an empty one); predictions returned when asked.
double ann_accuracy(const Graph& g, const Dataset& d, int threads,
                    std::vector<int>* predictions = nullptr);

// InputError naming the dataset (its label file) and the first label value that is not
// one of the model's output classes (a label >= the readout's size would score 0%).
void check_labels(const Graph& g, const Dataset& d);

// One simulation of a converted network beside its ANN.
struct Evaluation {
  std::string data;
  std::size_t samples = 0;
  int timesteps = 0;          // T simulated (radix: K per layer, see result.latency_steps)
  double ann_accuracy = 0;    // the source ANN (float)
  double ref_accuracy = 0;    // the ANN the SNN approximates (radix: the quantized ANN)
  bool quantized_reference = false;
  double agreement = 0;       // SNN predictions equal to the reference ANN's
  EnergyModel energy;         // pJ per accumulate / per MAC used for the estimates
  RunResult result;
};

// Simulates `c` on `d` for `timesteps` steps (0 = the T it was converted for).
// InputError for an empty dataset or samples that do not fit the model; UsageError when
// the run would need more than `max_memory` (check_run_memory).
Evaluation evaluate(const Conversion& c, const Dataset& d, int timesteps, int threads,
                    const EnergyModel& energy = {}, std::uint64_t max_memory = kDefaultMaxMemory,  // engine.hpp
                    bool keep_logits = false);  // result.logits (RunOptions::keep_logits)

nlohmann::json evaluation_json(const Evaluation& e);

}  // namespace brisk::experiments
