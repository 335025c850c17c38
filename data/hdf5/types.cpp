#include <brisk/data/hdf5/types.hpp>

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <limits>

#include <brisk/core/base/error.hpp>

namespace brisk::h5 {

const char* type_name(Type t) {
  switch (t) {
    case Type::boolean: return "bool";
    case Type::u8: return "uint8";
    case Type::i8: return "int8";
    case Type::u16: return "uint16";
    case Type::i16: return "int16";
    case Type::u32: return "uint32";
    case Type::i32: return "int32";
    case Type::u64: return "uint64";
    case Type::i64: return "int64";
    case Type::f16: return "float16";
    case Type::f32: return "float32";
    case Type::f64: return "float64";
  }
  return "?";
}

std::size_t type_size(Type t) {
  switch (t) {
    case Type::boolean:
    case Type::u8:
    case Type::i8: return 1;
    case Type::u16:
    case Type::i16:
    case Type::f16: return 2;
    case Type::u32:
    case Type::i32:
    case Type::f32: return 4;
    case Type::u64:
    case Type::i64:
    case Type::f64: return 8;
  }
  return 1;
}

bool type_is_float(Type t) { return t == Type::f16 || t == Type::f32 || t == Type::f64; }

namespace {

// IEEE binary16 to float32: exact for every value, subnormals and specials included.
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    const float m = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -m : m;
  }
  const std::uint32_t bits = exp == 0x1f ? sign | 0x7f800000u | (mant << 13)
                                         : sign | ((exp + 112) << 23) | (mant << 13);
  return std::bit_cast<float>(bits);
}

// Calls f(T{}) with the C++ type that stores `t` (bool as uint8_t, f16 as its bits).
template <class F>
void visit_type(Type t, F&& f) {
  switch (t) {
    case Type::boolean:
    case Type::u8: return f(std::uint8_t{});
    case Type::i8: return f(std::int8_t{});
    case Type::u16:
    case Type::f16: return f(std::uint16_t{});
    case Type::i16: return f(std::int16_t{});
    case Type::u32: return f(std::uint32_t{});
    case Type::i32: return f(std::int32_t{});
    case Type::u64: return f(std::uint64_t{});
    case Type::i64: return f(std::int64_t{});
    case Type::f32: return f(float{});
    case Type::f64: return f(double{});
  }
}

// Element i of `a` as a double, and whether that double is exact.
template <class T>
double as_double(const TypedArray& a, std::size_t i, bool& exact) {
  if (a.type == Type::f16) return half_to_float(a.at<std::uint16_t>(i));
  const T v = a.at<T>(i);
  const double d = static_cast<double>(v);
  if constexpr (std::is_integral_v<T> && sizeof(T) == 8)
    exact = std::abs(d) < 0x1p53 || static_cast<T>(d) == v;
  return d;
}

[[noreturn]] void refuse(const std::string& where, const TypedArray& a, std::size_t i,
                         const char* target) {
  std::string value;
  visit_type(a.type, [&](auto t) {
    using T = decltype(t);
    if (a.type == Type::f16) value = fmt::format("{}", half_to_float(a.at<std::uint16_t>(i)));
    else if constexpr (sizeof(T) == 1) value = fmt::format("{}", static_cast<int>(a.at<T>(i)));
    else value = fmt::format("{}", a.at<T>(i));
  });
  throw InputError(fmt::format("{}: element {} ({} {}) is not exactly representable as {}", where,
                               i, type_name(a.type), value, target));
}

}  // namespace

std::vector<float> to_floats(const TypedArray& a, const std::string& where, Exact exact) {
  const std::size_t n = a.count();
  std::vector<float> out(n);
  if (a.type == Type::f32) {
    if (n) std::memcpy(out.data(), a.storage.data(), n * sizeof(float));
    return out;
  }
  visit_type(a.type, [&](auto t) {
    using T = decltype(t);
    for (std::size_t i = 0; i < n; ++i) {
      bool ok = true;
      const double d = as_double<T>(a, i, ok);
      const float f = static_cast<float>(d);
      if (std::isfinite(d) && !std::isfinite(f)) refuse(where, a, i, "float32");
      if (exact == Exact::yes && (!ok || (std::isfinite(d) && static_cast<double>(f) != d)))
        refuse(where, a, i, "float32");
      out[i] = f;
    }
  });
  return out;
}

std::vector<double> to_doubles(const TypedArray& a, const std::string& where, Exact exact) {
  const std::size_t n = a.count();
  std::vector<double> out(n);
  visit_type(a.type, [&](auto t) {
    using T = decltype(t);
    for (std::size_t i = 0; i < n; ++i) {
      bool ok = true;
      out[i] = as_double<T>(a, i, ok);
      if (exact == Exact::yes && !ok) refuse(where, a, i, "float64");
    }
  });
  return out;
}

std::vector<std::int64_t> to_int64s(const TypedArray& a, const std::string& where) {
  const std::size_t n = a.count();
  std::vector<std::int64_t> out(n);
  visit_type(a.type, [&](auto t) {
    using T = decltype(t);
    for (std::size_t i = 0; i < n; ++i) {
      if (type_is_float(a.type)) {
        bool ok = true;
        const double d = as_double<T>(a, i, ok);
        // 2^63 is the first double above INT64_MAX.
        if (!(d == std::floor(d) && d >= -0x1p63 && d < 0x1p63)) refuse(where, a, i, "int64");
        out[i] = static_cast<std::int64_t>(d);
      } else if constexpr (std::is_same_v<T, std::uint64_t>) {
        const T v = a.at<T>(i);
        if (v > static_cast<T>(std::numeric_limits<std::int64_t>::max())) refuse(where, a, i, "int64");
        out[i] = static_cast<std::int64_t>(v);
      } else if constexpr (std::is_integral_v<T>) {
        out[i] = static_cast<std::int64_t>(a.at<T>(i));
      }
    }
  });
  return out;
}

}  // namespace brisk::h5
