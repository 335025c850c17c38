#include <brisk/data/hdf5/file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <limits>

#include <brisk/core/base/error.hpp>

namespace brisk::h5 {

namespace {

herr_t close_any_object(hid_t id) { return H5Oclose(id); }

std::string object_name(const std::string& path) { return path.empty() ? "/" : path; }

std::size_t element_count(hid_t space) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  return n < 0 ? 0 : static_cast<std::size_t>(n);
}

std::string trim_fixed(const char* p, std::size_t size) {
  std::size_t n = strnlen(p, size);
  while (n > 0 && p[n - 1] == ' ') --n;  // space-padded strings
  return std::string(p, n);
}

}  // namespace

File File::open(const std::string& path) {
  QuietErrors quiet;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(fmt::format("{}: no such file", path));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError(fmt::format("{}: not an HDF5 file", path));
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!f.valid()) throw InputError(fmt::format("{}: cannot open the HDF5 file", path));
  return File(std::move(f), path);
}

File File::open_image(const std::vector<unsigned char>& image, const std::string& label) {
  QuietErrors quiet;
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.valid() || H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<unsigned char*>(image.data()), image.size()) < 0)
    throw InputError(fmt::format("{}: cannot prepare the in-memory HDF5 image", label));
  Handle f(H5Fopen(label.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!f.valid()) throw InputError(fmt::format("{}: not an HDF5 file", label));
  return File(std::move(f), label);
}

std::string File::where(const std::string& object) const {
  return fmt::format("{}: {}", label_, object_name(object));
}

