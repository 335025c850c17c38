#pragma once
// numpy's .npy format and .npz archives (zip files of .npy members, stored by np.savez,
// deflated by np.savez_compressed).
//
// Supported: format versions 1.0-3.0, little-endian (or single-byte) bool, uint8..int64,
// float32 and float64, C order (Fortran order only for 0-/1-D arrays, where it is the
// same). Everything else - big-endian, Fortran order, float16, complex, strings, objects,
// structured dtypes - is refused with an InputError naming the file and the dtype.
#include <cstddef>
#include <string>
#include <vector>

#include <brisk/data/array.hpp>

namespace brisk::data {

// Decodes one .npy image. `origin` names it in messages ("x.npz:arr_0").
Array parse_npy(std::vector<std::byte> bytes, const std::string& origin);

// The member names of an .npz archive, without the ".npy" suffix, in archive order.
std::vector<std::string> npz_members(const std::string& path);

// Reads member `name` (without ".npy") of an .npz archive. An empty name picks "arr_0"
// when present, else the only member; otherwise InputError listing the members.
Array read_npz(const std::string& path, const std::string& name = "");

}  // namespace brisk::data
