// File's dataset reads and the datatype checks they share with attributes (detail.hpp).
#include <brisk/data/hdf5/file.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <limits>

#include <brisk/core/base/error.hpp>
#include <brisk/data/hdf5/detail.hpp>
#include <brisk/data/hdf5/remote.hpp>

namespace brisk::h5 {

namespace detail {

herr_t close_any_object(hid_t id) { return H5Oclose(id); }

bool classify(hid_t file_type, Type& type, hid_t& mem_type, std::string& why) {
  const std::size_t size = H5Tget_size(file_type);
  switch (H5Tget_class(file_type)) {
    case H5T_INTEGER: {
      const bool is_signed = H5Tget_sign(file_type) == H5T_SGN_2;
      switch (size) {
        case 1: mem_type = is_signed ? H5T_NATIVE_INT8 : H5T_NATIVE_UINT8; type = is_signed ? Type::i8 : Type::u8; return true;
        case 2: mem_type = is_signed ? H5T_NATIVE_INT16 : H5T_NATIVE_UINT16; type = is_signed ? Type::i16 : Type::u16; return true;
        case 4: mem_type = is_signed ? H5T_NATIVE_INT32 : H5T_NATIVE_UINT32; type = is_signed ? Type::i32 : Type::u32; return true;
        case 8: mem_type = is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64; type = is_signed ? Type::i64 : Type::u64; return true;
        default: break;
      }
      why = fmt::format("unsupported {}-byte integer type", size);
      return false;
    }
    case H5T_FLOAT:
      if (size == 2) {
        // IEEE half: read with HDF5 converting only the byte order (to_floats decodes it).
        if (H5Tget_ebias(file_type) == 15 && H5Tget_precision(file_type) == 16) {
          mem_type = H5T_NATIVE_UINT16;  // replaced by a half type of host order in read_into
          type = Type::f16;
          return true;
        }
      }
      if (size == 4) { mem_type = H5T_NATIVE_FLOAT; type = Type::f32; return true; }
      if (size == 8) { mem_type = H5T_NATIVE_DOUBLE; type = Type::f64; return true; }
      why = fmt::format("unsupported {}-byte float type (brisk reads float32 and float64)", size);
      return false;
    case H5T_ENUM:
      // h5py stores numpy bool as an enum {FALSE=0, TRUE=1} over int8: read the raw codes.
      if (size == 1 && H5Tget_nmembers(file_type) == 2) { mem_type = H5T_NATIVE_INT8; type = Type::boolean; return true; }
      break;
    default:
      break;
  }
  why = "unsupported element type (brisk reads integers, float32, float64 and bool)";
  return false;
}

bool extent(hid_t space, std::vector<std::size_t>& shape) {
  shape.clear();
  switch (H5Sget_simple_extent_type(space)) {
    case H5S_SCALAR: return true;
    case H5S_NULL: shape.push_back(0); return true;
    case H5S_SIMPLE: break;
    default: return false;
  }
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > H5S_MAX_RANK) return false;
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (H5Sget_simple_extent_dims(space, dims.data(), nullptr) < 0) return false;
  for (hsize_t d : dims) {
    if (d > std::numeric_limits<std::size_t>::max()) return false;
    shape.push_back(static_cast<std::size_t>(d));
  }
  return true;
}

bool checked_bytes(const std::vector<std::size_t>& shape, std::size_t item, std::size_t& bytes) {
  std::size_t n = item;
  for (std::size_t d : shape) {
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d) return false;
    n *= d;
  }
  bytes = n;
  return true;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace detail

namespace {

struct OpenDataset {
  Handle dset, type, space;
  DatasetInfo info;
  hid_t mem_type = -1;
};

OpenDataset open_dataset(const File& f, hid_t file, const std::string& path) {
  const std::string w = f.where(path);
  if (!f.exists(path)) throw InputError(fmt::format("{}: missing dataset", w));
  OpenDataset d;
  d.dset = Handle(H5Dopen2(file, path.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.dset.valid()) throw InputError(fmt::format("{}: not a dataset (a group?)", w));
  d.type = Handle(H5Dget_type(d.dset.get()), H5Tclose);
  d.space = Handle(H5Dget_space(d.dset.get()), H5Sclose);
  if (!d.type.valid() || !d.space.valid())
    throw InputError(fmt::format("{}: cannot read the dataset's type or shape", w));
  std::string why;
  if (!detail::classify(d.type.get(), d.info.type, d.mem_type, why))
    throw InputError(fmt::format("{}: {}", w, why));
  if (!detail::extent(d.space.get(), d.info.shape))
    throw InputError(fmt::format("{}: cannot read the dataset's shape", w));
  return d;
}

}  // namespace

DatasetInfo File::info(const std::string& dataset) const {
  if (remote_) return decode_info(remote_->call(Op::info, dataset), label_);
  QuietErrors quiet;
  return open_dataset(*this, handle_.get(), dataset).info;
}

TypedArray File::read(const std::string& dataset) const {
  if (remote_) {
    std::uint64_t bytes = 0;
    try {
      const DatasetInfo i = info(dataset);
      bytes = type_size(i.type);
      constexpr std::uint64_t kCap = std::uint64_t{1} << 40;
      for (std::size_t d : i.shape) bytes = d != 0 && bytes > kCap / d ? kCap : bytes * d;
    } catch (const InputError&) {
    }  // read() reports it in its own words
    return decode_array(remote_->call(Op::read, dataset, {}, bytes), label_);
  }
  QuietErrors quiet;
  OpenDataset d = open_dataset(*this, handle_.get(), dataset);
  const std::string w = where(dataset);
  TypedArray a;
  a.type = d.info.type;
  a.shape = std::move(d.info.shape);
  std::size_t bytes = 0;
  if (!detail::checked_bytes(a.shape, type_size(a.type), bytes))
    throw InputError(fmt::format("{}: shape {} is too large", w, detail::shape_text(a.shape)));
  // Dimensions come from the file; a damaged header must not make us allocate gigabytes.
  // Compressed chunks expand at most ~1032:1 (deflate).
  const auto stored = static_cast<std::size_t>(H5Dget_storage_size(d.dset.get()));
  hsize_t file_size = 0;
  if (H5Fget_filesize(handle_.get(), &file_size) >= 0 && file_size > 0 && stored > file_size)
    throw InputError(fmt::format("{}: the header claims {} stored bytes in a {}-byte file (damaged)",
                                 w, stored, file_size));
  if (bytes > (std::size_t{1} << 20) && bytes / 1032 > stored)
    throw InputError(fmt::format("{}: shape {} needs {} bytes but the file stores only {} (damaged, "
                                 "or never written)",
                                 w, detail::shape_text(a.shape), bytes, stored));
  Handle half;
  hid_t mem = d.mem_type;
  if (a.type == Type::f16) {
    // The file's own half type in host byte order: HDF5 swaps bytes and converts nothing else.
    half = Handle(H5Tcopy(d.type.get()), H5Tclose);
    if (!half.valid() || H5Tset_order(half.get(), H5Tget_order(H5T_NATIVE_UINT16)) < 0)
      throw InputError(fmt::format("{}: cannot read the dataset's type", w));
    mem = half.get();
  }
  a.storage.resize(bytes);
  if (bytes > 0 && H5Dread(d.dset.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.storage.data()) < 0)
    throw InputError(fmt::format("{}: cannot read the data (file truncated or damaged?)", w));
  return a;
}

FloatArray File::read_floats(const std::string& dataset) const {
  TypedArray a = read(dataset);
  FloatArray out;
  for (std::size_t d : a.shape) {
    if (d > static_cast<std::size_t>(std::numeric_limits<int>::max()))
      throw InputError(fmt::format("{}: dimension too large", where(dataset)));
    out.shape.push_back(static_cast<int>(d));
  }
  out.data = to_floats(a, where(dataset), Exact::no);
  return out;
}

}  // namespace brisk::h5
