#include <brisk/data/assemble.hpp>

#include <fmt/format.h>

#include <climits>
#include <cmath>
#include <type_traits>

#include <brisk/core/base/error.hpp>

namespace brisk::data {

namespace {

// A label this large is a wrong file (pixels read as labels), not a real class count,
// and would make every per-class table enormous.
constexpr std::int64_t kMaxClasses = 1'000'000;

template <class T>
std::int64_t label_value(T v, const Array& y, std::size_t i) {
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(v) || v != std::floor(v) || v < 0 || v >= static_cast<T>(kMaxClasses))
      throw InputError(fmt::format("{}: label {} is {:g}, not a class index (a whole number in "
                                   "[0, {}))",
                                   y.origin, i, static_cast<double>(v), kMaxClasses));
    return static_cast<std::int64_t>(v);
  } else {
    if constexpr (std::is_signed_v<T>) {
      if (v < 0) throw InputError(fmt::format("{}: label {} is negative ({})", y.origin, i, v));
    }
    if (static_cast<std::uint64_t>(v) >= static_cast<std::uint64_t>(kMaxClasses))
      throw InputError(fmt::format("{}: label {} is {}, too large for a class index", y.origin, i, v));
    return static_cast<std::int64_t>(v);
  }
}

Labels class_indices(const Array& y) {
  Labels out;
  std::size_t n = y.shape[0];
  out.values.resize(n);
  std::int64_t max_label = -1;
  visit_dtype(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    for (std::size_t i = 0; i < n; ++i) {
      auto v = label_value(element<T>(y, i), y, i);
      out.values[i] = static_cast<std::int32_t>(v);
      max_label = std::max(max_label, v);
    }
  });
  out.num_classes = static_cast<int>(max_label + 1);
  return out;
}

Labels one_hot_rows(const Array& y) {
  std::size_t n = y.shape[0], k = y.shape[1];
  if (k > static_cast<std::size_t>(kMaxClasses))
    throw InputError(fmt::format("{}: {} one-hot columns is too many classes", y.origin, k));
  Labels out;
  out.values.resize(n);
  out.num_classes = static_cast<int>(k);
  visit_dtype(y.dtype, [&](auto tag) {
    using T = decltype(tag);
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t ones = 0, hot = 0;
      for (std::size_t j = 0; j < k; ++j) {
        T v = element<T>(y, i * k + j);
        if (v == T(1)) {
          ++ones;
          hot = j;
        } else if (v != T(0)) {
          throw InputError(fmt::format("{}: row {} is not one-hot (column {} holds {:g}; expected "
                                       "only 0 and 1)",
                                       y.origin, i, j, static_cast<double>(v)));
        }
      }
      if (ones != 1)
        throw InputError(fmt::format("{}: row {} is not one-hot ({} entries equal 1)", y.origin, i, ones));
      out.values[i] = static_cast<std::int32_t>(hot);
    }
  });
  return out;
}

struct SampleLayout {
  std::vector<int> shape;  // per sample, channels first
  bool transpose = false;  // the file holds (H, W, C) per sample
};

int checked_dim(std::size_t d, const Array& x) {
  if (d == 0 || d > static_cast<std::size_t>(INT_MAX))
    throw InputError(fmt::format("{}: unusable sample shape {}", x.origin, shape_text(x.shape)));
  return static_cast<int>(d);
}

SampleLayout sample_layout(const Array& x, bool nhwc) {
  const auto& s = x.shape;
  SampleLayout l;
  switch (s.size()) {
    case 2: l.shape = {checked_dim(s[1], x)}; break;
    case 3: l.shape = {1, checked_dim(s[1], x), checked_dim(s[2], x)}; break;
    case 4: {
      // Channel order cannot be read from the file; refuse the obvious mix-ups instead
      // of silently computing on scrambled images.
      auto small = [](std::size_t c) { return c == 1 || c == 3; };
      if (!nhwc && small(s[3]) && s[1] > 4 && s[2] > 4)
        throw UsageError(fmt::format("{}: shape {} looks channels-last; pass --nhwc (LoadOptions::nhwc) "
                                     "to transpose it to NCHW",
                                     x.origin, shape_text(s)));
      if (nhwc && small(s[1]) && s[2] > 4 && s[3] > 4)
        throw UsageError(fmt::format("{}: shape {} looks channels-first already; drop --nhwc",
                                     x.origin, shape_text(s)));
      if (nhwc) {
        l.shape = {checked_dim(s[3], x), checked_dim(s[1], x), checked_dim(s[2], x)};
        l.transpose = true;
      } else {
        l.shape = {checked_dim(s[1], x), checked_dim(s[2], x), checked_dim(s[3], x)};
      }
      break;
    }
    case 1:
      throw InputError(fmt::format("{}: shape {} holds one value per sample, not samples (are x "
                                   "and y swapped?)",
                                   x.origin, shape_text(s)));
    default:
      throw InputError(fmt::format("{}: samples must be shaped (N, D), (N, H, W) or (N, C, H, W); "
                                   "got {}",
                                   x.origin, shape_text(s)));
  }
  return l;
}

