#include <brisk/apps/experiments/inputs.hpp>

#include <fmt/format.h>

#include <brisk/conversion/mapping.hpp>
#include <brisk/conversion/sha256.hpp>

namespace brisk::experiments {

void load_calibration_pool(const InputOptions& o, ConversionInputs& in) {
  LoadOptions lo;
  lo.offset = o.calib_offset;
  lo.samples = o.calib_pool;
  lo.max_input_bytes = o.max_input_bytes;
  in.calib_label = o.calib_data;
  in.calib = load_dataset(in.calib_label, lo);
  conform_sample_shape(in.model, in.calib.shape, "--calib-data " + in.calib_label);
  if (lo.offset || lo.samples)
    in.calib_label += fmt::format(" (pool: offset {}, {} samples)", lo.offset, in.calib.count());
}

ConversionInputs load_conversion_inputs(const std::string& model_path, const InputOptions& o,
                                        bool need_calib) {
  ConversionInputs in;
  in.model = load_model(model_path, o.import);
  in.model_path = model_path;
  in.model_sha256 = sha256_file(model_path);
  if (need_calib) load_calibration_pool(o, in);
  return in;
}

Conversion convert_loaded(const ConversionInputs& in, const ConvertOptions& opts) {
  Conversion c = convert(in.model, in.calib.count() ? &in.calib : nullptr, in.calib_label, opts);
  c.provenance["source_model"] = in.model_path;
  c.provenance["source_sha256"] = in.model_sha256;
  return c;
}

Conversion convert_model(const std::string& model_path, const InputOptions& o,
                         const ConvertOptions& opts) {
  ConversionInputs in = load_conversion_inputs(model_path, o, false);
  if (needs_calibration_data(prepare_for_conversion(in.model), opts)) load_calibration_pool(o, in);
  return convert_loaded(in, opts);
}

}  // namespace brisk::experiments
