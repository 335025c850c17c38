#pragma once
// SHA-256 (FIPS 180-4) for provenance: the converted file records the digest of the model
// it came from, so a result can be traced to the exact bytes.
#include <cstddef>
#include <string>

namespace brisk {

std::string sha256_hex(const void* data, std::size_t size);
// Digest of a file's bytes; InputError naming the file when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace brisk
