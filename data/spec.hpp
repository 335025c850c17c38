#pragma once
// Parsing of dataset spec strings (the grammar is documented at load_dataset() in
// data/dataset.hpp and in docs/datasets.md).
#include <string>

#include <brisk/data/dataset.hpp>

namespace brisk::data {

// One array to read: a file, plus the NPZ member or HDF5 dataset inside it
// (empty member: the format's default, e.g. an NPZ's arr_0 or its only member).
struct ArraySource {
  std::string path;
  std::string member;
};

struct DataSpec {
  ArraySource x, y;
};

// Environment variable that overrides where `fashion-mnist` is looked up.
inline constexpr const char* kFashionMnistDirEnv = "BRISK_FASHION_MNIST_DIR";
inline constexpr const char* kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";

// Throws UsageError for a malformed spec, InputError when the Fashion-MNIST directory
// is missing.
DataSpec parse_spec(const std::string& spec, const LoadOptions& opts);

}  // namespace brisk::data
