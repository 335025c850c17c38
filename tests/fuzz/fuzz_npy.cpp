// libFuzzer harness: the .npy parser (header scanner, dtype, shape and size checks).
#include <cstddef>
#include <cstdint>
#include <vector>

#include <brisk/core/base/error.hpp>
#include <brisk/data/npy.hpp>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data),
                               reinterpret_cast<const std::byte*>(data) + size);
  try {
    auto a = brisk::data::parse_npy(std::move(bytes), "fuzz.npy", brisk::fuzz::kMaxBytes);
    brisk::fuzz::touch(a);
  } catch (const brisk::InputError&) {
  }
  return 0;
}
