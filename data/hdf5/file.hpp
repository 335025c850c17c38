#pragma once
// A read-only view of an HDF5 file over the C API: the one HDF5 reader behind the dataset
// reader (--data f.h5:X,Y), the model importers and the converted-network file.
//
// Every hid_t lives in an RAII handle, so no error path leaks one. Objects are addressed by
// '/'-separated paths from the root ("model_weights/conv2d_1"); "" is the root. Failures
// throw a one-line brisk::InputError naming the file and the object. While a call runs,
// HDF5's own error printing is suspended (library code never prints).
//
// Reads are typed: read() and attr() return the values as stored (an int64 stays int64);
// conversions (types.hpp) are the caller's explicit, checked step. Sizes and types are
// checked before anything is allocated or read.
#include <brisk/core/base/error.hpp>
#include <brisk/data/hdf5/handle.hpp>
#include <brisk/data/hdf5/types.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace brisk::h5 {

struct FloatArray {
  std::vector<float> data;
  std::vector<int> shape;
};

struct DatasetInfo {
  Type type = Type::u8;
  std::vector<std::size_t> shape;  // empty for a scalar
};

// How messages name an object: "file: object" (models, converted networks), or
// "file:object", the spelling of a --data spec.
enum class Naming : bool { spaced, spec };

// Where libhdf5 parses the file. `process` (the default, and what every brisk reader
// uses): in a separate reader process with its own memory and time limits, so that a
// crash or hang of libhdf5 on a damaged or hostile file becomes one InputError naming the
// file (remote.hpp, docs/security.md). `none`: in this process (trusted files only).
enum class Isolation : bool { process, none };

class Remote;

// The reader process crashed, ran out of its memory or time on this file: the file is
// damaged or hostile. Callers that probe a file's format must not swallow it (the next
// probe would spend the same time again).
class ReaderError : public InputError {
 public:
  using InputError::InputError;
};

class File {
 public:
  // Opens a file on disk; InputError when it is missing or not HDF5.
  static File open(const std::string& path, Naming naming = Naming::spaced,
                   Isolation isolation = Isolation::process);
  // Opens an in-memory HDF5 image (e.g. a member of a zip archive); `label` names it in
  // messages. The image is copied by HDF5.
  static File open_image(const std::vector<unsigned char>& image, const std::string& label,
                         Isolation isolation = Isolation::process);

  File(File&&) noexcept;
  File& operator=(File&&) noexcept;
  ~File();

  const std::string& label() const { return label_; }
  // "file: object" (or "file:object"), the prefix of every message about `object`.
  std::string where(const std::string& object) const;

  bool exists(const std::string& path) const;  // every component present
  bool is_group(const std::string& path) const;
  bool is_dataset(const std::string& path) const;
  std::vector<std::string> children(const std::string& group) const;  // sorted by name

  // ---- datasets (dataset.cpp) ----
  // Element type and shape, without reading; InputError for types brisk does not read
  // (strings, compounds, complex, float sizes other than 2/4/8 bytes, ...).
  DatasetInfo info(const std::string& dataset) const;
  // The values as stored. The byte count is checked (64-bit, against the bytes the file
  // stores for the dataset) before allocating.
  TypedArray read(const std::string& dataset) const;
  // read() then to_floats(Exact::no): weights and samples, where rounding is expected.
  FloatArray read_floats(const std::string& dataset) const;

  // ---- attributes (attribute.cpp) ----
  bool has_attr(const std::string& object, const std::string& name) const;
  // String attribute, scalar or array, fixed-length (NULL- or space-padded) or
  // variable-length. The datatype class, size and storage are checked before reading. A
  // zero-size attribute of any type reads as no strings (Keras writes empty name lists as
  // float64 arrays).
  std::vector<std::string> strings_attr(const std::string& object, const std::string& name) const;
  std::string string_attr(const std::string& object, const std::string& name) const;
  // A string list that Keras may have split into name0, name1, ... when it grew too long.
  std::vector<std::string> split_strings_attr(const std::string& object, const std::string& name) const;
  // Numeric attribute (scalar or array) as stored.
  TypedArray attr(const std::string& object, const std::string& name) const;
  // attr() then to_doubles(Exact::yes).
  std::vector<double> numbers_attr(const std::string& object, const std::string& name) const;
  // attr() then to_int64s: integers exactly; a float attribute only if every value is integral.
  std::vector<std::int64_t> integers_attr(const std::string& object, const std::string& name) const;

 private:
  File(Handle h, std::string label, Naming naming);
  File(std::unique_ptr<Remote> remote, std::string label, Naming naming);
  static File open_live(const std::string& path, Naming naming);
  static File open_image_live(const std::vector<unsigned char>& image, const std::string& label);
  Handle open_object(const std::string& path) const;
  Handle open_attr(const std::string& object, const std::string& name) const;
  std::string attr_where(const std::string& object, const std::string& name) const;
  // Before the first variable-length string read: the file's global heap collections
  // checked (file.cpp); InputError for a damaged one.
  void check_global_heaps() const;
  void check_fits(std::size_t bytes, const std::string& what) const;  // attribute.cpp

  Handle handle_;
  std::string label_;
  Naming naming_ = Naming::spaced;
  std::string disk_path_;              // "" for an in-memory image (checked when opened)
  mutable bool heaps_checked_ = false;
  std::unique_ptr<Remote> remote_;     // set: every query goes to the reader process
};

}  // namespace brisk::h5
