#pragma once
// `brisk compare DIR DIR2`: the differences between two result folders (sweep or run):
// every figure of results.json (times ignored: keys ending in "seconds", throughput,
// calibration timings) and the SHA-256 of the inputs in manifest.ini; configuration
// differences are listed too, as information.
#include <string>
#include <vector>

namespace brisk::experiments {

struct Comparison {
  std::vector<std::string> figures;  // "runs[3].snn_accuracy: 0.9111 vs 0.9109"
  std::vector<std::string> inputs;   // "model models/x.h5: sha256 ab.. vs cd.."
  std::vector<std::string> config;   // "[sweep] timesteps-list: 4,8 vs 4,16" (information)
  bool same() const { return figures.empty() && inputs.empty(); }
};

// InputError naming the file when a folder lacks results.json or manifest.ini or they are
// malformed.
Comparison compare_folders(const std::string& a, const std::string& b);

}  // namespace brisk::experiments
