#include <brisk/data/npy.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include <brisk/core/base/error.hpp>
#include <brisk/core/base/shape.hpp>
#include <brisk/data/file_io.hpp>

namespace brisk::data {

namespace {

constexpr std::string_view kNpyMagic = "\x93NUMPY";

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// The header is a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (10000, 1, 28, 28), }
// numpy always writes these three keys; a small scanner is enough (no general parser).
std::string_view value_of(std::string_view dict, std::string_view key, const std::string& origin) {
  for (char quote : {'\'', '"'}) {
    std::string quoted = fmt::format("{}{}{}", quote, key, quote);
    auto pos = dict.find(quoted);
    if (pos == std::string_view::npos) continue;
    auto rest = trim(dict.substr(pos + quoted.size()));
    if (rest.empty() || rest.front() != ':') break;
    return trim(rest.substr(1));
  }
  throw InputError(fmt::format("{}: malformed .npy header (no '{}' entry)", origin, key));
}

std::vector<std::size_t> parse_shape(std::string_view v, const std::string& origin) {
  auto bad = [&] { return InputError(fmt::format("{}: malformed .npy header (bad shape)", origin)); };
  if (v.empty() || v.front() != '(') throw bad();
  auto close = v.find(')');
  if (close == std::string_view::npos) throw bad();
  std::string_view inner = v.substr(1, close - 1);
  std::vector<std::size_t> shape;
  while (!trim(inner).empty()) {
    auto comma = inner.find(',');
    auto item = trim(inner.substr(0, comma));
    if (!item.empty() && item.back() == 'L') item.remove_suffix(1);  // Python 2 longs
    std::size_t d = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), d);
    if (ec != std::errc{} || end != item.data() + item.size() || item.empty()) throw bad();
    shape.push_back(d);
    if (comma == std::string_view::npos) break;
    inner.remove_prefix(comma + 1);
  }
  return shape;
}

NpyHeader parse_header(std::string_view dict, const std::string& origin) {
  NpyHeader h;
  auto descr = value_of(dict, "descr", origin);
  if (descr.empty() || (descr.front() != '\'' && descr.front() != '"'))
    throw InputError(fmt::format("{}: structured (record) dtypes are not supported", origin));
  auto end = descr.find(descr.front(), 1);
  if (end == std::string_view::npos)
    throw InputError(fmt::format("{}: malformed .npy header (bad descr)", origin));
  h.descr = std::string(descr.substr(1, end - 1));
  auto fortran = value_of(dict, "fortran_order", origin);
  if (fortran.starts_with("True")) h.fortran_order = true;
  else if (!fortran.starts_with("False"))
    throw InputError(fmt::format("{}: malformed .npy header (bad fortran_order)", origin));
  h.shape = parse_shape(value_of(dict, "shape", origin), origin);
  return h;
}

DType parse_descr(const std::string& descr, const std::string& origin) {
  auto unsupported = [&](const char* why) {
    return InputError(fmt::format("{}: unsupported dtype '{}' ({}; brisk reads bool, uint8-int64, "
                                  "float32, float64)",
                                  origin, descr, why));
  };
  if (descr.size() < 2) throw unsupported("unknown");
  char order = descr[0], kind = descr[1];
  if (kind == 'c') throw unsupported("complex");
  if (kind == 'O') throw unsupported("Python objects");
  if (kind == 'U' || kind == 'S' || kind == 'a') throw unsupported("strings");
  if (kind == 'M' || kind == 'm') throw unsupported("dates/times");
  std::size_t size = 0;
  auto [end, ec] = std::from_chars(descr.data() + 2, descr.data() + descr.size(), size);
  if (ec != std::errc{} || end != descr.data() + descr.size()) throw unsupported("unknown");
  if (order == '>' && size > 1)
    throw InputError(fmt::format("{}: big-endian dtype '{}' is not supported (re-save it with "
                                 "arr.astype('<{}{}'))",
                                 origin, descr, kind, size));
  if (order != '<' && order != '|' && order != '=' && order != '>') throw unsupported("unknown byte order");
  if (kind == 'b' && size == 1) return DType::boolean;
  if (kind == 'u' || kind == 'i') {
    bool s = kind == 'i';
    switch (size) {
      case 1: return s ? DType::i8 : DType::u8;
      case 2: return s ? DType::i16 : DType::u16;
      case 4: return s ? DType::i32 : DType::u32;
      case 8: return s ? DType::i64 : DType::u64;
      default: break;
    }
  }
  if (kind == 'f' && size == 4) return DType::f32;
  if (kind == 'f' && size == 8) return DType::f64;
  if (kind == 'f') throw unsupported("float16/float128");
  throw unsupported("not a numeric type brisk reads");
}

}  // namespace

