#include <brisk/data/hdf5/file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include <brisk/core/base/error.hpp>
#include <brisk/data/hdf5/detail.hpp>

namespace brisk::h5 {

namespace {

std::string object_name(const std::string& path) { return path.empty() ? "/" : path; }

}  // namespace

File File::open(const std::string& path, Naming naming) {
  QuietErrors quiet;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(fmt::format("{}: no such file", path));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError(fmt::format("{}: not an HDF5 file", path));
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!f.valid()) throw InputError(fmt::format("{}: cannot open the HDF5 file (damaged?)", path));
  return File(std::move(f), path, naming);
}

File File::open_image(const std::vector<unsigned char>& image, const std::string& label) {
  QuietErrors quiet;
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.valid() || H5Pset_fapl_core(fapl.get(), 1 << 16, 0) < 0 ||
      H5Pset_file_image(fapl.get(), const_cast<unsigned char*>(image.data()), image.size()) < 0)
    throw InputError(fmt::format("{}: cannot prepare the in-memory HDF5 image", label));
  Handle f(H5Fopen(label.c_str(), H5F_ACC_RDONLY, fapl.get()), H5Fclose);
  if (!f.valid()) throw InputError(fmt::format("{}: not an HDF5 file", label));
  return File(std::move(f), label, Naming::spaced);
}

std::string File::where(const std::string& object) const {
  if (naming_ == Naming::spec) return fmt::format("{}:{}", label_, object);
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
           detail::close_any_object);
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

namespace {

// Far above any model's layer count; a damaged or hostile group claiming more is refused
// rather than listed (docs/security.md).
constexpr hsize_t kMaxChildren = 1 << 20;

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  auto& names = *static_cast<std::vector<std::string>*>(out);
  if (names.size() >= kMaxChildren) return 1;  // stop: the caller reports it
  names.emplace_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> File::children(const std::string& group) const {
  QuietErrors quiet;
  Handle g = open_object(group);
  H5G_info_t info{};
  if (H5Iget_type(g.get()) != H5I_GROUP || H5Gget_info(g.get(), &info) < 0)
    throw InputError(fmt::format("{}: not a group", where(group)));
  if (info.nlinks > kMaxChildren)
    throw InputError(fmt::format("{}: the group claims {} members (at most {} are listed)",
                                 where(group), info.nlinks, kMaxChildren));
  // One pass in the group's own order (by-index lookups by name are quadratic on groups
  // without a name index), sorted afterwards.
  std::vector<std::string> names;
  names.reserve(static_cast<std::size_t>(info.nlinks));
  hsize_t idx = 0;
  const herr_t r = H5Literate(g.get(), H5_INDEX_NAME, H5_ITER_NATIVE, &idx, collect_name, &names);
  if (r < 0) throw InputError(fmt::format("{}: cannot list members", where(group)));
  if (r > 0) throw InputError(fmt::format("{}: more than {} members", where(group), kMaxChildren));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace brisk::h5
