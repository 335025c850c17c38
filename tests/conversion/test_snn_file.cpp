// The converted-network file: round trip, atomic writes, bad files; SHA-256 vectors.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <brisk/conversion/convert.hpp>
#include <brisk/conversion/sha256.hpp>
#include <brisk/conversion/snn_file.hpp>
#include <brisk/core/base/error.hpp>
#include "tests/conversion/nets.hpp"

using namespace brisk;
using namespace brisk::convtest;
namespace fs = std::filesystem;

namespace {

fs::path temp_dir() {
  const fs::path dir = fs::temp_directory_path() / ("brisk_conv_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

void check_same_graph(const Graph& a, const Graph& b) {
  REQUIRE(a.layers.size() == b.layers.size());
  CHECK(a.output == b.output);
  for (std::size_t i = 0; i < a.layers.size(); ++i) {
    const Layer &x = a.layers[i], &y = b.layers[i];
    CHECK(x.name == y.name);
    CHECK(x.op == y.op);
    CHECK(x.inputs == y.inputs);
    CHECK(x.out_shape == y.out_shape);
    CHECK(x.act == y.act);
    CHECK(x.act_bits == y.act_bits);
    CHECK(x.weight == y.weight);
    CHECK(x.weight_shape == y.weight_shape);
    CHECK(x.bias == y.bias);
    CHECK(x.kernel_h == y.kernel_h);
    CHECK(x.stride_w == y.stride_w);
    CHECK(x.flatten_order == y.flatten_order);
  }
}

}  // namespace

TEST_SUITE("snn_file") {
TEST_CASE("round trip of a calibrated conversion") {
  const Graph g = small_cnn(41);
  const Dataset d = noise_dataset(g, 100, 1);
  ConvertOptions o;
  o.mapping.method = Method::AugMap;
  o.mapping.timesteps = 3;
  o.calibration.bias = o.calibration.potential = true;
  o.calib_samples = 60;
  o.seed = 9;
  o.threads = 2;
  Conversion c = convert(g, &d, "random", o);
  c.provenance["source_model"] = "small_cnn";
  c.provenance["source_sha256"] = sha256_hex("x", 1);
  const fs::path path = temp_dir() / "net.h5";
  write_snn(c, path.string());
  CHECK(is_snn_file(path.string()));
  const Conversion r = read_snn(path.string());
  check_same_graph(c.graph, r.graph);
  check_same_graph(c.ann, r.ann);
  CHECK(r.spec.method == "augmap");
  CHECK(r.spec.timesteps == 3);
  CHECK(r.spec.encoder == c.spec.encoder);
  REQUIRE(r.spec.layers.size() == c.spec.layers.size());
  for (std::size_t i = 0; i < c.spec.layers.size(); ++i) {
    CHECK(r.spec.layers[i].neuron == c.spec.layers[i].neuron);
    CHECK(r.spec.layers[i].threshold == c.spec.layers[i].threshold);
    CHECK(r.spec.layers[i].v0 == c.spec.layers[i].v0);
    CHECK(r.spec.layers[i].max_coefficient == c.spec.layers[i].max_coefficient);
  }
  CHECK(r.lambda == c.lambda);
  CHECK(r.calib_indices == c.calib_indices);
  CHECK(r.provenance == c.provenance);
  CHECK(r.provenance.at("seed") == "9");
  CHECK(r.calibration_report == c.calibration_report);
  fs::remove_all(path.parent_path());
}

TEST_CASE("a failed write leaves nothing behind") {
  const Graph g = small_cnn(42, 4);
  ConvertOptions o;
  o.mapping.method = Method::Radix;
  const Conversion c = convert(g, nullptr, "", o);
  const fs::path dir = temp_dir() / "missing_subdir";
  CHECK_THROWS_AS(write_snn(c, (dir / "net.h5").string()), InputError);
  CHECK_FALSE(fs::exists(dir));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("bad files are InputErrors naming the file") {
  const fs::path dir = temp_dir();
  const fs::path text = dir / "text.h5";
  std::ofstream(text) << "not hdf5\n";
  CHECK_FALSE(is_snn_file(text.string()));
  CHECK_THROWS_WITH_AS(read_snn(text.string()), doctest::Contains("text.h5"), InputError);
  CHECK_THROWS_AS(read_snn((dir / "absent.h5").string()), InputError);

  // A valid file cut in half.
  const Graph g = small_cnn(43, 4);
  ConvertOptions o;
  o.mapping.method = Method::Radix;
  const fs::path full = dir / "full.h5", half = dir / "half.h5";
  write_snn(convert(g, nullptr, "", o), full.string());
  {
    std::ifstream in(full, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(half, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  CHECK_THROWS_AS(read_snn(half.string()), InputError);
  fs::remove_all(dir);
}

TEST_CASE("sha256 test vectors") {
  CHECK(sha256_hex("", 0) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc", 3) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  CHECK(sha256_hex(two_blocks.data(), two_blocks.size()) ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK_THROWS_AS(sha256_file("/nonexistent/file"), InputError);
}
}
