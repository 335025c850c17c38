#include <brisk/data/idx.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstdint>

#include <brisk/core/base/error.hpp>

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

Array parse_idx(std::vector<std::byte> bytes, const std::string& origin) {
  if (bytes.size() < 4 || bytes[0] != std::byte{0} || bytes[1] != std::byte{0})
    throw InputError(fmt::format("{}: not an IDX file (bad magic: it must start with two zero "
                                 "bytes)",
                                 origin));
  auto code = std::to_integer<std::uint8_t>(bytes[2]);
  auto ndim = std::to_integer<std::size_t>(bytes[3]);
  Array a;
  a.origin = origin;
  if (!idx_dtype(code, a.dtype))
    throw InputError(fmt::format("{}: not an IDX file (unknown element type byte 0x{:02x})", origin, code));
  if (ndim == 0) throw InputError(fmt::format("{}: IDX header declares zero dimensions", origin));
  std::size_t header = 4 + 4 * ndim;
  if (bytes.size() < header)
    throw InputError(fmt::format("{}: truncated IDX header ({} dimensions need {} bytes, file has {})",
                                 origin, ndim, header, bytes.size()));
  for (std::size_t d = 0; d < ndim; ++d) a.shape.push_back(big_endian_u32(&bytes[4 + 4 * d]));

  std::size_t payload = 0;
  if (!checked_byte_count(a.shape, dtype_size(a.dtype), payload))
    throw InputError(fmt::format("{}: IDX shape {} is too large", origin, shape_text(a.shape)));
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