namespace {

// numpy itself refuses headers over 10000 bytes (max_header_size); one of a megabyte is
// damage, and bounds how much of a compressed stream is read before the header is known.
constexpr std::size_t kMaxNpyHeader = std::size_t{1} << 20;

struct NpyLayout {
  DType dtype = DType::u8;
  std::vector<std::size_t> shape;
  std::size_t data_start = 0;
  std::uint64_t payload = 0;
};

// Decodes the preamble and header; nullopt while `b` is too short to hold them.
std::optional<NpyLayout> read_layout(std::span<const std::byte> b, const std::string& origin,
                                     std::uint64_t max_bytes) {
  const std::size_t magic = std::min(b.size(), kNpyMagic.size());
  if (std::string_view(reinterpret_cast<const char*>(b.data()), magic) != kNpyMagic.substr(0, magic))
    throw InputError(fmt::format("{}: not a .npy file (bad magic)", origin));
  if (b.size() < 8) return std::nullopt;
  auto major = std::to_integer<int>(b[6]);
  if (major < 1 || major > 3)
    throw InputError(fmt::format("{}: unsupported .npy format version {}", origin, major));
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  if (b.size() < 8 + len_bytes) return std::nullopt;
  std::size_t header_len = 0;
  for (std::size_t i = len_bytes; i-- > 0;)
    header_len = (header_len << 8) | std::to_integer<std::size_t>(b[8 + i]);
  if (header_len > kMaxNpyHeader)
    throw InputError(fmt::format("{}: malformed .npy header ({} bytes long; brisk reads headers of "
                                 "up to {})",
                                 origin, header_len, kMaxNpyHeader));
  NpyLayout l;
  l.data_start = 8 + len_bytes + header_len;
  if (b.size() < l.data_start) return std::nullopt;
  std::string_view dict(reinterpret_cast<const char*>(b.data()) + 8 + len_bytes, header_len);
  NpyHeader h = parse_header(dict, origin);
  l.dtype = parse_descr(h.descr, origin);
  l.shape = std::move(h.shape);
  if (h.fortran_order && l.shape.size() > 1)
    throw InputError(fmt::format("{}: Fortran-ordered arrays are not supported (re-save it with "
                                 "np.ascontiguousarray(arr))",
                                 origin));
  std::optional<std::uint64_t> n = 1;
  for (auto d : l.shape) n = n ? checked_mul(*n, d) : std::nullopt;
  if (n && *n > kMaxArrayElements) n.reset();
  std::optional<std::uint64_t> bytes = n ? checked_mul(*n, dtype_size(l.dtype)) : std::nullopt;
  if (!bytes)
    throw InputError(fmt::format("{}: shape {} is too large (more than {} elements)", origin,
                                 shape_text(l.shape), kMaxArrayElements));
  if (*bytes > max_bytes)
    throw InputError(fmt::format("{}: shape {} of {} needs {}, beyond the limit of {} per input "
                                 "array (raise it with --max-input-bytes)",
                                 origin, shape_text(l.shape), dtype_name(l.dtype), size_text(*bytes),
                                 size_text(max_bytes)));
  l.payload = *bytes;
  return l;
}

}  // namespace

std::optional<std::uint64_t> npy_image_size(std::span<const std::byte> prefix, const std::string& origin,
                                            std::uint64_t max_bytes) {
  auto l = read_layout(prefix, origin, max_bytes);
  if (!l) return std::nullopt;
  return l->data_start + l->payload;
}

std::size_t npy_header_bound() { return kMaxNpyHeader + 12; }

