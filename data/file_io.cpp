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

std::vector<std::byte> read_file(const std::string& path) {
  require_nonempty_file(path);
  std::error_code ec;
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

std::vector<std::byte> gunzip(std::span<const std::byte> compressed, const std::string& path) {
  if (!is_gzip(compressed)) throw InputError(fmt::format("{}: not gzip-compressed (bad magic)", path));
  std::vector<std::byte> out;
  out.resize(std::max<std::size_t>(size_hint(compressed), 1 << 16));
  std::size_t produced = 0;

  Inflater inf;
  auto& zs = inf.zs;
  std::size_t consumed = 0;
  for (;;) {  // one iteration per gzip member
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
      if (produced == out.size()) out.resize(out.size() * 2);
      std::size_t in_left = compressed.size() - consumed;
      std::size_t out_left = out.size() - produced;
      constexpr std::size_t kMaxChunk = std::numeric_limits<uInt>::max();
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<std::byte*>(compressed.data() + consumed));
      zs.avail_in = static_cast<uInt>(std::min(in_left, kMaxChunk));
      zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
      zs.avail_out = static_cast<uInt>(std::min(out_left, kMaxChunk));
      uInt in_before = zs.avail_in, out_before = zs.avail_out;
      rc = inflate(&zs, Z_NO_FLUSH);
      consumed += in_before - zs.avail_in;
      produced += out_before - zs.avail_out;
      if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
        throw InputError(fmt::format("{}: corrupted gzip data ({})", path,
                                     zs.msg ? zs.msg : "invalid deflate stream"));
      if (rc == Z_MEM_ERROR) throw std::bad_alloc();
      bool stalled = (in_before == zs.avail_in && out_before == zs.avail_out);
      if (rc != Z_STREAM_END && consumed == compressed.size() && (stalled || zs.avail_out > 0))
        throw InputError(fmt::format("{}: truncated gzip file (stream ends after {} of {} bytes "
                                     "without its end marker)",
                                     path, consumed, compressed.size()));
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

std::string file_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

}  // namespace brisk::data
