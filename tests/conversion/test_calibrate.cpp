// Layer-wise calibration: each stage is applied, reported, and reduces the error it targets.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include <brisk/conversion/convert.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/conversion/nets.hpp"
#include "tests/skip.hpp"

using namespace brisk;
using namespace brisk::convtest;

namespace {

nlohmann::json report_of(const Conversion& c) { return nlohmann::json::parse(c.calibration_report); }

double sum_after(const nlohmann::json& r, const char* key) {
  double s = 0;
  for (const auto& l : r["layers"]) s += l[key].get<double>();
  return s;
}

}  // namespace

TEST_SUITE("calibration") {
TEST_CASE("without stages calibration only measures") {
  const Graph g = small_cnn(31);
  const Dataset d = noise_dataset(g, 200, 1);
  ConvertOptions o;
  o.mapping.timesteps = 4;
  o.calib_samples = 200;
  o.threads = 2;
  const Conversion c = convert(g, &d, "random", o);
  const auto r = report_of(c);
  REQUIRE(r["layers"].size() == 3);  // conv1, fc1, readout fc2
  for (const auto& l : r["layers"]) {
    CHECK(l["mse_before"].get<double>() == l["mse_after"].get<double>());
    CHECK(l["mse_after_bias"].is_null());
  }
  CHECK(c.provenance.at("calibration") == "none");
}

TEST_CASE("each stage reduces the error of the layers it calibrates (T = 4)") {
  const Graph g = small_cnn(32);
  const Dataset d = noise_dataset(g, 400, 2);
  ConvertOptions o;
  o.mapping.timesteps = 4;
  o.calib_samples = 400;
  o.threads = 2;
  o.seed = 3;
  const auto plain = report_of(convert(g, &d, "random", o));

  o.calibration.bias = true;
  const Conversion cb = convert(g, &d, "random", o);
  const auto rb = report_of(cb);
  // The readout is calibrated last, on its spiking input: bias correction removes its mean error.
  CHECK(rb["layers"][2]["mse_after_bias"].get<double>() < rb["layers"][2]["mse_before"].get<double>());

  o.calibration.weights = o.calibration.potential = true;
  const Conversion ca = convert(g, &d, "random", o);
  const auto ra = report_of(ca);
  CHECK(ra["layers"][1]["mse_after_weights"].get<double>() < ra["layers"][1]["mse_before"].get<double>());
  CHECK(ra["layers"][2]["mse_after"].get<double>() < plain["layers"][2]["mse_after"].get<double>());
  CHECK(sum_after(ra, "mse_after") < sum_after(plain, "mse_after"));
  CHECK(ca.spec.layers[4].v0.size() == 12);  // potential correction: V0 per channel
  CHECK(ca.graph.layers[4].weight != convert(g, &d, "random", ConvertOptions{}).graph.layers[4].weight);

  // Same seed, same result (thread-count invariant reductions).
  o.threads = 1;
  const Conversion ca1 = convert(g, &d, "random", o);
  CHECK(ca1.graph.layers[5].weight == ca.graph.layers[5].weight);
  CHECK(ca1.spec.layers[4].v0 == ca.spec.layers[4].v0);
}

// The potential stage of the first spiking layer (its input is the exact analog current, so
// no earlier correction changes it) against a reference computed here: the ANN's conv1
// output by a hand convolution, the uncalibrated SNN's conv1 spike counts from the engine,
// V0 = theta / 2 + T * mean over samples of (ANN - counts * theta / T), per neuron; per
// channel the same mean also taken over the 16 positions.
TEST_CASE("potential correction per neuron and per channel against a hand reference (T = 4)") {
  const Graph g = small_cnn(34);
  const std::size_t samples = 300, n = 3 * 4 * 4;
  const Dataset d = noise_dataset(g, samples, 5);
  ConvertOptions o;
  o.mapping.timesteps = 4;
  o.calib_samples = samples;  // the whole pool: every sample once
  o.threads = 2;
  const Conversion c0 = convert(g, &d, "random", o);
  RunOptions ro;
  ro.threads = 2;
  ro.record = Record::Counts;
  ro.record_layers = {1};
  const RunResult r = run(compile(c0.graph, c0.spec), d, ro);
  const auto& counts = r.layers[1].counts;
  REQUIRE(counts.size() == samples * n);
  const auto& theta = c0.spec.layers[1].threshold;
  auto theta_of = [&](std::size_t ch) { return theta.size() == 1 ? theta[0] : theta[ch]; };

  const Layer& conv = g.layers[1];  // weight {cout, cin = 1, 3, 3}, valid padding, stride 1
  std::vector<double> delta(n, 0.0);
  for (std::size_t s = 0; s < samples; ++s) {
    const auto x = d.sample(s);
    for (std::size_t ch = 0; ch < 3; ++ch)
      for (std::size_t y = 0; y < 4; ++y)
        for (std::size_t xx = 0; xx < 4; ++xx) {
          double z = conv.bias[ch];
          for (std::size_t ky = 0; ky < 3; ++ky)
            for (std::size_t kx = 0; kx < 3; ++kx)
              z += double(conv.weight[ch * 9 + ky * 3 + kx]) * x[(y + ky) * 6 + xx + kx];
          const std::size_t i = ch * 16 + y * 4 + xx;
          delta[i] += std::max(z, 0.0) - counts[s * n + i] * theta_of(ch) / 4.0;
        }
  }
  for (double& v : delta) v /= static_cast<double>(samples);

  o.calibration.potential = true;
  o.calibration.potential_scope = PotentialScope::Neuron;
  const Conversion cn = convert(g, &d, "random", o);
  REQUIRE(cn.calib_indices.size() == samples);
  CHECK(cn.provenance.at("potential_scope") == "neuron");
  const auto& v0 = cn.spec.layers[1].v0;
  REQUIRE(v0.size() == n);
  double spread = 0;  // positions of one channel must get different shifts
  for (std::size_t i = 0; i < n; ++i) {
    const double want = theta_of(i / 16) / 2.0 + 4.0 * delta[i];
    CHECK(v0[i] == doctest::Approx(want).epsilon(1e-4));
    spread = std::max(spread, std::fabs(double(v0[i]) - double(v0[i / 16 * 16])));
  }
  CHECK(spread > 1e-3);

  o.calibration.potential_scope = PotentialScope::Channel;
  const Conversion cc = convert(g, &d, "random", o);
  CHECK(cc.provenance.at("potential_scope") == "channel");
  REQUIRE(cc.spec.layers[1].v0.size() == 3);
  for (std::size_t ch = 0; ch < 3; ++ch) {
    double mean = 0;
    for (std::size_t p = 0; p < 16; ++p) mean += delta[ch * 16 + p] / 16.0;
    CHECK(cc.spec.layers[1].v0[ch] == doctest::Approx(theta_of(ch) / 2.0 + 4.0 * mean).epsilon(1e-4));
  }

  // The per-neuron V0 travels through compile: the engine takes one value per neuron.
  const RunResult rn = run(compile(cn.graph, cn.spec), d, ro);
  CHECK(rn.layers[1].counts != counts);
}

TEST_CASE("radix networks refuse calibration stages") {
  const Graph g = small_cnn(33, 4);
  ConvertOptions o;
  o.mapping.method = Method::Radix;
  o.calibration.bias = true;
  const Dataset d = noise_dataset(g, 50, 3);
  CHECK_THROWS_AS(convert(g, &d, "random", o), UsageError);
  ConvertOptions rate;
  CHECK_THROWS_AS(convert(g, nullptr, "", rate), UsageError);  // balancing needs data
}

TEST_CASE("bundled model: calibrated rate coding at T = 8 gains on Fashion-MNIST" * doctest::test_suite("slow")) {
  const std::string model = std::string(BRISK_SOURCE_DIR) + "/models/fmnist_cnn.h5";
  if (!std::filesystem::exists(model) || !std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
    BRISK_SKIP("models/fmnist_cnn.h5 or Debian's Fashion-MNIST is absent");
  const Graph g = load_model(model);
  LoadOptions lo;
  lo.samples = 10000;
  const Dataset train = load_dataset("fashion-mnist:train", lo);
  lo.samples = 1000;
  const Dataset test = load_dataset("fashion-mnist:test", lo);
  ConvertOptions o;
  o.mapping.timesteps = 8;
  o.calib_samples = 500;
  o.threads = 2;
  auto accuracy = [&](const Conversion& c) {
    RunOptions ro;
    ro.threads = 2;
    return run(compile(c.graph, c.spec), test, ro).accuracy.back();
  };
  const double plain = accuracy(convert(g, &train, "fashion-mnist:train", o));
  o.calibration.weights = o.calibration.bias = o.calibration.potential = true;
  const double calibrated = accuracy(convert(g, &train, "fashion-mnist:train", o));
  MESSAGE("T=8 accuracy without calibration " << plain << ", with " << calibrated);
  CHECK(calibrated > plain);
  CHECK(calibrated > 0.88);
}
}
