#pragma once
// Whole-file reading and gzip decompression for the dataset readers. Every failure is an
// InputError whose message names the file.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace brisk::data {

// Throws InputError when `path` is missing, a directory or an empty file.
void require_nonempty_file(const std::string& path);

// Reads a regular file completely. Missing, unreadable, a directory, or empty: InputError.
std::vector<std::byte> read_file(const std::string& path);

// True when `bytes` starts with the gzip magic (1f 8b).
bool is_gzip(std::span<const std::byte> bytes);

// Decompresses a gzip stream (several concatenated members allowed, as gzip(1) makes
// them). Truncated, corrupted (bad deflate data or CRC) or followed by garbage:
// InputError naming `path`.
std::vector<std::byte> gunzip(std::span<const std::byte> compressed, const std::string& path);

// Lower-cased extension including the dot: "data/x.NPZ" -> ".npz", "a.tar.gz" -> ".gz".
std::string file_extension(const std::string& path);

}  // namespace brisk::data
