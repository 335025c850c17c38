// Input encoders through conversion: which methods take which encoder, the input scale and
// weight rescaling, the SNN file, and rate-encoded runs independent of the thread count.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <brisk/conversion/convert.hpp>
#include <brisk/conversion/mapping.hpp>
#include <brisk/conversion/snn_file.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/conversion/nets.hpp"

using namespace brisk;
using namespace brisk::convtest;
namespace fs = std::filesystem;

namespace {

// small_cnn's inputs are uniform in [0, 1); scaled so the input's max is 2.
Dataset scaled_noise(const Graph& g, std::size_t count, std::uint32_t seed) {
  Dataset d = noise_dataset(g, count, seed);
  for (float& v : d.x) v *= 2.0f;
  return d;
}

float max_abs(const std::vector<float>& v) {
  float m = 0;
  for (float x : v) m = std::max(m, std::fabs(x));
  return m;
}

}  // namespace

TEST_SUITE("encoders") {
TEST_CASE("every method defaults to the direct encoder and the spec records --seed") {
  const Graph g = small_cnn(61);
  const Dataset d = scaled_noise(g, 80, 1);
  for (Method m : {Method::Rate, Method::TerMap, Method::AugMap, Method::Radix}) {
    ConvertOptions o;
    o.mapping.method = m;
    o.calib_samples = 80;  // all of them: input_max is the data's max
    o.seed = 5;
    o.threads = 2;
    const Conversion c = convert(g, &d, "random", o);
    CHECK(c.spec.encoder == EncoderKind::Direct);
    CHECK(c.spec.input_scale == 1.0f);
    CHECK(c.spec.seed == 5);
    CHECK(std::stof(c.provenance.at("input_max")) == max_abs(d.x));
  }
}

TEST_CASE("set_encoder takes the scale from the input max and rescales the input's consumers") {
  const Graph g = small_cnn(62);
  const Dataset d = scaled_noise(g, 80, 2);
  const float input_max = max_abs(d.x);
  ConvertOptions o;
  o.calib_samples = 80;
  o.threads = 2;
  o.mapping.aug_bits = 3;
  const Conversion direct = convert(g, &d, "random", o);
  for (EncoderKind e : {EncoderKind::Rate, EncoderKind::Augmented}) {
    o.encoder = e;
    const Conversion c = convert(g, &d, "random", o);
    const float scale = e == EncoderKind::Rate ? input_max : input_max / 7.0f;
    CHECK(c.spec.encoder == e);
    CHECK(c.spec.input_scale == scale);
    CHECK(c.spec.layers[0].max_coefficient == (e == EncoderKind::Augmented ? 7 : 0));
    // conv1 reads the input: weights times the input scale; fc1 and fc2 unchanged.
    for (std::size_t k = 0; k < direct.graph.layers[1].weight.size(); ++k)
      CHECK(c.graph.layers[1].weight[k] == doctest::Approx(direct.graph.layers[1].weight[k] * scale));
    CHECK(c.graph.layers[4].weight == direct.graph.layers[4].weight);
    CHECK(c.graph.layers[5].weight == direct.graph.layers[5].weight);
    // Back to direct on the converted network: the original weights.
    Conversion back = c;
    set_encoder(back, EncoderKind::Direct, input_max, 3);
    for (std::size_t k = 0; k < direct.graph.layers[1].weight.size(); ++k)
      CHECK(back.graph.layers[1].weight[k] == doctest::Approx(direct.graph.layers[1].weight[k]));
  }
}

TEST_CASE("rate and augmented input approximate the direct network") {
  const Graph g = small_cnn(63);
  const Dataset d = scaled_noise(g, 300, 3);
  ConvertOptions o;
  o.mapping.timesteps = 64;
  o.calib_samples = 200;
  o.threads = 2;
  for (EncoderKind e : {EncoderKind::Rate, EncoderKind::Augmented}) {
    o.encoder = e;
    const Conversion c = convert(g, &d, "random", o);
    RunOptions ro;
    ro.threads = 2;
    const RunResult r = run(compile(c.graph, c.spec), d, ro);
    INFO(encoders::name(e));
    CHECK(r.accuracy.back() > 0.8);  // labels are the ANN's own predictions
  }
}

TEST_CASE("radix input: a radix network reads the digits of x / input_scale") {
  const Graph g = small_cnn(64, 8);
  const Dataset d = noise_dataset(g, 200, 4);
  ConvertOptions o;
  o.mapping.method = Method::Radix;
  o.encoder = EncoderKind::Radix;
  o.threads = 2;
  const Conversion c = convert(g, nullptr, "", o);  // no calibration samples: scale 1
  CHECK(c.spec.encoder == EncoderKind::Radix);
  CHECK(c.spec.input_scale == 1.0f);
  CHECK(c.spec.input_radix_base == 2);
  CHECK(c.spec.input_radix_digits == 8);
  RunOptions ro;
  ro.threads = 2;
  const RunResult r = run(compile(c.graph, c.spec), d, ro);
  CHECK(r.accuracy.back() > 0.9);  // the input is quantized to 8 bits too
}

TEST_CASE("combinations a network cannot read are UsageErrors naming --encoder") {
  const Graph g = small_cnn(65, 4);
  const Dataset d = noise_dataset(g, 50, 5);
  ConvertOptions o;
  o.threads = 2;
  o.calib_samples = 50;
  o.mapping.method = Method::Radix;
  for (EncoderKind e : {EncoderKind::Rate, EncoderKind::Augmented}) {
    o.encoder = e;
    CHECK_THROWS_WITH_AS(convert(g, &d, "random", o), doctest::Contains("--encoder"), UsageError);
  }
  for (Method m : {Method::Rate, Method::TerMap, Method::AugMap}) {
    o.mapping.method = m;
    o.encoder = EncoderKind::Radix;
    CHECK_THROWS_WITH_AS(convert(g, &d, "random", o), doctest::Contains("--encoder radix"), UsageError);
  }
}

TEST_CASE("rate input: identical conversion and run at 1 and 2 threads") {
  const Graph g = small_cnn(66);
  const Dataset d = scaled_noise(g, 120, 6);
  ConvertOptions o;
  o.encoder = EncoderKind::Rate;
  o.mapping.timesteps = 16;
  o.calibration.bias = o.calibration.potential = true;
  o.calib_samples = 100;
  o.seed = 11;
  Conversion c[2];
  RunResult r[2];
  for (int k = 0; k < 2; ++k) {
    o.threads = k + 1;
    c[k] = convert(g, &d, "random", o);
    RunOptions ro;
    ro.threads = k + 1;
    ro.keep_logits = true;
    r[k] = run(compile(c[k].graph, c[k].spec), d, ro);
  }
  CHECK(c[0].spec.seed == 11);
  for (std::size_t i = 0; i < c[0].spec.layers.size(); ++i) {
    CHECK(c[0].spec.layers[i].threshold == c[1].spec.layers[i].threshold);
    CHECK(c[0].spec.layers[i].v0 == c[1].spec.layers[i].v0);
    CHECK(c[0].graph.layers[i].weight == c[1].graph.layers[i].weight);
    CHECK(c[0].graph.layers[i].bias == c[1].graph.layers[i].bias);
  }
  CHECK(r[0].predictions == r[1].predictions);
  CHECK(r[0].accuracy == r[1].accuracy);
  CHECK(r[0].logits == r[1].logits);
  CHECK(r[0].total_spikes == r[1].total_spikes);
  CHECK(r[0].total_sops == r[1].total_sops);
  // Another seed draws other spikes.
  Conversion other = c[0];
  other.spec.seed = 12;
  RunOptions ro;
  ro.threads = 2;
  CHECK(run(compile(other.graph, other.spec), d, ro).total_spikes != r[0].total_spikes);
}

TEST_CASE("the SNN file records the encoder and an unknown name is an InputError naming the file") {
  const Graph g = small_cnn(67);
  const Dataset d = scaled_noise(g, 60, 7);
  ConvertOptions o;
  o.mapping.method = Method::TerMap;  // no other "augmented" string in the file
  o.encoder = EncoderKind::Augmented;
  o.calib_samples = 60;
  o.seed = 21;
  o.threads = 2;
  const Conversion c = convert(g, &d, "random", o);
  const fs::path dir = fs::temp_directory_path() / ("brisk_enc_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path path = dir / "net.h5", bad = dir / "bad_encoder.h5";
  write_snn(c, path.string());
  const Conversion r = read_snn(path.string());
  CHECK(r.spec.encoder == EncoderKind::Augmented);
  CHECK(r.spec.input_scale == c.spec.input_scale);
  CHECK(r.spec.seed == 21);
  CHECK(r.spec.layers[0].max_coefficient == 15);
  CHECK(r.provenance.at("input_max") == c.provenance.at("input_max"));
  {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = bytes.find("augmented");
    REQUIRE(at != std::string::npos);
    REQUIRE(bytes.find("augmented", at + 1) == std::string::npos);
    bytes.replace(at, 9, "augmentex");
    std::ofstream(bad, std::ios::binary) << bytes;
  }
  CHECK_THROWS_WITH_AS(read_snn(bad.string()), doctest::Contains("bad_encoder.h5: /snn encoder"), InputError);
  fs::remove_all(dir);
}
}
