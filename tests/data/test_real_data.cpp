// Real data: Fashion-MNIST as Debian ships it (installed by tools/install-deps.sh) and the
// shared MNIST NPZ pair (skipped when ../shared is absent). The reference figures were
// computed independently with numpy from the same files:
//   labels = np.frombuffer(gzip.open(f).read(), np.uint8, offset=8)
//   pixels = np.frombuffer(gzip.open(f).read(), np.uint8, offset=16).astype(np.int64)
//   sum(pixels), sum(pixels * (np.arange(pixels.size) % 251)), sum(labels * (arange % 251))
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include <brisk/data/dataset.hpp>
#include <brisk/data/spec.hpp>
#include "tests/skip.hpp"

using brisk::Dataset;
using brisk::LoadOptions;

namespace {

struct Checksums {
  std::int64_t pixel_sum = 0;       // uint8 pixels recovered as round(x * 255)
  std::int64_t pixel_weighted = 0;  // sum of pixel * (flat index % 251): catches reordering
  std::int64_t label_weighted = 0;  // sum of label * (index % 251)
  std::size_t non_integral = 0;     // values that are not k/255
};

Checksums checksums(const Dataset& d) {
  Checksums c;
  for (std::size_t i = 0; i < d.x.size(); ++i) {
    float p = d.x[i] * 255.0f;
    auto v = static_cast<std::int64_t>(std::lround(p));
    c.non_integral += std::fabs(p - static_cast<float>(v)) > 1e-3f;
    c.pixel_sum += v;
    c.pixel_weighted += v * static_cast<std::int64_t>(i % 251);
  }
  for (std::size_t i = 0; i < d.y.size(); ++i)
    c.label_weighted += d.y[i] * static_cast<std::int64_t>(i % 251);
  return c;
}

std::vector<std::size_t> histogram(const Dataset& d) {
  std::vector<std::size_t> h(static_cast<std::size_t>(d.num_classes), 0);
  for (auto y : d.y) ++h.at(static_cast<std::size_t>(y));
  return h;
}

std::vector<int32_t> first_labels(const Dataset& d, std::size_t n) {
  return {d.y.begin(), d.y.begin() + static_cast<std::ptrdiff_t>(n)};
}

}  // namespace

TEST_CASE("fashion-mnist test split: counts, first labels, checksums") {
  Dataset d = brisk::load_dataset("fashion-mnist");
  REQUIRE(d.count() == 10000);
  CHECK(d.shape == std::vector<int>{1, 28, 28});
  CHECK(d.num_classes == 10);
  CHECK(histogram(d) == std::vector<std::size_t>(10, 1000));
  CHECK(first_labels(d, 12) == std::vector<int32_t>{9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5});
  Checksums c = checksums(d);
  CHECK(c.non_integral == 0);
  CHECK(c.pixel_sum == 573469082);
  CHECK(c.pixel_weighted == 71679932715);
  CHECK(c.label_weighted == 5592289);
}

TEST_CASE("fashion-mnist: the explicit IDX pair and a slice agree with the named spec") {
  Dataset whole = brisk::load_dataset("fashion-mnist:test");
  const char* env = std::getenv(brisk::data::kFashionMnistDirEnv);
  std::string dir = env && *env ? env : brisk::data::kFashionMnistDefaultDir;
  Dataset pair = brisk::load_dataset(dir + "/t10k-images-idx3-ubyte.gz," + dir + "/t10k-labels-idx1-ubyte.gz");
  CHECK(pair.x == whole.x);
  CHECK(pair.y == whole.y);

  LoadOptions o;
  o.offset = 9990;
  o.samples = 10;
  Dataset tail = brisk::load_dataset("fashion-mnist", o);
  REQUIRE(tail.count() == 10);
  CHECK(tail.num_classes == 10);
  CHECK(std::equal(tail.y.begin(), tail.y.end(), whole.y.begin() + 9990));
  CHECK(std::equal(tail.x.begin(), tail.x.end(), whole.x.begin() + 9990 * 784));
}

TEST_CASE("fashion-mnist train split: 60000 samples with 6000 per class and known checksums" * doctest::test_suite("slow")) {
  Dataset d = brisk::load_dataset("fashion-mnist:train");
  REQUIRE(d.count() == 60000);
  CHECK(d.shape == std::vector<int>{1, 28, 28});
  CHECK(histogram(d) == std::vector<std::size_t>(10, 6000));
  CHECK(first_labels(d, 12) == std::vector<int32_t>{9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9});
  Checksums c = checksums(d);
  CHECK(c.pixel_sum == 3431114169);
  CHECK(c.pixel_weighted == 428843984823);
  CHECK(c.label_weighted == 33697695);
}

TEST_CASE("shared MNIST NPZ pair (SNN Toolbox convention): 10000 x 1x28x28 in 0..1, 10 classes") {
  std::string dir = brisk::test::shared_dir() + "/data/mnist";
  if (!std::filesystem::exists(dir + "/x_test.npz") || !std::filesystem::exists(dir + "/y_test.npz"))
    BRISK_SKIP(dir, "/{x,y}_test.npz not found (shared data is not part of a clone)");
  Dataset d = brisk::load_dataset(dir + "/x_test.npz," + dir + "/y_test.npz");
  REQUIRE(d.count() == 10000);
  CHECK(d.shape == std::vector<int>{1, 28, 28});
  CHECK(d.num_classes == 10);
  auto [lo, hi] = std::minmax_element(d.x.begin(), d.x.end());
  CHECK(*lo == 0.0f);
  CHECK(*hi == 1.0f);
  // one-hot rows decoded by argmax; numpy: y.argmax(1)[:12], np.bincount(...)
  CHECK(first_labels(d, 12) == std::vector<int32_t>{7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6});
  CHECK(histogram(d) == std::vector<std::size_t>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009});
  double sum = std::accumulate(d.x.begin(), d.x.end(), 0.0);
  CHECK(sum == doctest::Approx(1038914.5186372381).epsilon(1e-9));
}
