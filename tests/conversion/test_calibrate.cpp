// Layer-wise calibration: each stage is applied, reported, and reduces the error it targets.
#include <doctest/doctest.h>

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
