#pragma once
// Shared helpers for the dataset tests: where the generated fixtures live, the closed-form
// contents make_fixtures.py writes (keep the two in sync), and error capture.
#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include <brisk/core/base/error.hpp>
#include <brisk/data/dataset.hpp>

namespace fixtures {

// Written by make_fixtures.py (the CTest fixture data_fixtures) into the build tree.
inline std::string path(const std::string& name) { return std::string(BRISK_DATA_FIXTURES) + "/" + name; }
// "a,b" with both names under the fixture directory.
inline std::string pair(const std::string& x, const std::string& y) { return path(x) + "," + path(y); }

constexpr int N = 6, C = 2, H = 3, W = 4, K = 7;

inline float float_value(int n, int c, int h, int w) {
  return static_cast<float>(((7 * n + 5 * c + 3 * h + w) % 11) / 10.0);
}
inline float uint8_value(int n, int c, int h, int w) {
  return static_cast<float>((37 * n + 11 * c + 5 * h + 3 * w) % 256) / 255.0f;
}
inline int label(int n) { return (3 * n) % 5; }

// Counts values of d (NCHW, d.shape = {channels, H, W} or {C*H*W}) that differ from
// value(n, c, h, w) over channels [0, channels). Exact comparison: reader and closed form
// perform the same single rounding.
template <class F>
std::size_t mismatches(const brisk::Dataset& d, int channels, F value) {
  std::size_t bad = 0, i = 0;
  for (int n = 0; n < static_cast<int>(d.count()); ++n)
    for (int c = 0; c < channels; ++c)
      for (int h = 0; h < H; ++h)
        for (int w = 0; w < W; ++w) bad += d.x.at(i++) != value(n, c, h, w);
  return bad + (i != d.x.size());
}

inline std::size_t label_mismatches(const brisk::Dataset& d) {
  std::size_t bad = 0;
  for (int n = 0; n < static_cast<int>(d.count()); ++n) bad += d.y[static_cast<std::size_t>(n)] != label(n);
  return bad;
}

// Loads `spec` expecting an error of type E; returns its message ("" if none was thrown).
template <class E>
std::string error_of(const std::string& spec, const brisk::LoadOptions& opts = {}) {
  try {
    brisk::load_dataset(spec, opts);
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("wrong exception type for '" << spec << "': " << e.what());
  }
  return "";
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace fixtures
