#pragma once
// `brisk diagnose`: where a converted network loses its accuracy. Per spiking layer (and
// the readout), the ANN's activation beside the SNN's decoded output on the same samples
// (payload sums x θ / T, in the ANN's units, as calibration measures it; radix: the digit
// value x θ), with the relative error, the correlation, the fraction of saturated
// neurons (at the clip: output >= θ) and of dead ones (never fire where the ANN is
// positive), the first layer where the error jumps, and a one-line hint.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <brisk/conversion/mapping.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::experiments {

struct LayerDiagnosis {
  std::string name, neuron;
  std::size_t neurons = 0;
  double ann_mean = 0, snn_mean = 0;
  double relative_error = 0;  // ||snn - ann|| / ||ann|| over samples and neurons
  double correlation = 0;     // Pearson, over samples and neurons
  double saturated = 0;       // fraction of (sample, neuron) with the SNN output at θ
  double clipped = 0;         // fraction of (sample, neuron) with the ANN above θ
  double dead = 0;            // fraction of neurons silent on every sample where the ANN is > 0 on some
};

struct Diagnosis {
  std::string method;
  int timesteps = 0;
  std::size_t samples = 0;
  double ann_accuracy = 0, snn_accuracy = 0;
  std::vector<LayerDiagnosis> layers;
  int jump = -1;  // index into layers of the first layer where the error jumps (-1: none)
  std::string hint;
};

// Simulates `c` on `d` (threads as in run()); the SNN of the full network, every layer
// recorded. InputError for an empty dataset or samples that do not fit.
Diagnosis diagnose(const Conversion& c, const Dataset& d, int timesteps, int threads);

nlohmann::json diagnosis_json(const Diagnosis& g);

}  // namespace brisk::experiments
