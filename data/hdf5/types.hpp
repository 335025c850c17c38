#pragma once
// Values read from an HDF5 file as the file stores them, and the explicit, checked
// conversions a caller applies when it wants another type.
//
// A TypedArray keeps the stored element type: an int64 dataset reads as int64, never through
// float. Converting is the caller's decision (to_floats, to_doubles, to_int64s); each refuses
// values the target cannot hold, and with Exact::yes also values it would round.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace brisk::h5 {

// f16 keeps IEEE half bits (read by to_floats, exactly); boolean is h5py's {FALSE, TRUE}
// enum over int8, stored as 0/1 bytes.
enum class Type : std::uint8_t { boolean, u8, i8, u16, i16, u32, i32, u64, i64, f16, f32, f64 };

const char* type_name(Type t);   // numpy's spelling: "uint8", "float32", ...
std::size_t type_size(Type t);   // bytes per element
bool type_is_float(Type t);

template <class T> struct TypeOf;
template <> struct TypeOf<std::uint8_t> { static constexpr Type value = Type::u8; };
template <> struct TypeOf<std::int8_t> { static constexpr Type value = Type::i8; };
template <> struct TypeOf<std::uint16_t> { static constexpr Type value = Type::u16; };
template <> struct TypeOf<std::int16_t> { static constexpr Type value = Type::i16; };
template <> struct TypeOf<std::uint32_t> { static constexpr Type value = Type::u32; };
template <> struct TypeOf<std::int32_t> { static constexpr Type value = Type::i32; };
template <> struct TypeOf<std::uint64_t> { static constexpr Type value = Type::u64; };
template <> struct TypeOf<std::int64_t> { static constexpr Type value = Type::i64; };
template <> struct TypeOf<float> { static constexpr Type value = Type::f32; };
template <> struct TypeOf<double> { static constexpr Type value = Type::f64; };

// A dataset or attribute exactly as stored: `storage` holds count() elements of `type` in
// host byte order, C (row-major) order. A scalar has an empty shape and one element.
struct TypedArray {
  Type type = Type::u8;
  std::vector<std::size_t> shape;
  std::vector<std::byte> storage;

  std::size_t count() const { return storage.size() / type_size(type); }
  // Element i as T, which must be the stored C++ type (bool and f16: their raw uint8/uint16).
  template <class T>
  T at(std::size_t i) const {
    T v;
    std::memcpy(&v, storage.data() + i * sizeof(T), sizeof(T));
    return v;
  }
  // The elements as T when T is the stored type (bool: uint8_t); false otherwise.
  template <class T>
  bool holds() const {
    return type == TypeOf<T>::value || (type == Type::boolean && TypeOf<T>::value == Type::u8);
  }
  template <class T>
  std::vector<T> values() const {
    std::vector<T> out(count());
    if (!out.empty()) std::memcpy(out.data(), storage.data(), out.size() * sizeof(T));
    return out;
  }
};

enum class Exact : bool { no, yes };

// The conversions below name `where` ("file: object") in their one-line InputErrors.
// Floats: float64 values outside float32's range are refused (never silently infinite);
// with Exact::yes, any value that would round is refused too (integers above 2^24, ...).
std::vector<float> to_floats(const TypedArray& a, const std::string& where, Exact exact);
// With Exact::yes, integers above 2^53 in magnitude are refused.
std::vector<double> to_doubles(const TypedArray& a, const std::string& where, Exact exact);
// Integers as int64 (uint64 above INT64_MAX refused); floats only when integral and in range.
std::vector<std::int64_t> to_int64s(const TypedArray& a, const std::string& where);

}  // namespace brisk::h5
