#include <brisk/data/file_io.hpp>

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>

#include <brisk/core/base/error.hpp>

namespace brisk::data {

namespace fs = std::filesystem;

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

void require_nonempty_file(const std::string& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found)
    throw InputError(fmt::format("{}: no such file", path));
  if (ec) throw InputError(fmt::format("{}: cannot access: {}", path, ec.message()));
  if (fs::is_directory(status)) throw InputError(fmt::format("{}: is a directory, not a file", path));
  if (fs::is_regular_file(status) && fs::file_size(path, ec) == 0 && !ec)
    throw InputError(fmt::format("{}: file is empty", path));
}

std::string size_text(std::uint64_t bytes) {
  constexpr std::uint64_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024;
  auto scaled = [&](std::uint64_t unit, const char* name) {
    const double v = static_cast<double>(bytes) / static_cast<double>(unit);
    return bytes % unit == 0 ? fmt::format("{} {}", bytes / unit, name) : fmt::format("{:.1f} {}", v, name);
  };
  if (bytes >= kGiB) return scaled(kGiB, "GiB");
  if (bytes >= kMiB) return scaled(kMiB, "MiB");
  return fmt::format("{} bytes", bytes);
}

std::vector<std::byte> read_file(const std::string& path, std::uint64_t max_bytes) {
  require_nonempty_file(path);
  std::error_code ec;
  if (auto size = fs::file_size(path, ec); !ec && size > max_bytes)
    throw InputError(fmt::format("{}: the file is {}, beyond the limit of {} per input array "
                                 "(raise it with --max-input-bytes)",
                                 path, size_text(size), size_text(max_bytes)));
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) throw InputError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));

  // Read in blocks rather than trusting a size from stat(): works for pipes and special
  // files too, and a file that shrinks under us cannot cause an over-read.
  std::vector<std::byte> bytes;
  std::uintmax_t hint = fs::file_size(path, ec);
  if (!ec && hint < (std::uintmax_t{1} << 40)) bytes.reserve(static_cast<std::size_t>(hint));
  std::byte block[1 << 16];
  for (;;) {
    std::size_t got = std::fread(block, 1, sizeof block, f.get());
    bytes.insert(bytes.end(), block, block + got);
    if (bytes.size() > max_bytes)  // a special file or one that grew under us
      throw InputError(fmt::format("{}: more than {} (the limit per input array; raise it with "
                                   "--max-input-bytes)",
                                   path, size_text(max_bytes)));
    if (got < sizeof block) break;
  }
  if (std::ferror(f.get())) throw InputError(fmt::format("{}: read error: {}", path, std::strerror(errno)));
  if (bytes.empty()) throw InputError(fmt::format("{}: file is empty", path));
  return bytes;
}

bool is_gzip(std::span<const std::byte> bytes) {
  return bytes.size() >= 2 && bytes[0] == std::byte{0x1f} && bytes[1] == std::byte{0x8b};
}

namespace {

// The gzip trailer's ISIZE (uncompressed size mod 2^32) is only a hint: used to size
// the output buffer once instead of growing it repeatedly.
std::size_t size_hint(std::span<const std::byte> in) {
  if (in.size() < 18) return 0;
  const auto* t = in.data() + in.size() - 4;
  std::uint32_t isize = 0;
  for (int i = 3; i >= 0; --i) isize = (isize << 8) | std::to_integer<std::uint32_t>(t[i]);
  // A truncated or corrupted file ends in arbitrary bytes: never trust them for more than
  // a modest expansion (the buffer still doubles as needed for very compressible data).
  std::size_t cap = in.size() * 4;
  return std::min<std::size_t>(isize, cap);
}

struct Inflater {
  z_stream zs{};
  Inflater() {
    // 16 + MAX_WBITS: expect a gzip header and trailer (CRC-32 and length are checked).
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
      throw InternalError("zlib: inflateInit2 failed");
  }
  ~Inflater() { inflateEnd(&zs); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

}  // namespace

namespace {

// Inflates `compressed` (gzip, concatenated members allowed). Stops after `stop_at` output
// bytes when `prefix_only`; otherwise refuses output beyond `max_out`.
std::vector<std::byte> inflate_gzip(std::span<const std::byte> compressed, const std::string& path,
                                    std::uint64_t max_out, bool prefix_only) {
  if (!is_gzip(compressed)) throw InputError(fmt::format("{}: not gzip-compressed (bad magic)", path));
  std::vector<std::byte> out;
  std::size_t initial = std::max<std::size_t>(size_hint(compressed), 1 << 16);
  if (initial > max_out) initial = static_cast<std::size_t>(max_out);
  out.resize(initial);
  std::size_t produced = 0;
  std::byte probe{};  // where output past max_out would go: one byte is enough to know

  Inflater inf;
  auto& zs = inf.zs;
  std::size_t consumed = 0;
  for (;;) {  // one iteration per gzip member
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      const bool full = produced == max_out;
      if (full && prefix_only) {
        out.resize(produced);
        return out;
      }
      if (!full && produced == out.size())
        out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(out.size() * 2, max_out)));
      std::size_t in_left = compressed.size() - consumed;
      std::size_t out_left = full ? 1 : out.size() - produced;
      constexpr std::size_t kMaxChunk = std::numeric_limits<uInt>::max();
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(compressed.data() + consumed));
      zs.avail_in = static_cast<uInt>(std::min(in_left, kMaxChunk));
      zs.next_out = reinterpret_cast<Bytef*>(full ? &probe : out.data() + produced);
      zs.avail_out = static_cast<uInt>(std::min(out_left, kMaxChunk));
      uInt in_before = zs.avail_in, out_before = zs.avail_out;
      rc = inflate(&zs, Z_NO_FLUSH);
      consumed += in_before - zs.avail_in;
      if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
        throw InputError(fmt::format("{}: corrupted gzip data ({})", path,
                                     zs.msg ? zs.msg : "invalid deflate stream"));
      if (rc == Z_MEM_ERROR) throw std::bad_alloc();
      if (full && zs.avail_out != out_before)
        throw InputError(fmt::format("{}: decompresses to more than {} (the size its header "
                                     "declares, within the limit per input array, "
                                     "--max-input-bytes)",
                                     path, size_text(max_out)));
      if (!full) produced += out_before - zs.avail_out;
      bool stalled = (in_before == zs.avail_in && out_before == zs.avail_out);
      if (rc != Z_STREAM_END && consumed == compressed.size() && (stalled || zs.avail_out > 0)) {
        if (prefix_only) {
          out.resize(produced);
          return out;
        }
        throw InputError(fmt::format("{}: truncated gzip file (stream ends after {} of {} bytes "
                                     "without its end marker)",
                                     path, consumed, compressed.size()));
      }
    }
    if (consumed == compressed.size()) break;
    // gzip(1) writes concatenated members; anything else after a member is damage.
    if (!is_gzip(compressed.subspan(consumed)))
      throw InputError(fmt::format("{}: corrupted gzip file ({} unexpected bytes after the "
                                   "compressed data)",
                                   path, compressed.size() - consumed));
    inflateReset(&zs);
  }
  out.resize(produced);
  return out;
}

}  // namespace

std::vector<std::byte> gunzip(std::span<const std::byte> compressed, const std::string& path,
                              std::uint64_t max_out) {
  return inflate_gzip(compressed, path, max_out, false);
}

std::vector<std::byte> gunzip_prefix(std::span<const std::byte> compressed, const std::string& path,
                                     std::size_t n) {
  return inflate_gzip(compressed, path, n, true);
}

std::string file_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

}  // namespace brisk::data
