#pragma once
// Reads one numeric dataset of an HDF5 file (any byte order; HDF5 converts to host
// order). Integer, float32/float64 and h5py's bool (an int8 enum) are accepted.
#include <string>

#include <brisk/data/array.hpp>

namespace brisk::data {

// `name` is a dataset path inside the file ("x_test", "/data/images"). Missing file,
// not HDF5, missing dataset (the message lists the root's members), unsupported type:
// InputError naming the file and the dataset.
Array read_hdf5_array(const std::string& path, const std::string& name);

}  // namespace brisk::data
