// File's attribute reads: strings (fixed- and variable-length) and typed numbers, each with
// its datatype class, sizes and storage checked before anything is read.
#include <brisk/data/hdf5/file.hpp>

#include <fmt/format.h>

#include <cstring>

#include <brisk/core/base/error.hpp>
#include <brisk/data/hdf5/detail.hpp>
#include <brisk/data/hdf5/remote.hpp>

namespace brisk::h5 {

namespace {

// Far above any name list or JSON config brisk reads; a corrupted header claiming more is
// refused before allocating.
constexpr std::size_t kMaxAttrStrings = std::size_t{1} << 24;
constexpr std::size_t kMaxAttrBytes = std::size_t{1} << 28;

std::string trim_fixed(const char* p, std::size_t size) {
  std::size_t n = strnlen(p, size);
  while (n > 0 && p[n - 1] == ' ') --n;  // space-padded strings
  return std::string(p, n);
}

struct OpenAttr {
  Handle type, space;
  std::vector<std::size_t> shape;
  std::size_t count = 0;
};

}  // namespace

// An attribute's values live in its object's header, inside the file: a dataspace claiming
// more (a damaged header) is refused before libhdf5 allocates and converts for it.
void File::check_fits(std::size_t bytes, const std::string& w) const {
  hsize_t file_size = 0;
  if (H5Fget_filesize(handle_.get(), &file_size) >= 0 && file_size > 0 && bytes > file_size)
    throw InputError(fmt::format("{} is damaged ({} bytes in a {}-byte file)", w, bytes, file_size));
}

std::string File::attr_where(const std::string& object, const std::string& name) const {
  return fmt::format("{}: attribute '{}'", where(object), name);
}

bool File::has_attr(const std::string& object, const std::string& name) const {
  if (remote_) return decode_bool(remote_->call(Op::has_attr, object, name), label_);
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

namespace {

OpenAttr describe(hid_t a, const std::string& w) {
  OpenAttr d;
  d.type = Handle(H5Aget_type(a), H5Tclose);
  d.space = Handle(H5Aget_space(a), H5Sclose);
  if (!d.type.valid() || !d.space.valid() || !detail::extent(d.space.get(), d.shape))
    throw InputError(fmt::format("{} is unreadable", w));
  d.count = 1;
  for (std::size_t n : d.shape) {
    if (n != 0 && d.count > kMaxAttrStrings / n) throw InputError(fmt::format("{} is too large", w));
    d.count *= n;
  }
  return d;
}

}  // namespace

std::vector<std::string> File::strings_attr(const std::string& object, const std::string& name) const {
  if (remote_) return decode_strings(remote_->call(Op::strings_attr, object, name), label_);
  QuietErrors quiet;
  Handle a = open_attr(object, name);
  const std::string w = attr_where(object, name);
  OpenAttr d = describe(a.get(), w);
  if (d.count == 0) return {};
  const hid_t type = d.type.get();
  if (H5Tget_class(type) != H5T_STRING)
    throw InputError(fmt::format("{}: attribute '{}' is not a string", where(object), name));
  const auto bad = [&] {
    return InputError(fmt::format("{}: cannot read string attribute '{}'", where(object), name));
  };
  const auto storage = static_cast<std::size_t>(H5Aget_storage_size(a.get()));
  check_fits(storage, w);
  const htri_t variable = H5Tis_variable_str(type);
  if (variable < 0) throw bad();
  std::vector<std::string> out;
  out.reserve(d.count);
  if (variable > 0) {
    // On disk each element is a global-heap reference: a 4-byte length, the heap's address
    // and a 4-byte index. A stored size that disagrees means a damaged header, which
    // libhdf5 may not survive reading.
    check_global_heaps();
    Handle fcpl(H5Fget_create_plist(handle_.get()), H5Pclose);
    std::size_t addr = 0, len = 0;
    if (!fcpl.valid() || H5Pget_sizes(fcpl.get(), &addr, &len) < 0) throw bad();
    if (storage != d.count * (8 + addr))
      throw InputError(fmt::format("{}: string attribute '{}' is damaged ({} bytes stored for {} "
                                   "strings)", where(object), name, storage, d.count));
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    if (!mem.valid() || H5Tset_size(mem.get(), H5T_VARIABLE) < 0 ||
        H5Tset_cset(mem.get(), H5Tget_cset(type)) < 0)
      throw bad();
    std::vector<char*> ptrs(d.count, nullptr);
    if (H5Aread(a.get(), mem.get(), ptrs.data()) < 0) {
      H5Dvlen_reclaim(mem.get(), d.space.get(), H5P_DEFAULT, ptrs.data());  // a partial read
      throw bad();
    }
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mem.get(), d.space.get(), H5P_DEFAULT, ptrs.data());
  } else {
    const std::size_t size = H5Tget_size(type);
    if (size == 0 || size > kMaxAttrBytes / d.count) throw bad();
    if (storage != size * d.count)
      throw InputError(fmt::format("{}: string attribute '{}' is damaged ({} bytes stored, {} "
                                   "expected)", where(object), name, storage, size * d.count));
    std::vector<char> buf(size * d.count);
    if (H5Aread(a.get(), type, buf.data()) < 0) throw bad();
    for (std::size_t i = 0; i < d.count; ++i) out.push_back(trim_fixed(buf.data() + i * size, size));
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

TypedArray File::attr(const std::string& object, const std::string& name) const {
  if (remote_) return decode_array(remote_->call(Op::attr, object, name), label_);
  QuietErrors quiet;
  Handle a = open_attr(object, name);
  const std::string w = attr_where(object, name);
  OpenAttr d = describe(a.get(), w);
  const H5T_class_t cls = H5Tget_class(d.type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT && cls != H5T_ENUM)
    throw InputError(fmt::format("{}: attribute '{}' is not numeric", where(object), name));
  TypedArray out;
  hid_t mem = -1;
  std::string why;
  if (!detail::classify(d.type.get(), out.type, mem, why) || out.type == Type::f16)
    throw InputError(fmt::format("{}: {}", w, why.empty() ? "float16 attributes are not read" : why));
  out.shape = d.shape;
  const std::size_t bytes = d.count * type_size(out.type);
  check_fits(bytes, w);
  if (static_cast<std::size_t>(H5Aget_storage_size(a.get())) != bytes)
    throw InputError(fmt::format("{} is damaged ({} values, {} bytes stored)", w, d.count,
                                 H5Aget_storage_size(a.get())));
  out.storage.resize(bytes);
  if (bytes > 0 && H5Aread(a.get(), mem, out.storage.data()) < 0)
    throw InputError(fmt::format("{}: cannot read attribute '{}'", where(object), name));
  return out;
}

std::vector<double> File::numbers_attr(const std::string& object, const std::string& name) const {
  return to_doubles(attr(object, name), attr_where(object, name), Exact::yes);
}

std::vector<std::int64_t> File::integers_attr(const std::string& object, const std::string& name) const {
  return to_int64s(attr(object, name), attr_where(object, name));
}

}  // namespace brisk::h5
