#pragma once
// numpy's .npy format and .npz archives (zip files of .npy members, stored by np.savez,
// deflated by np.savez_compressed).
//
// Supported: format versions 1.0-3.0, little-endian (or single-byte) bool, uint8..int64,
// float32 and float64, C order (Fortran order only for 0-/1-D arrays, where it is the
// same). Everything else - big-endian, Fortran order, float16, complex, strings, objects,
// structured dtypes - is refused with an InputError naming the file and the dtype.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <brisk/data/array.hpp>

namespace brisk::data {

// Decodes one .npy image. `origin` names it in messages ("x.npz:arr_0").
// A payload beyond `max_bytes` (or 2^32 elements) is refused.
Array parse_npy(std::vector<std::byte> bytes, const std::string& origin,
                std::uint64_t max_bytes = UINT64_MAX);

// The size of the whole .npy image (preamble, header and payload) that the start of
// `prefix` declares, checked like parse_npy; nullopt while `prefix` is too short to hold
// the header. Malformed header: InputError.
std::optional<std::uint64_t> npy_image_size(std::span<const std::byte> prefix, const std::string& origin,
                                            std::uint64_t max_bytes = UINT64_MAX);
// How many bytes always suffice for npy_image_size to decide (the longest header read).
std::size_t npy_header_bound();

// The member names of an .npz archive, without the ".npy" suffix, in archive order.
std::vector<std::string> npz_members(const std::string& path);

// Reads member `name` (without ".npy") of an .npz archive. An empty name picks "arr_0"
// when present, else the only member; otherwise InputError listing the members.
// The member's sizes are checked against the archive, its .npy header and `max_bytes`
// before it is decompressed, and its CRC-32 after.
Array read_npz(const std::string& path, const std::string& name = "",
               std::uint64_t max_bytes = UINT64_MAX);

}  // namespace brisk::data
