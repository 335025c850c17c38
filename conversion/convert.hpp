#pragma once
// The conversion pipeline behind `brisk convert` and `brisk run MODEL --method ...`:
//
//   prepare (fold BatchNorm, fuse activations) -> ANN activations on calibration samples
//   -> balancing (λ per spiking layer) -> mapping (graph + SnnSpec) -> layer-wise calibration
//
// Calibration samples are drawn without replacement from the calibration data with the
// seed, and their indices are recorded in the result's provenance.
#include <cstdint>
#include <optional>
#include <string>

#include <brisk/conversion/balance.hpp>
#include <brisk/conversion/calibrate.hpp>
#include <brisk/conversion/mapping.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk {

struct ConvertOptions {
  MappingOptions mapping;
  BalanceOptions balance;          // its quantizer is set from the mapping
  CalibrationOptions calibration;  // stages; measured whenever calibration data is given
  // The input encoder (unset: the method's, default_encoder()); its scale comes from the
  // calibration samples' largest |x| (1 when none are drawn), see set_encoder().
  std::optional<EncoderKind> encoder;
  std::size_t calib_samples = 1000;
  std::uint64_t seed = 1;          // the calibration draw and stochastic encoders
  int threads = 0;
};

// The option values as users spell them (the CLI's flags, the Python module's keywords),
// each a UsageError naming the flag: --calibrate "none", "all" or a comma list of
// weights,bias,potential; --encoder a name of encoders::kEncoders; --v0 "half" or "zero";
// --potential-scope "channel" or "neuron".
CalibrationOptions parse_stages(const std::string& text);
PotentialScope parse_potential_scope(const std::string& text);
EncoderKind parse_encoder(const std::string& name);
bool parse_half_v0(const std::string& text);
// The checks every front end applies once the options are filled in: T > 0, percentile in
// (0, 100], calibration samples > 0, ridge >= 0, no calibration stage for radix.
void check_options(const ConvertOptions& o);

// `calib`: the pool of calibration data (may be null when every clip value is known, i.e.
// radix on a K-bit clip-floor model). `calib_label` names it in the provenance.
Conversion convert(const Graph& model, const Dataset* calib, const std::string& calib_label,
                   const ConvertOptions& opts);

// Whether `model` (prepared) needs calibration data for the chosen method (balancing).
bool needs_calibration_data(const Graph& prepared, const ConvertOptions& opts);

// `count` distinct indices in [0, pool) drawn with a portable seeded generator, sorted.
std::vector<std::int64_t> draw_indices(std::size_t pool, std::size_t count, std::uint64_t seed);

}  // namespace brisk
