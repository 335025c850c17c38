#pragma once
// Command-line glue shared by `brisk convert`, `brisk run MODEL --method ...` and
// `brisk sweep`: the conversion flags and the summaries they print (the work itself is
// the experiments library's).
#include <ostream>
#include <string>

#include "cli.hpp"
#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/conversion/convert.hpp>

namespace brisk::cli {

// --method --timesteps --radix-base --radix-digits --aug-bits --v0 --balance --percentile
// --per-channel --calib-data --calib-samples --calib-offset --calib-pool --calibrate
// --ridge --encoder --seed --arch --theano-flip
void add_conversion_options(po::options_description& options);

// The options as given (method, balancing, stages, ...). UsageError for bad values.
ConvertOptions conversion_options(const po::variables_map& vm);



// The model and calibration-pool flags (--arch --theano-flip --calib-data --calib-offset
// --calib-pool) as the experiments library's plain options.
experiments::InputOptions input_options(const po::variables_map& vm);

// Per-layer table: name, neuron model, θ (range over channels), V0, calibration errors.
void print_conversion(const Conversion& c, std::ostream& out);

// The summary of one evaluation (experiments::evaluate) beside its ANN.
void print_evaluation(const experiments::Evaluation& e, std::ostream& out);

}  // namespace brisk::cli