Array parse_npy(std::vector<std::byte> bytes, const std::string& origin, std::uint64_t max_bytes) {
  if (bytes.size() < 10)
    throw InputError(fmt::format("{}: {} (file of {} bytes)", origin,
                                 bytes.size() >= 6 && std::string_view(reinterpret_cast<const char*>(bytes.data()), 6) == kNpyMagic
                                     ? "truncated .npy header" : "not a .npy file (bad magic)",
                                 bytes.size()));
  auto layout = read_layout(bytes, origin, max_bytes);
  if (!layout) {
    const std::size_t preamble = bytes[6] == std::byte{1} ? 10 : 12;
    throw InputError(bytes.size() < preamble
                         ? fmt::format("{}: truncated .npy header (the {}-byte file ends inside its "
                                       "{}-byte preamble)",
                                       origin, bytes.size(), preamble)
                         : fmt::format("{}: truncated .npy header", origin));
  }
  NpyLayout& l = *layout;
  Array a;
  a.origin = origin;
  a.dtype = l.dtype;
  a.shape = std::move(l.shape);
  const std::size_t data_start = l.data_start;
  const auto payload = static_cast<std::size_t>(l.payload);
  std::size_t have = bytes.size() - data_start;
  if (have < payload)
    throw InputError(fmt::format("{}: truncated .npy data (shape {} of {} needs {} bytes, found {})",
                                 origin, shape_text(a.shape), dtype_name(a.dtype), payload, have));
  if (have > payload)
    throw InputError(fmt::format("{}: {} unexpected bytes after the .npy data of shape {}", origin,
                                 have - payload, shape_text(a.shape)));
  a.storage = std::move(bytes);
  a.data_offset = data_start;
  return a;
}

