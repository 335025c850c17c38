#pragma once
// Internal to the HDF5 module: datatype and dataspace checks shared by the dataset and
// attribute readers.
#include <hdf5.h>

#include <cstddef>
#include <string>
#include <vector>

#include <brisk/data/hdf5/types.hpp>

namespace brisk::h5::detail {

herr_t close_any_object(hid_t id);

// The brisk Type of a file datatype and the native memory type that reads it with only
// byte-order conversion. On failure returns false and sets `why` (one phrase).
bool classify(hid_t file_type, Type& type, hid_t& mem_type, std::string& why);

// The dimensions of a simple or scalar dataspace (a null dataspace has one zero dimension);
// false for anything else.
bool extent(hid_t space, std::vector<std::size_t>& shape);

// Product of `shape` times `item` in checked 64-bit arithmetic; false on overflow.
bool checked_bytes(const std::vector<std::size_t>& shape, std::size_t item, std::size_t& bytes);

// "(10000, 1, 28, 28)"
std::string shape_text(const std::vector<std::size_t>& shape);

}  // namespace brisk::h5::detail
