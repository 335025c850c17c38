// libFuzzer harness: load_model() on a whole file, Keras HDF5 (.h5) or Keras 3 archive
// (.keras zip: member sizes and CRCs, the in-memory weights image) or native ANN.
#include <cstddef>
#include <cstdint>

#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/base/error.hpp>

#include "model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static brisk::fuzz::ModelFile file("keras-model");
  try {
    brisk::load_model(file.write(data, size), brisk::ImportOptions{});
  } catch (const brisk::InputError&) {
  }
  return 0;
}