namespace {

struct ZipDiscard {
  void operator()(zip_t* z) const { zip_discard(z); }  // read-only: never write back
};
struct ZipFileClose {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipDiscard>;

std::string zip_error_text(int code) {
  zip_error_t e;
  zip_error_init_with_code(&e, code);
  std::string text = zip_error_strerror(&e);
  zip_error_fini(&e);
  return text;
}

ZipPtr open_npz(const std::string& path) {
  require_nonempty_file(path);
  int err = 0;
  ZipPtr z(zip_open(path.c_str(), ZIP_RDONLY, &err));
  if (!z) {
    if (err == ZIP_ER_NOZIP)
      throw InputError(fmt::format("{}: not an .npz file (not a zip archive, or truncated)", path));
    throw InputError(fmt::format("{}: cannot open as .npz: {}", path, zip_error_text(err)));
  }
  return z;
}

std::vector<std::string> member_names(zip_t* z) {
  std::vector<std::string> names;
  zip_int64_t n = zip_get_num_entries(z, 0);
  for (zip_int64_t i = 0; i < n; ++i) {
    const char* name = zip_get_name(z, static_cast<zip_uint64_t>(i), 0);
    if (!name) continue;
    std::string s = name;
    if (s.ends_with(".npy")) s.resize(s.size() - 4);
    names.push_back(std::move(s));
  }
  return names;
}

std::string choose_member(const std::string& path, const std::vector<std::string>& names,
                          const std::string& wanted) {
  auto has = [&](const std::string& n) { return std::find(names.begin(), names.end(), n) != names.end(); };
  if (!wanted.empty()) {
    if (has(wanted)) return wanted;
    throw InputError(fmt::format("{}: no member '{}' (members: {})", path, wanted,
                                 names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
  }
  if (has("arr_0")) return "arr_0";
  if (names.size() == 1) return names.front();
  if (names.empty()) throw InputError(fmt::format("{}: the .npz archive has no members", path));
  throw InputError(fmt::format("{}: {} members and none is 'arr_0'; name one (members: {})", path,
                               names.size(), fmt::join(names, ", ")));
}

std::vector<std::byte> read_member(zip_t* z, const std::string& path, const std::string& member,
                                   std::uint64_t max_bytes) {
  std::string origin = fmt::format("{}:{}", path, member);
  zip_int64_t index = zip_name_locate(z, (member + ".npy").c_str(), 0);
  if (index < 0) index = zip_name_locate(z, member.c_str(), 0);
  if (index < 0) throw InputError(fmt::format("{}: member not found", origin));
  auto idx = static_cast<zip_uint64_t>(index);
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(z, idx, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) || !(st.valid & ZIP_STAT_COMP_SIZE))
    throw InputError(fmt::format("{}: cannot read the member's size: {}", origin, zip_strerror(z)));
  // The sizes come from the archive's directory; a damaged one must not make us allocate
  // gigabytes. The compressed data lies inside the archive, and deflate expands at most
  // ~1032:1 (a stored member not at all).
  std::error_code ec;
  const std::uint64_t archive = std::filesystem::file_size(path, ec);
  if (!ec && st.comp_size > archive)
    throw InputError(fmt::format("{}: corrupted member (claims {} compressed bytes in an archive of {})",
                                 origin, st.comp_size, archive));
  if (st.size > st.comp_size * 1032 + 4096)
    throw InputError(fmt::format("{}: corrupted member (claims {} bytes from {} compressed)", origin,
                                 st.size, st.comp_size));
  if (st.size > max_bytes)
    throw InputError(fmt::format("{}: the member is {}, beyond the limit of {} per input array "
                                 "(raise it with --max-input-bytes)",
                                 origin, size_text(st.size), size_text(max_bytes)));
  std::unique_ptr<zip_file_t, ZipFileClose> f(zip_fopen_index(z, idx, 0));
  if (!f) throw InputError(fmt::format("{}: cannot open member: {}", origin, zip_strerror(z)));
  std::size_t got = 0;
  std::vector<std::byte> bytes;
  auto fill = [&](std::size_t upto) {
    bytes.resize(upto);
    while (got < bytes.size()) {
      zip_int64_t n = zip_fread(f.get(), bytes.data() + got, bytes.size() - got);
      if (n < 0)
        throw InputError(fmt::format("{}: corrupted member: {}", origin, zip_file_strerror(f.get())));
      if (n == 0) break;
      got += static_cast<std::size_t>(n);
    }
    if (got != bytes.size())
      throw InputError(fmt::format("{}: truncated member ({} of {} bytes)", origin, got, st.size));
  };
  // The .npy header first: the size it declares must be the directory's, before the rest
  // is allocated.
  const auto size = static_cast<std::size_t>(st.size);
  fill(std::min(size, npy_header_bound()));
  std::optional<std::uint64_t> declared;
  try {
    declared = npy_image_size(bytes, origin, max_bytes);
  } catch (const InputError&) {
    if (bytes.size() == size) return bytes;  // parse_npy names the problem
    throw;
  }
  if (declared && *declared != st.size)
    throw InputError(fmt::format("{}: corrupted member (its .npy header declares {} bytes, the "
                                 "archive {})",
                                 origin, *declared, st.size));
  if (!declared && bytes.size() < size)
    throw InputError(fmt::format("{}: malformed .npy header", origin));
  fill(size);
  // Reading one byte more lets libzip reach the end of the entry and check its CRC; the
  // CRC is checked here as well, so a stored member is verified whatever libzip does.
  std::byte extra;
  if (zip_fread(f.get(), &extra, 1) != 0)
    throw InputError(fmt::format("{}: corrupted member: {}", origin, zip_file_strerror(f.get())));
  if (st.valid & ZIP_STAT_CRC) {
    uLong crc = crc32(0L, Z_NULL, 0);
    for (std::size_t at = 0; at < bytes.size();) {
      const auto n = static_cast<uInt>(std::min<std::size_t>(bytes.size() - at, 1u << 30));
      crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), n);
      at += n;
    }
    if (crc != st.crc)
      throw InputError(fmt::format("{}: corrupted member (CRC-32 {:08x}, the archive records {:08x})",
                                   origin, static_cast<std::uint32_t>(crc), st.crc));
  }
  return bytes;
}

}  // namespace

std::vector<std::string> npz_members(const std::string& path) {
  auto z = open_npz(path);
  return member_names(z.get());
}

Array read_npz(const std::string& path, const std::string& name, std::uint64_t max_bytes) {
  auto z = open_npz(path);
  std::string member = choose_member(path, member_names(z.get()), name);
  auto origin = fmt::format("{}:{}", path, member);
  return parse_npy(read_member(z.get(), path, member, max_bytes), origin, max_bytes);
}

}  // namespace brisk::data
