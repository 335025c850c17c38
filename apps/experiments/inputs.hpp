#pragma once
// What a conversion starts from: the trained ANN (loaded once, with its SHA-256 for the
// provenance) and, when the method needs it, the calibration pool; and the conversion of
// those inputs. Plain options, no command line: the CLI maps its flags onto them.
#include <cstddef>
#include <string>

#include <brisk/conversion/convert.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/graph/graph.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::experiments {

struct InputOptions {
  ImportOptions import;                         // --arch, --theano-flip
  std::string calib_data = "fashion-mnist:train";  // dataset spec of the calibration pool
  std::size_t calib_offset = 0;                 // first sample of the pool
  std::size_t calib_pool = 0;                   // pool size (0 = all from calib_offset on)
  std::uint64_t max_input_bytes = kDefaultMaxInputBytes;  // per array of the pool (--max-input-bytes)
};

// The reference ANN loaded once per experiment: model + calibration pool.
struct ConversionInputs {
  Graph model;
  std::string model_path, model_sha256;
  Dataset calib;            // empty until load_calibration_pool()
  std::string calib_label;  // the spec, plus the pool slice when one was given
};

ConversionInputs load_conversion_inputs(const std::string& model_path, const InputOptions& o,
                                        bool need_calib);
void load_calibration_pool(const InputOptions& o, ConversionInputs& in);

// Converts the loaded inputs and fills the provenance with the model's path and SHA-256.
Conversion convert_loaded(const ConversionInputs& in, const ConvertOptions& opts);

// Loads `model_path` and, only when the conversion needs it (radix of a K-bit clip-floor
// model needs none), the calibration pool; then convert_loaded().
Conversion convert_model(const std::string& model_path, const InputOptions& o,
                         const ConvertOptions& opts);

}  // namespace brisk::experiments
