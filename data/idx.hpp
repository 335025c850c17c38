#pragma once
// IDX files (the MNIST / Fashion-MNIST container): two zero bytes, a dtype byte, the
// number of dimensions, the dimensions as big-endian uint32, then the big-endian data.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <brisk/data/array.hpp>

namespace brisk::data {

// Decodes an (already decompressed) IDX image. Takes the buffer to avoid copying the
// payload. Bad magic, unknown dtype byte, truncation or trailing bytes: InputError
// naming `origin`. A payload beyond `max_bytes` (or 2^32 elements) is refused.
Array parse_idx(std::vector<std::byte> bytes, const std::string& origin,
                std::uint64_t max_bytes = UINT64_MAX);

// The size of the whole IDX image (header + payload) that the header at the start of
// `prefix` declares, checked against the same limits; nullopt while `prefix` is too short
// to hold the header. Bad magic, dtype or dimensions: InputError.
std::optional<std::uint64_t> idx_image_size(std::span<const std::byte> prefix, const std::string& origin,
                                            std::uint64_t max_bytes = UINT64_MAX);

}  // namespace brisk::data
