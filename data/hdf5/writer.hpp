#pragma once
// Writes an HDF5 file over the C API: groups, little-endian int32/float32/int64 data and
// UTF-8 variable-length string attributes. Failures throw a one-line brisk::InputError
// naming the file (`label`) and the object. HDF5's error printing is suspended while the
// Writer lives.
#include <brisk/data/hdf5/handle.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace brisk::h5 {

class Writer {
 public:
  // Creates (truncates) `file`; messages name `label`, e.g. the file a temporary stands for.
  Writer(const std::string& file, const std::string& label);
  // Flushes and closes; the destructor closes without the check.
  void close();

  void group(const std::string& path);

  // Attributes on the object at `obj` ("/" or "" for the root).
  void string_attr(const std::string& obj, const char* name, const std::string& value);
  void strings_attr(const std::string& obj, const char* name, const std::vector<std::string>& v);
  // int32 array (scalar when `scalar` and v holds one value).
  void ints_attr(const std::string& obj, const char* name, const std::vector<int>& v, bool scalar = false);
  void int_attr(const std::string& obj, const char* name, int v) { ints_attr(obj, name, {v}, true); }
  void float_attr(const std::string& obj, const char* name, float v);

  // float32 dataset of `shape` (1-D of v.size() when empty).
  void floats(const std::string& path, const std::vector<float>& v, std::vector<int> shape = {});
  // 1-D int64 dataset.
  void int64s(const std::string& path, const std::vector<std::int64_t>& v);
  // Chunked, shuffled and deflate-compressed datasets (recordings): 1-D of v.size() when
  // `shape` is empty; chunks of about 64 Ki elements along the first dimension.
  void int32s_compressed(const std::string& path, const std::vector<std::int32_t>& v, std::vector<int> shape = {});
  void floats_compressed(const std::string& path, const std::vector<float>& v, std::vector<int> shape = {});

 private:
  void check(bool ok, const std::string& what) const;
  void compressed(const std::string& path, hid_t file_type, hid_t mem_type, const void* data, std::size_t n,
                  std::vector<int> shape);
  void write_attr(const std::string& obj, const char* name, hid_t file_type, hid_t space,
                  const void* data, hid_t mem_type = -1);

  QuietErrors quiet_;
  std::string label_;
  Handle file_;
};

}  // namespace brisk::h5
