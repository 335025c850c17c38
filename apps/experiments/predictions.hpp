#pragma once
// Per-sample outputs (`--predictions FILE` on eval and run): for every sample its index in
// the data file, its label, the predicted class at every step (or at chosen steps) and the
// final logits, so users compute agreement and confusion matrices themselves.
//   FILE.npy: one structured array, one record per sample, fields
//             sample <i8, label <i4, prediction <i4 (eval) or predictions <i4 (S,) (run),
//             logits <f4 (C,)  (np.load(FILE)["predictions"][:, -1])
//   FILE.csv: a header line, then sample,label,pred_t<step>...,logit_<c>...
#include <cstdint>
#include <string>
#include <vector>

#include <brisk/core/graph/graph.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::experiments {

struct Predictions {
  std::size_t first_sample = 0;       // index of the first sample in its file (--offset)
  std::vector<std::int32_t> labels;   // per sample
  std::vector<int> steps;             // 1-based steps of `predicted` (empty: one prediction, eval)
  std::vector<std::int32_t> predicted;  // [sample][max(1, steps.size())]
  std::size_t classes = 0;
  std::vector<float> logits;          // [sample][classes]
};

// UsageError naming --predictions unless the path ends in .npy or .csv.
void check_predictions_path(const std::string& path);
// Writes `p` atomically (format by extension).
void write_predictions(const std::string& path, const Predictions& p);

// The float ANN's final logits of every sample ([sample][classes]), in parallel.
std::vector<float> ann_logits(const Graph& g, const Dataset& d, int threads, std::size_t* classes);

// "1,4,16" or "all" (= 1..steps): the steps of --predictions-steps; UsageError naming the flag
// for a step outside 1..steps.
std::vector<int> parse_prediction_steps(const std::string& text, int steps);

}  // namespace brisk::experiments
