// libFuzzer harness: the Keras model_config JSON (nesting limit, checked key lookups,
// enum strings, integral/positive numbers, the Keras 1/2/3 node readers, topological
// order, shapes) on raw bytes, against an empty weights file.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <brisk/conversion/import/importers.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/data/hdf5/writer.hpp>

#include "model_file.hpp"

namespace {

const brisk::h5::File& empty_weights() {
  static brisk::fuzz::ModelFile file("keras-config-weights");
  static std::unique_ptr<brisk::h5::File> f = [] {
    const std::string& path = file.write(nullptr, 0);
    brisk::h5::Writer w(path, path);
    w.group("model_weights");
    w.close();
    return std::make_unique<brisk::h5::File>(brisk::h5::File::open(path));
  }();
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  brisk::detail::KerasSource src;
  src.weights = &empty_weights();
  src.weight_root = "model_weights";
  src.config_json.assign(reinterpret_cast<const char*>(data), size);
  src.config_origin = "model_config";
  src.source = "fuzz.h5";
  try {
    brisk::detail::read_keras(src, brisk::ImportOptions{});
  } catch (const brisk::InputError&) {
  }
  return 0;
}
