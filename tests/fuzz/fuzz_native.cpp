// libFuzzer harness: the native brisk ANN HDF5 schema (read_native on an opened file).
#include <cstddef>
#include <cstdint>

#include <brisk/conversion/import/importers.hpp>
#include <brisk/core/base/error.hpp>

#include "model_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static brisk::fuzz::ModelFile file("native");
  try {
    const brisk::h5::File f = brisk::h5::File::open(file.write(data, size));
    brisk::detail::read_native(f);
  } catch (const brisk::InputError&) {
  }
  return 0;
}
