#pragma once
// Command-line glue shared by `brisk convert`, `brisk run MODEL --method ...` and
// `brisk sweep`: the conversion flags, loading the model and calibration data, the
// conversion itself, and the summaries they print.
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "cli.hpp"
#include <brisk/conversion/convert.hpp>
#include <brisk/core/engine/engine.hpp>

namespace brisk::cli {

// --method --timesteps --radix-base --radix-digits --aug-bits --v0 --balance --percentile
// --per-channel --calib-data --calib-samples --calib-offset --calib-pool --calibrate
// --ridge --encoder --seed --arch --theano-flip
void add_conversion_options(po::options_description& options);

// The options as given (method, balancing, stages, ...). UsageError for bad values.
ConvertOptions conversion_options(const po::variables_map& vm);

// One of encoders::kEncoders' names; UsageError naming --encoder otherwise.
EncoderKind parse_encoder(const std::string& name);

// Parses "none" | "all" | a comma list of weights, bias, potential.
CalibrationOptions parse_stages(const std::string& text);

// Loads MODEL and (when the conversion needs it) the calibration pool, converts, and fills
// the provenance with the model's path and SHA-256.
Conversion convert_model(const po::variables_map& vm, const std::string& model_path,
                         const ConvertOptions& opts);

// The reference ANN loaded once per command (for `brisk sweep`): model + calibration pool.
struct ConversionInputs {
  Graph model;
  std::string model_path, model_sha256;
  Dataset calib;
  std::string calib_label;
};
ConversionInputs load_conversion_inputs(const po::variables_map& vm, const std::string& model_path,
                                        bool need_calib);
void load_calibration_pool(const po::variables_map& vm, ConversionInputs& in);
Conversion convert_loaded(const ConversionInputs& in, const ConvertOptions& opts);

// Per-layer table: name, neuron model, θ (range over channels), V0, calibration errors.
void print_conversion(const Conversion& c, std::ostream& out);

// Accuracy of a graph on a dataset (parallel float forward); predictions returned.
double ann_accuracy(const Graph& g, const Dataset& d, int threads, std::vector<int>* predictions);

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
Evaluation evaluate(const Conversion& c, const Dataset& d, int timesteps, int threads,
                    const EnergyModel& energy = {});
void print_evaluation(const Evaluation& e, std::ostream& out);
nlohmann::json evaluation_json(const Evaluation& e);

}  // namespace brisk::cli
