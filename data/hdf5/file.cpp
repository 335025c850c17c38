#include <brisk/data/hdf5/file.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include <brisk/core/base/error.hpp>
#include <brisk/data/hdf5/detail.hpp>
#include <brisk/data/hdf5/remote.hpp>

namespace brisk::h5 {

namespace {

std::string object_name(const std::string& path) { return path.empty() ? "/" : path; }

// libhdf5 (1.10) trusts the object sizes in a global heap collection ("GCOL", where
// variable-length strings live): a damaged size makes H5Aread copy far out of bounds
// or loop forever on a zero-sized free-space object (found by fuzzing,
// tests/fuzz/regressions/keras_model). The collections are found by
// their signature and version and walked here first. `read_at(offset, n, buf)` reads
// within the file; returns "" or what is wrong.
using ReadAt = std::function<bool(std::uint64_t, std::size_t, unsigned char*)>;

std::uint64_t le(const unsigned char* p, int n) {
  std::uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

std::string check_heaps(std::uint64_t size, const ReadAt& read_at) {
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  constexpr std::uint64_t kMaxCollection = std::uint64_t{1} << 28;
  std::vector<std::uint64_t> found;
  std::vector<unsigned char> buf(kChunk + 3);
  for (std::uint64_t at = 0; at < size; at += kChunk) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(kChunk + 3, size - at));
    if (!read_at(at, n, buf.data())) return "cannot be read";
    for (std::size_t i = 0; i + 8 <= n; ++i)
      if (std::memcmp(buf.data() + i, "GCOL\x01\0\0\0", 8) == 0) found.push_back(at + i);
  }
  std::vector<unsigned char> col;
  for (std::uint64_t at : found) {
    unsigned char head[16];
    if (at + 16 > size || !read_at(at, 16, head)) return fmt::format("global heap at {} is truncated", at);
    const std::uint64_t csize = le(head + 8, 8);
    if (csize < 16 || csize > size - at || csize > kMaxCollection)
      return fmt::format("global heap at {} claims {} bytes", at, csize);
    col.resize(static_cast<std::size_t>(csize));
    if (!read_at(at, col.size(), col.data())) return "cannot be read";
    // The walk of libhdf5's H5HG deserializer: object 0 is free space whose size includes
    // its header; a zero size there would loop forever, an oversized one read past the end.
    for (std::uint64_t pos = 16; pos + 16 <= csize;) {
      const std::uint64_t index = le(col.data() + pos, 2), osize = le(col.data() + pos + 8, 8);
      const std::uint64_t need = index == 0 ? osize : 16 + ((osize + 7) / 8) * 8;
      if (osize > csize || need == 0 || need > csize - pos)
        return fmt::format("global heap at {}: object {} claims {} bytes", at, index, osize);
      pos += need;
    }
  }
  return {};
}

}  // namespace

File::File(Handle h, std::string label, Naming naming)
    : handle_(std::move(h)), label_(std::move(label)), naming_(naming) {}
File::File(std::unique_ptr<Remote> remote, std::string label, Naming naming)
    : label_(std::move(label)), naming_(naming), remote_(std::move(remote)) {}
File::File(File&&) noexcept = default;
File& File::operator=(File&&) noexcept = default;
File::~File() = default;

File File::open(const std::string& path, Naming naming, Isolation isolation) {
  if (isolation == Isolation::none) return open_live(path, naming);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(fmt::format("{}: no such file", path));
  auto remote = Remote::start([&] { return open_live(path, naming); }, path);
  return File(std::move(remote), path, naming);
}

File File::open_image(const std::vector<unsigned char>& image, const std::string& label,
                      Isolation isolation) {
  if (isolation == Isolation::none) return open_image_live(image, label);
  auto remote = Remote::start([&] { return open_image_live(image, label); }, label);
  return File(std::move(remote), label, Naming::spaced);
}

File File::open_live(const std::string& path, Naming naming) {
  QuietErrors quiet;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(fmt::format("{}: no such file", path));
  if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError(fmt::format("{}: not an HDF5 file", path));
  Handle f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!f.valid()) throw InputError(fmt::format("{}: cannot open the HDF5 file (damaged?)", path));
  File file(std::move(f), path, naming);
  file.disk_path_ = path;
  return file;
}

void File::check_global_heaps() const {
  if (heaps_checked_ || disk_path_.empty()) return;
  std::ifstream in(disk_path_, std::ios::binary);
  std::error_code ec;
  const auto size = std::filesystem::file_size(disk_path_, ec);
  if (!in || ec) throw InputError(fmt::format("{}: cannot read the file", label_));
  const std::string why = check_heaps(size, [&](std::uint64_t at, std::size_t n, unsigned char* p) {
    in.clear();
    in.seekg(static_cast<std::streamoff>(at));
    in.read(reinterpret_cast<char*>(p), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount()) == n;
  });
  if (!why.empty()) throw InputError(fmt::format("{}: damaged HDF5 file ({})", label_, why));
  heaps_checked_ = true;
}

File File::open_image_live(const std::vector<unsigned char>& image, const std::string& label) {
  QuietErrors quiet;
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  const std::string why = check_heaps(image.size(), [&](std::uint64_t at, std::size_t n, unsigned char* p) {
    if (at > image.size() || n > image.size() - at) return false;
    std::memcpy(p, image.data() + at, n);
    return true;
  });
  if (!why.empty()) throw InputError(fmt::format("{}: damaged HDF5 image ({})", label, why));
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
  if (remote_) return decode_bool(remote_->call(Op::exists, path), label_);
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
  if (remote_) return decode_bool(remote_->call(Op::is_group, path), label_);
  QuietErrors quiet;
  if (!exists(path)) return false;
  Handle h = open_object(path);
  return H5Iget_type(h.get()) == H5I_GROUP;
}

bool File::is_dataset(const std::string& path) const {
  if (remote_) return decode_bool(remote_->call(Op::is_dataset, path), label_);
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
  if (remote_) return decode_strings(remote_->call(Op::children, group), label_);
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