template <class T>
float to_float(T v) {
  if constexpr (std::is_same_v<T, std::uint8_t>) return static_cast<float>(v) / 255.0f;
  else return static_cast<float>(v);
}

// Converts samples [first, first + count) into out (count * sample_size floats).
void convert_samples(const Array& x, const SampleLayout& l, std::size_t first, std::size_t count,
                     float* out) {
  if (x.dtype != DType::u8 && x.dtype != DType::f32 && x.dtype != DType::f64)
    throw InputError(fmt::format("{}: unsupported sample dtype {} (brisk reads float32, float64 "
                                 "and uint8)",
                                 x.origin, dtype_name(x.dtype)));
  std::size_t per = 1;
  for (int d : l.shape) per *= static_cast<std::size_t>(d);
  visit_dtype(x.dtype, [&](auto tag) {
    using T = decltype(tag);
    std::size_t base = first * per;
    if (!l.transpose) {
      for (std::size_t i = 0; i < count * per; ++i) out[i] = to_float(element<T>(x, base + i));
      return;
    }
    auto c_n = static_cast<std::size_t>(l.shape[0]);
    auto hw = static_cast<std::size_t>(l.shape[1]) * static_cast<std::size_t>(l.shape[2]);
    for (std::size_t n = 0; n < count; ++n) {
      float* dst = out + n * per;
      std::size_t src = base + n * per;
      for (std::size_t p = 0; p < hw; ++p)
        for (std::size_t c = 0; c < c_n; ++c) dst[c * hw + p] = to_float(element<T>(x, src + p * c_n + c));
    }
  });
}

void require_finite(const Dataset& d, const Array& x, std::size_t first) {
  std::size_t per = d.sample_size();
  for (std::size_t n = 0; n < d.count(); ++n) {
    const float* s = d.x.data() + n * per;
    for (std::size_t i = 0; i < per; ++i) {
      if (!std::isfinite(s[i]))
        throw InputError(fmt::format("{}: sample {} holds {} at value {} (NaN and Inf are not "
                                     "allowed{})",
                                     x.origin, first + n, s[i], i,
                                     x.dtype == DType::f64 ? "; float64 values beyond the float32 "
                                                             "range become Inf" : ""));
    }
  }
}

}  // namespace

Labels decode_labels(const Array& y) {
  const auto& s = y.shape;
  if (s.size() == 1 || (s.size() == 2 && s[1] == 1)) return class_indices(y);
  if (s.size() == 2) return one_hot_rows(y);
  throw InputError(fmt::format("{}: labels must be (N,) class indices or (N, K) one-hot rows; got "
                               "shape {}",
                               y.origin, shape_text(s)));
}

Dataset assemble(const Array& x, const Array& y, const LoadOptions& opts) {
  if (x.shape.empty()) throw InputError(fmt::format("{}: a scalar, not an array of samples", x.origin));
  if (y.shape.empty()) throw InputError(fmt::format("{}: a scalar, not an array of labels", y.origin));
  std::size_t n = x.shape[0];
  if (n != y.shape[0])
    throw InputError(fmt::format("x and y counts differ: {} has {} samples, {} has {} labels",
                                 x.origin, n, y.origin, y.shape[0]));
  if (n == 0) throw InputError(fmt::format("{}: holds no samples", x.origin));
  SampleLayout layout = sample_layout(x, opts.nhwc);
  Labels labels = decode_labels(y);

  if (opts.offset >= n)
    throw UsageError(fmt::format("--offset {} is past the end of {} ({} samples)", opts.offset, x.origin, n));
  std::size_t count = opts.samples == 0 ? n - opts.offset : opts.samples;
  if (count > n - opts.offset)
    throw UsageError(fmt::format("--offset {} --samples {} asks for samples up to {}, but {} has {}",
                                 opts.offset, opts.samples, opts.offset + opts.samples, x.origin, n));

  Dataset d;
  d.shape = layout.shape;
  d.num_classes = labels.num_classes;
  auto first = labels.values.begin() + static_cast<std::ptrdiff_t>(opts.offset);
  d.y.assign(first, first + static_cast<std::ptrdiff_t>(count));
  d.x.resize(count * d.sample_size());
  convert_samples(x, layout, opts.offset, count, d.x.data());
  if (dtype_is_float(x.dtype)) require_finite(d, x, opts.offset);
  return d;
}

}  // namespace brisk::data
