#pragma once
// The bytes of one non-archive input file (IDX or .npy, raw or gzip-compressed) decoded
// into an Array, exactly as load_dataset() does it: the entry point the fuzz harness for
// the IDX/gzip reader drives (tests/fuzz/).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <brisk/data/array.hpp>

namespace brisk::data {

// `path` names the file in messages; its extension picks .npy or content detection.
// Decompression stops at the size the image's header declares (within `max_bytes`).
Array decode_file_bytes(std::vector<std::byte> bytes, const std::string& path, std::uint64_t max_bytes);

}  // namespace brisk::data
