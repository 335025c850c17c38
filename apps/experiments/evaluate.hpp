#pragma once
// The ANN and its converted SNN on a dataset: float accuracy, one simulation beside it,
// agreement between the two, and the figures as JSON (the keys of `brisk run --json`).
#include <nlohmann/json.hpp>
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <brisk/conversion/mapping.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/metrics.hpp>
#include <brisk/core/graph/graph.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::experiments {

// The samples an evaluation reads, owned by the caller: a Dataset (implicitly), or arrays
// held elsewhere (the Python module's numpy buffers, read in place). Same members as Dataset.
struct SampleSet {
  std::span<const float> x;         // count() * sample_size() values, channels first
  std::span<const std::int32_t> y;  // count() labels
  std::vector<int> shape;           // per-sample shape
  std::string source;               // names the samples in messages

  SampleSet(std::span<const float> x_, std::span<const std::int32_t> y_, std::vector<int> shape_,
            std::string source_);
  SampleSet(const Dataset& d);  // NOLINT: implicit on purpose (every caller holds a Dataset)
  std::size_t count() const { return y.size(); }
  std::size_t sample_size() const;
  std::span<const float> sample(std::size_t i) const { return x.subspan(i * sample_size(), sample_size()); }
};

// Predicted class of every sample by the float ANN (parallel reference forward pass;
// `threads` as in brisk::parallel_for: 0 = all cores). Independent of the thread count.
std::vector<int> ann_predictions(const Graph& g, const SampleSet& d, int threads);

// Accuracy of a graph on a dataset (0 for an empty one); predictions returned when asked.
double ann_accuracy(const Graph& g, const SampleSet& d, int threads,
                    std::vector<int>* predictions = nullptr);

// InputError naming the dataset (its label file) and the first label value that is not
// one of the model's output classes (a label >= the readout's size would score 0%).
void check_labels(const Graph& g, const SampleSet& d);

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

// Optional: a stop flag and a progress counter (RunOptions::stop / samples_done), and the
// per-sample outputs (RunResult::step_predictions / logits) for --predictions.
struct EvaluateControl {
  const std::atomic<bool>* stop = nullptr;
  std::atomic<std::uint64_t>* samples_done = nullptr;
  bool step_predictions = false;
  bool logits = false;
};

// Simulates `c` on `d` for `timesteps` steps (0 = the T it was converted for).
// InputError for an empty dataset or samples that do not fit the model; UsageError when
// the run would need more than `max_memory` (check_run_memory).
Evaluation evaluate(const Conversion& c, const SampleSet& d, int timesteps, int threads,
                    const EnergyModel& energy = {}, std::uint64_t max_memory = kDefaultMaxMemory,  // engine.hpp
                    const EvaluateControl& control = {});

// The same with every engine option (logits, recordings, ...): ro.timesteps, ro.threads,
// ro.energy and ro.max_memory are the arguments above.
Evaluation evaluate(const Conversion& c, const SampleSet& d, const RunOptions& ro);

nlohmann::json evaluation_json(const Evaluation& e);

}  // namespace brisk::experiments
