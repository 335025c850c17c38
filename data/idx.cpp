#include <brisk/data/idx.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstdint>

#include <brisk/core/base/error.hpp>
#include <brisk/core/base/shape.hpp>
#include <brisk/data/file_io.hpp>

namespace brisk::data {

namespace {

bool idx_dtype(std::uint8_t code, DType& t) {
  switch (code) {
    case 0x08: t = DType::u8; return true;
    case 0x09: t = DType::i8; return true;
    case 0x0B: t = DType::i16; return true;
    case 0x0C: t = DType::i32; return true;
    case 0x0D: t = DType::f32; return true;
    case 0x0E: t = DType::f64; return true;
    default: return false;
  }
}

std::uint32_t big_endian_u32(const std::byte* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | std::to_integer<std::uint32_t>(p[i]);
  return v;
}

// IDX stores multi-byte elements big-endian; the Array holds host order (x86: little).
void to_host_order(std::byte* data, std::size_t count, std::size_t item_size) {
  if (item_size == 1 || std::endian::native == std::endian::big) return;
  for (std::size_t i = 0; i < count; ++i)
    std::reverse(data + i * item_size, data + (i + 1) * item_size);
}

}  // namespace

namespace {

struct IdxHeader {
  DType dtype = DType::u8;
  std::vector<std::size_t> shape;
  std::size_t header = 0;   // bytes before the payload
  std::uint64_t payload = 0;
};

// Decodes the header; nullopt when `b` is shorter than it.
std::optional<IdxHeader> read_header(std::span<const std::byte> b, const std::string& origin,
                                     std::uint64_t max_bytes) {
  if (b.size() >= 2 && (b[0] != std::byte{0} || b[1] != std::byte{0}))
    throw InputError(fmt::format("{}: not an IDX file (bad magic: it must start with two zero "
                                 "bytes)",
                                 origin));
  if (b.size() < 4) return std::nullopt;
  IdxHeader h;
  auto code = std::to_integer<std::uint8_t>(b[2]);
  auto ndim = std::to_integer<std::size_t>(b[3]);
  if (!idx_dtype(code, h.dtype))
    throw InputError(fmt::format("{}: not an IDX file (unknown element type byte 0x{:02x})", origin, code));
  if (ndim == 0) throw InputError(fmt::format("{}: IDX header declares zero dimensions", origin));
  h.header = 4 + 4 * ndim;
  if (b.size() < h.header) return std::nullopt;
  for (std::size_t d = 0; d < ndim; ++d) h.shape.push_back(big_endian_u32(&b[4 + 4 * d]));
  std::optional<std::uint64_t> n = 1;
  for (auto d : h.shape) n = n ? checked_mul(*n, d) : std::nullopt;
  if (n && *n > kMaxArrayElements) n.reset();
  std::optional<std::uint64_t> bytes = n ? checked_mul(*n, dtype_size(h.dtype)) : std::nullopt;
  if (!bytes)
    throw InputError(fmt::format("{}: IDX shape {} is too large (more than {} elements)", origin,
                                 shape_text(h.shape), kMaxArrayElements));
  if (*bytes > max_bytes)
    throw InputError(fmt::format("{}: IDX shape {} of {} needs {}, beyond the limit of {} per input "
                                 "array (raise it with --max-input-bytes)",
                                 origin, shape_text(h.shape), dtype_name(h.dtype), size_text(*bytes),
                                 size_text(max_bytes)));
  h.payload = *bytes;
  return h;
}

}  // namespace

std::optional<std::uint64_t> idx_image_size(std::span<const std::byte> prefix, const std::string& origin,
                                            std::uint64_t max_bytes) {
  auto h = read_header(prefix, origin, max_bytes);
  if (!h) return std::nullopt;
  return h->header + h->payload;
}

Array parse_idx(std::vector<std::byte> bytes, const std::string& origin, std::uint64_t max_bytes) {
  if (bytes.size() < 4 || bytes[0] != std::byte{0} || bytes[1] != std::byte{0})
    throw InputError(fmt::format("{}: not an IDX file (bad magic: it must start with two zero "
                                 "bytes)",
                                 origin));
  auto parsed = read_header(bytes, origin, max_bytes);
  if (!parsed) {
    auto ndim = std::to_integer<std::size_t>(bytes[3]);
    throw InputError(fmt::format("{}: truncated IDX header ({} dimensions need {} bytes, file has {})",
                                 origin, ndim, 4 + 4 * ndim, bytes.size()));
  }
  IdxHeader& h = *parsed;
  Array a;
  a.origin = origin;
  a.dtype = h.dtype;
  a.shape = std::move(h.shape);
  const std::size_t header = h.header;
  const auto payload = static_cast<std::size_t>(h.payload);
  std::size_t have = bytes.size() - header;
  if (have < payload)
    throw InputError(fmt::format("{}: truncated IDX data (shape {} of {} needs {} bytes, found {})",
                                 origin, shape_text(a.shape), dtype_name(a.dtype), payload, have));
  if (have > payload)
    throw InputError(fmt::format("{}: {} unexpected bytes after the IDX data of shape {}", origin,
                                 have - payload, shape_text(a.shape)));
  to_host_order(bytes.data() + header, a.element_count(), dtype_size(a.dtype));
  a.storage = std::move(bytes);
  a.data_offset = header;
  return a;
}

}  // namespace brisk::data
