#pragma once
// Helpers shared by the import tests: where the generated fixtures live, reading a
// reference file, and the logit comparison used everywhere.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <brisk/data/hdf5/file.hpp>
#include <brisk/core/graph/graph.hpp>
#include "tests/skip.hpp"

namespace brisk::test {

inline std::string fixture(const std::string& name) {
  return std::string(BRISK_IMPORT_FIXTURES) + "/" + name;
}

inline std::string shared_file(const std::string& rel) {
  return shared_dir() + "/" + rel;
}

// x: samples (N, ...) in brisk's channels-first order; logits: (N, classes).
struct Reference {
  h5::FloatArray x, logits;
};

inline Reference read_reference(const std::string& file, const char* x = "x",
                                const char* logits = "logits") {
  auto f = h5::File::open(fixture(file));
  return {f.read_floats(x), f.read_floats(logits)};
}

inline std::size_t argmax(const float* v, std::size_t n) {
  return static_cast<std::size_t>(std::max_element(v, v + n) - v);
}

// Logits agree "within 1e-4 relative": |got - want| <= 1e-4 * max(1, max_j |want_j|), the
// scale being the sample's largest reference logit.
inline bool logits_close(const std::vector<float>& got, const float* want, std::size_t n,
                         double rel = 1e-4) {
  if (got.size() != n) return false;
  double scale = 1.0;
  for (std::size_t j = 0; j < n; ++j) scale = std::max(scale, std::abs(static_cast<double>(want[j])));
  for (std::size_t j = 0; j < n; ++j)
    if (std::abs(static_cast<double>(got[j]) - want[j]) > rel * scale) return false;
  return true;
}

// Runs every reference sample through `g` and checks logits and predictions.
inline void check_against(const Graph& g, const Reference& ref) {
  const std::size_t n = static_cast<std::size_t>(ref.logits.shape.at(0));
  const std::size_t classes = static_cast<std::size_t>(ref.logits.shape.at(1));
  const std::size_t sample = ref.x.data.size() / n;
  REQUIRE(sample == shape_size(g.input_shape()));
  for (std::size_t i = 0; i < n; ++i) {
    auto got = forward(g, std::span<const float>(ref.x.data.data() + i * sample, sample));
    const float* want = ref.logits.data.data() + i * classes;
    CHECK_MESSAGE(logits_close(got, want, classes), "sample ", i, ": logit ", got.at(0), " vs ", want[0]);
    CHECK(argmax(got.data(), got.size()) == argmax(want, classes));
  }
}

}  // namespace brisk::test
