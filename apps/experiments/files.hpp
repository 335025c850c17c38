#pragma once
// Writing result files: one writer for every table, report and JSON file brisk produces.
#include <string>
#include <string_view>
#include <vector>

namespace brisk::experiments {

// Writes `bytes` to `path` through a temporary file beside it and a rename, so a reader
// never sees a half-written file and a failure leaves nothing behind (InputError naming
// `path`).
void write_file_atomically(const std::string& path, std::string_view bytes);

// Checks an output path before any computation, so a command never destroys data and
// never fails only after its work is done. `flag` names the option in messages ("-o").
//  - UsageError (exit 2): an empty path; a path that is one of `inputs` (compared with
//    std::filesystem::equivalent when both exist, else by their normalised absolute
//    paths); an existing file when `force` is false; an existing directory.
//  - InputError (exit 3): the directory does not exist, or no file can be created in it.
// Writing stays write_file_atomically's (or write_snn's) temporary file and rename.
void check_output(const std::string& path, const std::vector<std::string>& inputs, bool force,
                  const std::string& flag);

}  // namespace brisk::experiments
