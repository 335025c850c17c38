// libFuzzer harness: .npz archives through libzip (directory sizes, CRCs, the .npy
// members). libzip reads from a path, so each input is written to a per-process file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include <brisk/core/base/error.hpp>
#include <brisk/data/npy.hpp>

#include "harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/brisk-fuzz-npz-" + std::to_string(::getpid()) + ".npz";
  if (std::FILE* f = std::fopen(path.c_str(), "wb")) {
    if (size > 0) std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    int n = 0;
    for (const auto& member : brisk::data::npz_members(path)) {
      if (++n > 4) break;
      try {
        auto a = brisk::data::read_npz(path, member, brisk::fuzz::kMaxBytes);
        brisk::fuzz::touch(a);
      } catch (const brisk::InputError&) {
      }
    }
    auto a = brisk::data::read_npz(path, "", brisk::fuzz::kMaxBytes);
    brisk::fuzz::touch(a);
  } catch (const brisk::InputError&) {
  }
  return 0;
}
