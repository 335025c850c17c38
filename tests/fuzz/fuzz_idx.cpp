// libFuzzer harness: the IDX reader behind gzip detection and the capped gunzip, as
// load_dataset() reads a file without a known extension (data/decode.hpp).
#include <cstddef>
#include <cstdint>
#include <vector>

#include <brisk/core/base/error.hpp>
#include <brisk/data/decode.hpp>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::byte> bytes(reinterpret_cast<const std::byte*>(data),
                               reinterpret_cast<const std::byte*>(data) + size);
  try {
    auto a = brisk::data::decode_file_bytes(std::move(bytes), "fuzz-idx3-ubyte.gz", brisk::fuzz::kMaxBytes);
    brisk::fuzz::touch(a);
  } catch (const brisk::InputError&) {
  }
  return 0;
}
