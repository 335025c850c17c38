#include <brisk/data/hdf5_array.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <vector>

#include <brisk/core/base/error.hpp>
#include <brisk/data/file_io.hpp>
#include <brisk/data/hdf5/handle.hpp>

namespace brisk::data {

using h5::Handle;

namespace {

std::vector<std::string> root_members(hid_t file) {
  std::vector<std::string> names;
  H5G_info_t info;
  if (H5Gget_info(file, &info) < 0) return names;
  for (hsize_t i = 0; i < info.nlinks && names.size() < 20; ++i) {
    ssize_t len = H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT);
    if (len <= 0) continue;
    std::string name(static_cast<std::size_t>(len), '\0');
    H5Lget_name_by_idx(file, ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(),
                       static_cast<std::size_t>(len) + 1, H5P_DEFAULT);
    names.push_back(std::move(name));
  }
  return names;
}

// Chooses the array dtype and the in-memory HDF5 type to read into.
DType classify(hid_t file_type, const std::string& origin, hid_t& mem_type) {
  auto size = H5Tget_size(file_type);
  switch (H5Tget_class(file_type)) {
    case H5T_INTEGER: {
      bool is_signed = H5Tget_sign(file_type) == H5T_SGN_2;
      switch (size) {
        case 1: mem_type = is_signed ? H5T_NATIVE_INT8 : H5T_NATIVE_UINT8; return is_signed ? DType::i8 : DType::u8;
        case 2: mem_type = is_signed ? H5T_NATIVE_INT16 : H5T_NATIVE_UINT16; return is_signed ? DType::i16 : DType::u16;
        case 4: mem_type = is_signed ? H5T_NATIVE_INT32 : H5T_NATIVE_UINT32; return is_signed ? DType::i32 : DType::u32;
        case 8: mem_type = is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64; return is_signed ? DType::i64 : DType::u64;
        default: break;
      }
      break;
    }
    case H5T_FLOAT:
      if (size == 4) { mem_type = H5T_NATIVE_FLOAT; return DType::f32; }
      if (size == 8) { mem_type = H5T_NATIVE_DOUBLE; return DType::f64; }
      throw InputError(fmt::format("{}: unsupported {}-byte float type (brisk reads float32 and "
                                   "float64)", origin, size));
    case H5T_ENUM:
      // h5py stores numpy bool as an enum {FALSE=0, TRUE=1} over int8: read the raw codes.
      if (size == 1 && H5Tget_nmembers(file_type) == 2) { mem_type = H5T_NATIVE_INT8; return DType::boolean; }
      break;
    default:
      break;
  }
  throw InputError(fmt::format("{}: unsupported element type (brisk reads integers, float32, "
                               "float64 and bool)", origin));
}

}  // namespace

Array read_hdf5_array(const std::string& path, const std::string& name) {
  require_nonempty_file(path);
  std::string origin = fmt::format("{}:{}", path, name);
  h5::QuietErrors quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0)
    throw InputError(fmt::format("{}: not an HDF5 file", path));
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid()) throw InputError(fmt::format("{}: cannot open the HDF5 file (damaged?)", path));

  if (name.empty() || H5Lexists(file.get(), name.c_str(), H5P_DEFAULT) <= 0) {
    auto members = root_members(file.get());
    throw InputError(fmt::format("{}: no dataset '{}' (top-level members: {})", path, name,
                                 members.empty() ? "none" : fmt::format("{}", fmt::join(members, ", "))));
  }
  Handle dset(H5Dopen2(file.get(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dset.valid()) throw InputError(fmt::format("{}: not a dataset (a group?)", origin));

  Handle file_type(H5Dget_type(dset.get()), H5Tclose);
  Handle space(H5Dget_space(dset.get()), H5Sclose);
  if (!file_type.valid() || !space.valid())
    throw InputError(fmt::format("{}: cannot read the dataset's type or shape", origin));

  Array a;
  a.origin = origin;
  hid_t mem_type = -1;
  a.dtype = classify(file_type.get(), origin, mem_type);
  int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) throw InputError(fmt::format("{}: cannot read the dataset's shape", origin));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  for (auto d : dims) a.shape.push_back(static_cast<std::size_t>(d));

  std::size_t bytes = 0;
  if (!checked_byte_count(a.shape, dtype_size(a.dtype), bytes))
    throw InputError(fmt::format("{}: shape {} is too large", origin, shape_text(a.shape)));
  // Dimensions come from the file; a damaged header must not make us allocate gigabytes.
  // Compressed chunks expand at most ~1032:1 (deflate).
  auto stored = static_cast<std::size_t>(H5Dget_storage_size(dset.get()));
  if (bytes > (std::size_t{1} << 20) && bytes / 1032 > stored)
    throw InputError(fmt::format("{}: shape {} needs {} bytes but the file stores only {} (damaged, "
                                 "or never written)",
                                 origin, shape_text(a.shape), bytes, stored));
  a.storage.resize(bytes);
  if (bytes > 0 && H5Dread(dset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, a.storage.data()) < 0)
    throw InputError(fmt::format("{}: cannot read the data (file truncated or damaged?)", origin));
  return a;
}

}  // namespace brisk::data
