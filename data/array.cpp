#include <brisk/data/array.hpp>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdint>

namespace brisk::data {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::boolean: return "bool";
    case DType::u8: return "uint8";
    case DType::i8: return "int8";
    case DType::u16: return "uint16";
    case DType::i16: return "int16";
    case DType::u32: return "uint32";
    case DType::i32: return "int32";
    case DType::u64: return "uint64";
    case DType::i64: return "int64";
    case DType::f32: return "float32";
    case DType::f64: return "float64";
  }
  return "?";
}

std::size_t dtype_size(DType t) {
  return visit_dtype(t, [](auto v) { return sizeof(v); });
}

bool dtype_is_float(DType t) { return t == DType::f32 || t == DType::f64; }

std::size_t Array::element_count() const {
  std::size_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string shape_text(const std::vector<std::size_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

bool checked_byte_count(const std::vector<std::size_t>& shape, std::size_t item_size,
                        std::size_t& bytes) {
  std::size_t n = item_size;
  for (auto d : shape) {
    if (d != 0 && n > SIZE_MAX / d) return false;
    n *= d;
  }
  bytes = n;
  return true;
}

}  // namespace brisk::data
