#include <brisk/data/hdf5_array.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <vector>

#include <brisk/core/base/error.hpp>
#include <brisk/data/file_io.hpp>
#include <brisk/data/hdf5/file.hpp>

namespace brisk::data {

namespace {

// The module's element types map one to one onto the Array's, but for float16, which the
// data readers do not take.
DType dtype_of(h5::Type t, const std::string& origin) {
  switch (t) {
    case h5::Type::boolean: return DType::boolean;
    case h5::Type::u8: return DType::u8;
    case h5::Type::i8: return DType::i8;
    case h5::Type::u16: return DType::u16;
    case h5::Type::i16: return DType::i16;
    case h5::Type::u32: return DType::u32;
    case h5::Type::i32: return DType::i32;
    case h5::Type::u64: return DType::u64;
    case h5::Type::i64: return DType::i64;
    case h5::Type::f32: return DType::f32;
    case h5::Type::f64: return DType::f64;
    case h5::Type::f16: break;
  }
  throw InputError(fmt::format("{}: unsupported 2-byte float type (brisk reads float32 and "
                               "float64)", origin));
}

}  // namespace

Array read_hdf5_array(const std::string& path, const std::string& name) {
  require_nonempty_file(path);
  const h5::File file = h5::File::open(path, h5::Naming::spec);
  const std::string origin = file.where(name);
  if (name.empty() || !file.exists(name)) {
    auto members = file.children("");
    if (members.size() > 20) members.resize(20);
    throw InputError(fmt::format("{}: no dataset '{}' (top-level members: {})", path, name,
                                 members.empty() ? "none" : fmt::format("{}", fmt::join(members, ", "))));
  }
  if (!file.is_dataset(name)) throw InputError(fmt::format("{}: not a dataset (a group?)", origin));
  // The type first: a float16 dataset is refused before its data is read.
  const DType dtype = dtype_of(file.info(name).type, origin);
  h5::TypedArray t = file.read(name);
  Array a;
  a.origin = origin;
  a.dtype = dtype;
  a.shape = std::move(t.shape);
  a.storage = std::move(t.storage);
  return a;
}

}  // namespace brisk::data
