// libFuzzer harness: a converted SNN file (read_snn: both graphs, the spec, provenance).
#include <cstddef>
#include <cstdint>

#include <brisk/conversion/snn_file.hpp>
#include <brisk/core/base/error.hpp>

#include "model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static brisk::fuzz::ModelFile file("snn");
  try {
    brisk::read_snn(file.write(data, size));
  } catch (const brisk::InputError&) {
  }
  return 0;
}
