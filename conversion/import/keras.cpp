// Keras HDF5 reader: model configs of Keras 1.x, 2.x, tf.keras and Keras 3 (Sequential and
// functional) with weights located by `weight_names` or by Keras 3's archive layout.
//
// Keras computes in NHWC (channels_last) or NCHW (channels_first); brisk always in CHW. The
// reader converts shapes and kernels once, here, and makes every order-dependent operation
// (Flatten, Reshape) say which order it walks, so nothing downstream needs to know.
//
// The reader is split by job: keras_config.cpp, keras_layers.cpp, keras_weights.cpp; this
// file is the entry point.
#include <fmt/format.h>

#include <brisk/conversion/import/keras_reader.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::detail {

namespace keras {

[[noreturn]] void KerasReader::fail(const KLayer& kl, const std::string& what) const {
  throw InputError(fmt::format("{}: layer '{}' ({}): {}", src_.source, kl.name, kl.cls, what));
}

Graph KerasReader::read() {
  parse_config();
  detect_data_format();
  std::string version = src_.keras_version;
  if (version.empty() && top_.contains("keras_version") && top_["keras_version"].is_string())
    version = top_["keras_version"];
  std::string backend = src_.backend;
  if (backend.empty() && top_.contains("backend") && top_["backend"].is_string()) backend = top_["backend"];
  decide_flip(backend);
  for (const auto& kl : layers_) {
    try {
      convert(kl);
    } catch (const json::exception& e) {  // a config value of a type the checks above missed
      fail(kl, fmt::format("malformed config ({})", e.what()));
    }
  }
  if (!index_.count(output_name_))
    throw InputError(fmt::format("{}: output layer '{}' is not in the model", src_.source, output_name_));
  g_.output = index_.at(output_name_);
  check_output_is_final(g_, src_.source);
  g_.meta["source"] = src_.source;
  g_.meta["format"] = src_.layout == KerasWeightLayout::Keras3Archive ? "keras-archive" : "keras-hdf5";
  g_.meta["model_class"] = model_class_;
  g_.meta["keras_version"] = version.empty() ? "unknown" : version;
  g_.meta["backend"] = backend.empty() ? "unknown" : backend;
  g_.meta["data_format"] = channels_first_ ? "channels_first" : "channels_last";
  g_.meta["theano_flip"] = flip_ ? "yes" : "no";
  fuse_activations(g_);
  try {
    validate(g_);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", src_.source, e.what()));
  }
  return std::move(g_);
}

}  // namespace keras


Graph read_keras(const KerasSource& src, const ImportOptions& opts) {
  using keras::KerasReader;
  using keras::json;
  try {
    return KerasReader(src, opts).read();
  } catch (const json::exception& e) {
    throw InputError(fmt::format("{}: malformed Keras config in {} ({})", src.source,
                                 src.config_origin, e.what()));
  }
}

}  // namespace brisk::detail
