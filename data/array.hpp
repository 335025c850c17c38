#pragma once
// A typed n-dimensional array exactly as a file stored it: the common currency between
// the format readers (IDX, NPY/NPZ, HDF5) and the stage that turns arrays into a Dataset
// (data/assemble.hpp). Readers only decode containers; every rule about what a sample or
// a label may look like lives in one place, so all formats behave alike.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace brisk::data {

// Elements per array any reader accepts (2^32): beyond it, a file is refused before
// anything is allocated. The bytes per array have their own limit, raisable by flag
// (LoadOptions::max_input_bytes, --max-input-bytes).
inline constexpr std::uint64_t kMaxArrayElements = std::uint64_t{1} << 32;

enum class DType : std::uint8_t { boolean, u8, i8, u16, i16, u32, i32, u64, i64, f32, f64 };

const char* dtype_name(DType t);     // numpy's spelling: "uint8", "float32", ...
std::size_t dtype_size(DType t);     // bytes per element
bool dtype_is_float(DType t);

struct Array {
  DType dtype = DType::u8;
  std::vector<std::size_t> shape;   // C (row-major) order
  std::vector<std::byte> storage;   // elements in host byte order, from data_offset on
  std::size_t data_offset = 0;      // lets a reader keep its file buffer without a copy
  std::string origin;               // "file.npz:arr_0", named in every message

  std::size_t element_count() const;
  const std::byte* data() const { return storage.data() + data_offset; }
};

// Reads element i as T. memcpy keeps unaligned offsets and type punning well defined;
// compilers turn it into a plain load.
template <class T>
T element(const Array& a, std::size_t i) {
  T v;
  std::memcpy(&v, a.data() + i * sizeof(T), sizeof(T));
  return v;
}

// Calls f(T{}) with the C++ type that stores `t` (bool is read as uint8_t).
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::boolean:
    case DType::u8: return f(std::uint8_t{});
    case DType::i8: return f(std::int8_t{});
    case DType::u16: return f(std::uint16_t{});
    case DType::i16: return f(std::int16_t{});
    case DType::u32: return f(std::uint32_t{});
    case DType::i32: return f(std::int32_t{});
    case DType::u64: return f(std::uint64_t{});
    case DType::i64: return f(std::int64_t{});
    case DType::f32: return f(float{});
    case DType::f64: return f(double{});
  }
  return f(std::uint8_t{});  // unreachable: every enumerator is handled above
}

// "(10000, 1, 28, 28)"
std::string shape_text(const std::vector<std::size_t>& shape);

// Product of `shape` times `item_size`; false when it overflows size_t.
bool checked_byte_count(const std::vector<std::size_t>& shape, std::size_t item_size,
                        std::size_t& bytes);

}  // namespace brisk::data
