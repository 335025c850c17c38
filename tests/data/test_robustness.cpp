// Damaged copies of valid files - cut at many lengths, or with bytes overwritten - must
// either load or raise a brisk::Error; never crash (run under ASan/UBSan in CI) and never
// throw anything else.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fixtures.hpp"

namespace fx = fixtures;
namespace fs = std::filesystem;

namespace {

std::vector<char> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void spit(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Loads `spec`; returns 1 for a brisk::Error, 0 for success. Any other exception fails.
int outcome(const std::string& spec) {
  try {
    brisk::load_dataset(spec);
    return 0;
  } catch (const brisk::Error&) {
    return 1;
  } catch (const std::exception& e) {
    FAIL("non-brisk exception for " << spec << ": " << e.what());
  }
  return 0;
}

// Writes damaged variants of fixture `name` into a private directory and loads each as
// x (paired with `y`, or alone when y is empty): cut-short copies, or copies with a few
// bytes overwritten near the start (headers and zip/gzip/HDF5 structures live there).
// Returns how many variants were rejected; `variants` receives how many were tried.
struct Damage {
  std::string name, y;
};
enum class Mode { cut, overwrite };

int run_damaged(const Damage& d, Mode mode, int& variants) {
  std::string dir = fx::path(std::string("damaged_") + (mode == Mode::cut ? "cut_" : "ovw_") + d.name);
  fs::create_directories(dir);
  std::vector<char> whole = slurp(fx::path(d.name));
  REQUIRE(!whole.empty());
  std::string target = dir + "/" + d.name;
  std::string spec = d.y.empty() ? target : target + "," + fx::path(d.y);
  int rejected = 0;
  variants = 0;
  if (mode == Mode::cut) {
    // every cut within the first 96 bytes, then about 20 spread over the rest
    for (std::size_t cut = 1; cut < whole.size(); cut += cut < 96 ? 1 : whole.size() / 20 + 1) {
      spit(target, {whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(cut)});
      rejected += outcome(spec);
      ++variants;
    }
  } else {
    std::mt19937 rng(12345);
    std::uniform_int_distribution<std::size_t> pos(0, std::min<std::size_t>(whole.size() - 1, 400));
    for (int trial = 0; trial < 80; ++trial) {
      std::vector<char> bad = whole;
      for (int k = 0; k < 1 + trial % 4; ++k) bad[pos(rng)] = static_cast<char>(rng());
      spit(target, bad);
      rejected += outcome(spec);
      ++variants;
    }
  }
  fs::remove_all(dir);
  return rejected;
}

}  // namespace

TEST_CASE("a cut-short file is always rejected, never loaded short") {
  const Damage cases[] = {
      {"x_f32.npy", "y_i32.npy"},           {"x_savez.npz", "y_savez.npz"},
      {"x_savezc.npz", "y_savez.npz"},      {"images-idx3-ubyte", "labels-idx1-ubyte"},
      {"images-idx3-ubyte.gz", "labels-idx1-ubyte"}, {"data.h5", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    int variants = 0;
    int rejected = run_damaged(c, Mode::cut, variants);
    CHECK(variants > 30);
    CHECK(rejected == variants);
  }
}

TEST_CASE("overwritten bytes never crash a reader") {
  // Not tried on HDF5: libhdf5 itself is not hardened against arbitrary overwrites.
  const Damage cases[] = {
      {"x_f32.npy", "y_i32.npy"},      {"x_savez.npz", "y_savez.npz"},
      {"x_savezc.npz", "y_savez.npz"}, {"images-idx3-ubyte", "labels-idx1-ubyte"},
      {"images-idx3-ubyte.gz", "labels-idx1-ubyte"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    int variants = 0;
    int rejected = run_damaged(c, Mode::overwrite, variants);
    CHECK(variants == 80);
    CHECK(rejected > 0);  // overwritten headers are mostly caught; data bytes may load
  }
}