bool File::exists(const std::string& path) const {
  QuietErrors quiet;
  if (path.empty()) return true;
  // H5Lexists fails on a missing intermediate group, so walk the components.
  std::size_t pos = 0;
  while (true) {
    std::size_t next = path.find('/', pos);
    std::string prefix = path.substr(0, next);
    if (!prefix.empty() && prefix.back() != '/' &&
        H5Lexists(handle_.get(), prefix.c_str(), H5P_DEFAULT) <= 0)
      return false;
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  return H5Oexists_by_name(handle_.get(), path.c_str(), H5P_DEFAULT) > 0;
}

Handle File::open_object(const std::string& path) const {
  if (!exists(path)) throw InputError(fmt::format("{}: missing", where(path)));
  Handle h(H5Oopen(handle_.get(), path.empty() ? "/" : path.c_str(), H5P_DEFAULT),
           close_any_object);
  if (!h.valid()) throw InputError(fmt::format("{}: cannot open", where(path)));
  return h;
}

bool File::is_group(const std::string& path) const {
  QuietErrors quiet;
  if (!exists(path)) return false;
  Handle h = open_object(path);
  return H5Iget_type(h.get()) == H5I_GROUP;
}

bool File::is_dataset(const std::string& path) const {
  QuietErrors quiet;
  if (!exists(path)) return false;
  Handle h = open_object(path);
  return H5Iget_type(h.get()) == H5I_DATASET;
}

std::vector<std::string> File::children(const std::string& group) const {
  QuietErrors quiet;
  Handle g = open_object(group);
  H5G_info_t info{};
  if (H5Iget_type(g.get()) != H5I_GROUP || H5Gget_info(g.get(), &info) < 0)
    throw InputError(fmt::format("{}: not a group", where(group)));
  std::vector<std::string> names;
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t n = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0,
                                   H5P_DEFAULT);
    if (n < 0) throw InputError(fmt::format("{}: cannot list members", where(group)));
    std::string name(static_cast<std::size_t>(n) + 1, '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), name.size(),
                       H5P_DEFAULT);
    name.resize(static_cast<std::size_t>(n));
    names.push_back(std::move(name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool File::has_attr(const std::string& object, const std::string& name) const {
  QuietErrors quiet;
  if (!exists(object)) return false;
  Handle h = open_object(object);
  return H5Aexists(h.get(), name.c_str()) > 0;
}

Handle File::open_attr(const std::string& object, const std::string& name) const {
  Handle h = open_object(object);
  if (H5Aexists(h.get(), name.c_str()) <= 0)
    throw InputError(fmt::format("{}: missing attribute '{}'", where(object), name));
  Handle a(H5Aopen(h.get(), name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!a.valid()) throw InputError(fmt::format("{}: cannot open attribute '{}'", where(object), name));
  return a;
}

std::vector<std::string> File::strings_attr(const std::string& object, const std::string& name) const {
  QuietErrors quiet;
  Handle a = open_attr(object, name);
  Handle type(H5Aget_type(a.get()), H5Tclose);
  Handle space(H5Aget_space(a.get()), H5Sclose);
  if (!type.valid() || !space.valid())
    throw InputError(fmt::format("{}: unreadable attribute '{}'", where(object), name));
  const std::size_t count = element_count(space.get());
  if (count == 0) return {};
  if (H5Tget_class(type.get()) != H5T_STRING)
    throw InputError(fmt::format("{}: attribute '{}' is not a string", where(object), name));
  const auto bad = [&] {
    return InputError(fmt::format("{}: cannot read string attribute '{}'", where(object), name));
  };
  std::vector<std::string> out;
  out.reserve(count);
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    if (!mem.valid() || H5Tset_size(mem.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(mem.get(), H5Tget_cset(type.get())) < 0)
      throw bad();
    std::vector<char*> ptrs(count, nullptr);
    if (H5Aread(a.get(), mem.get(), ptrs.data()) < 0) throw bad();
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mem.get(), space.get(), H5P_DEFAULT, ptrs.data());
  } else {
    const std::size_t size = H5Tget_size(type.get());
    if (size == 0) throw bad();
    std::vector<char> buf(size * count);
    if (H5Aread(a.get(), type.get(), buf.data()) < 0) throw bad();
    for (std::size_t i = 0; i < count; ++i) out.push_back(trim_fixed(buf.data() + i * size, size));
  }
  return out;
}

std::string File::string_attr(const std::string& object, const std::string& name) const {
  auto v = strings_attr(object, name);
  if (v.size() != 1)
    throw InputError(fmt::format("{}: attribute '{}' holds {} strings, expected one",
                                 where(object), name, v.size()));
  return v.front();
}

std::vector<std::string> File::split_strings_attr(const std::string& object,
                                                  const std::string& name) const {
  if (has_attr(object, name)) return strings_attr(object, name);
  std::vector<std::string> all;
  for (int chunk = 0; has_attr(object, name + std::to_string(chunk)); ++chunk) {
    auto part = strings_attr(object, name + std::to_string(chunk));
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

std::vector<double> File::numbers_attr(const std::string& object, const std::string& name) const {
  QuietErrors quiet;
  Handle a = open_attr(object, name);
  Handle type(H5Aget_type(a.get()), H5Tclose);
  Handle space(H5Aget_space(a.get()), H5Sclose);
  const H5T_class_t cls = type.valid() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    throw InputError(fmt::format("{}: attribute '{}' is not numeric", where(object), name));
  std::vector<double> out(element_count(space.get()));
  if (!out.empty() && H5Aread(a.get(), H5T_NATIVE_DOUBLE, out.data()) < 0)
    throw InputError(fmt::format("{}: cannot read attribute '{}'", where(object), name));
  return out;
}

FloatArray File::read_floats(const std::string& dataset) const {
  QuietErrors quiet;
  if (!exists(dataset)) throw InputError(fmt::format("{}: missing dataset", where(dataset)));
  Handle d(H5Dopen2(handle_.get(), dataset.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.valid()) throw InputError(fmt::format("{}: not a dataset", where(dataset)));
  Handle type(H5Dget_type(d.get()), H5Tclose);
  Handle space(H5Dget_space(d.get()), H5Sclose);
  const H5T_class_t cls = type.valid() ? H5Tget_class(type.get()) : H5T_NO_CLASS;
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    throw InputError(fmt::format("{}: dataset is not numeric", where(dataset)));
  const int rank = space.valid() ? H5Sget_simple_extent_ndims(space.get()) : -1;
  if (rank < 0 || rank > 8) throw InputError(fmt::format("{}: unsupported dataspace", where(dataset)));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  FloatArray out;
  std::size_t total = 1;
  for (hsize_t d0 : dims) {
    if (d0 > static_cast<hsize_t>(std::numeric_limits<int>::max()))
      throw InputError(fmt::format("{}: dimension too large", where(dataset)));
    out.shape.push_back(static_cast<int>(d0));
    total *= static_cast<std::size_t>(d0);
  }
  out.data.resize(total);
  if (total > 0 &&
      H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data.data()) < 0)
    throw InputError(fmt::format("{}: cannot read the dataset (truncated or corrupt file?)",
                                 where(dataset)));
  return out;
}

}  // namespace brisk::h5
