#pragma once
// A small read-only view of an HDF5 file over the C API, for the model importers.
//
// Every hid_t lives in an RAII handle, so no error path leaks one. Objects are addressed by
// '/'-separated paths from the root ("model_weights/conv2d_1"); "" is the root. Failures
// throw brisk::InputError naming the file and the object. While a call runs, HDF5's own
// error printing is suspended (library code never prints).
#include <hdf5.h>

#include <brisk/data/hdf5/handle.hpp>

#include <string>
#include <utility>
#include <vector>

namespace brisk::h5 {

struct FloatArray {
  std::vector<float> data;
  std::vector<int> shape;
};

class File {
 public:
  // Opens a file on disk; InputError when it is missing or not HDF5.
  static File open(const std::string& path);
  // Opens an in-memory HDF5 image (e.g. a member of a zip archive); `label` names it in
  // messages. The image is copied by HDF5.
  static File open_image(const std::vector<unsigned char>& image, const std::string& label);

  const std::string& label() const { return label_; }

  bool exists(const std::string& path) const;  // every component present
  bool is_group(const std::string& path) const;
  bool is_dataset(const std::string& path) const;
  std::vector<std::string> children(const std::string& group) const;  // sorted by name

  bool has_attr(const std::string& object, const std::string& name) const;
  // String attribute, scalar or array, fixed- or variable-length. A zero-size attribute of
  // any type reads as no strings (Keras writes empty name lists as float64 arrays).
  std::vector<std::string> strings_attr(const std::string& object, const std::string& name) const;
  std::string string_attr(const std::string& object, const std::string& name) const;
  // A string list that Keras may have split into name0, name1, ... when it grew too long.
  std::vector<std::string> split_strings_attr(const std::string& object, const std::string& name) const;
  std::vector<double> numbers_attr(const std::string& object, const std::string& name) const;

  FloatArray read_floats(const std::string& dataset) const;

 private:
  File(Handle h, std::string label) : handle_(std::move(h)), label_(std::move(label)) {}
  Handle open_object(const std::string& path) const;
  Handle open_attr(const std::string& object, const std::string& name) const;
  std::string where(const std::string& object) const;

  Handle handle_;
  std::string label_;
};

}  // namespace brisk::h5
