#pragma once
// Writing result files: one writer for every table, report and JSON file brisk produces.
#include <string>
#include <string_view>

namespace brisk::experiments {

// Writes `bytes` to `path` through a temporary file beside it and a rename, so a reader
// never sees a half-written file and a failure leaves nothing behind (InputError naming
// `path`).
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace brisk::experiments
