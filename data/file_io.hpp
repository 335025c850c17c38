#pragma once
// Whole-file reading and gzip decompression for the dataset readers. Every failure is an
// InputError whose message names the file.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace brisk::data {

// Throws InputError when `path` is missing, a directory or an empty file.
void require_nonempty_file(const std::string& path);

// Reads a regular file completely. Missing, unreadable, a directory, or empty: InputError.
// A file larger than `max_bytes` is refused before it is read (InputError naming the file
// and --max-input-bytes).
std::vector<std::byte> read_file(const std::string& path, std::uint64_t max_bytes = UINT64_MAX);

// True when `bytes` starts with the gzip magic (1f 8b).
bool is_gzip(std::span<const std::byte> bytes);

// Decompresses a gzip stream (several concatenated members allowed, as gzip(1) makes
// them). Truncated, corrupted (bad deflate data or CRC) or followed by garbage:
// InputError naming `path`. The output is capped at `max_out` bytes: a stream that
// decompresses to more is refused as soon as it passes the cap (the output buffer grows
// with the data actually produced, never to a size read from the file).
std::vector<std::byte> gunzip(std::span<const std::byte> compressed, const std::string& path,
                              std::uint64_t max_out = UINT64_MAX);

// The first (at most) `n` decompressed bytes of a gzip stream, for reading the header of
// the image inside before deciding how much to decompress. Errors as gunzip(); a stream
// shorter than `n` gives what it holds.
std::vector<std::byte> gunzip_prefix(std::span<const std::byte> compressed, const std::string& path,
                                     std::size_t n);

// "4 GiB", "7.5 MiB", "312 bytes": sizes in messages.
std::string size_text(std::uint64_t bytes);

// Lower-cased extension including the dot: "data/x.NPZ" -> ".npz", "a.tar.gz" -> ".gz".
std::string file_extension(const std::string& path);

}  // namespace brisk::data
