#pragma once
// IDX files (the MNIST / Fashion-MNIST container): two zero bytes, a dtype byte, the
// number of dimensions, the dimensions as big-endian uint32, then the big-endian data.
#include <cstddef>
#include <string>
#include <vector>

#include <brisk/data/array.hpp>

namespace brisk::data {

// Decodes an (already decompressed) IDX image. Takes the buffer to avoid copying the
// payload. Bad magic, unknown dtype byte, truncation or trailing bytes: InputError
// naming `origin`.
Array parse_idx(std::vector<std::byte> bytes, const std::string& origin);

}  // namespace brisk::data
