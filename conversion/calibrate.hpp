#pragma once
// Layer-wise calibration of a converted network (Li et al., "A Free Lunch From ANN:
// Towards Efficient, Accurate Spiking Neural Networks Calibration", ICML 2021).
//
// Layers are calibrated in forward order; when layer l is calibrated every earlier layer
// already spikes with its own corrections, so l corrects the error it actually receives.
// The spiking outputs come from the engine itself (core/engine/engine.hpp, Record::Counts), so
// calibration measures exactly what `brisk run` will simulate. Stages, each optional:
//  - weights:   closed-form ridge least squares of the layer's synaptic current on the
//               spiking input rates against the ANN's pre-activation (cached inputs, one
//               Gram matrix per layer shared by all output channels), pulled towards the
//               original weights; a population after a residual Add fits the Dense/Conv2D
//               synapses of all its branches jointly (one Gram matrix over their
//               concatenated patches; Affine shortcuts held fixed, their current on the
//               spiking input taken off the target), its bias being the Add's;
//  - bias:      per channel, bias += mean(ANN activation - SNN rate);
//  - potential: V0 += T * mean(ANN activation - SNN rate), per channel (the mean over samples
//               and positions) or per neuron (over samples only, as the paper's reference
//               code does; a conv population then gets one V0 per channel and position).
// The per-layer mean squared error between the SNN's output (ANN units) and the ANN's
// activation is reported before and after each stage.
#include <cstdint>
#include <string>
#include <vector>

#include <brisk/conversion/mapping.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk {

// ANN activations on the calibration samples: per Graph layer, [sample][element] for the
// layers asked for (empty otherwise).
struct AnnCache {
  std::size_t samples = 0;
  std::vector<std::vector<float>> acts;
  std::vector<float> logits;  // [sample][class]: the output layer before any softmax
};

// Runs the ANN over `data` in parallel (deterministic: one slot per sample) keeping the
// layers with keep[l] (Graph::layers indices).
AnnCache ann_activations(const Graph& ann, const Dataset& data, const std::vector<char>& keep,
                         int threads);

// Granularity of the potential correction (--potential-scope).
enum class PotentialScope { Channel, Neuron };

struct CalibrationOptions {
  bool weights = false;
  bool bias = false;
  bool potential = false;
  // Weight calibration: the fit minimises |X W - Z|^2 + ridge * tr(X'X)/d * |W - W0|^2.
  double ridge = 0.05;
  PotentialScope potential_scope = PotentialScope::Channel;
  int threads = 0;
  // The engine runs of calibration refuse a larger memory estimate (--max-memory).
  std::uint64_t max_memory = kDefaultMaxMemory;
};

struct LayerCalibration {
  std::string layer;
  double before = 0;  // MSE before any stage of this layer
  double after_weights = -1, after_bias = -1, after_potential = -1;  // -1: stage not run
  double after = 0;  // MSE after this layer's stages
};

struct CalibrationReport {
  std::vector<LayerCalibration> layers;
  double seconds = 0;
  int engine_runs = 0;
  std::string to_json() const;
};

// Calibrates `c` in place (its graph, spec.v0 and biases) on `data` (the calibration
// samples; `cache` must hold the ANN activations of c.ann on them for every spiking layer,
// every input of a spiking layer or the readout, and the logits). Without any stage it only measures.
CalibrationReport calibrate(Conversion& c, const Dataset& data, const AnnCache& cache,
                            const CalibrationOptions& opts);

}  // namespace brisk
