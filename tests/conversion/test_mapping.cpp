// Mappings: roles, thresholds, V0, weight rescaling by the producers' thresholds, and the
// exactness of radix coding against the K-bit quantized ANN (simulated by the engine).
#include <doctest/doctest.h>

#include <cmath>

#include <brisk/conversion/convert.hpp>
#include <brisk/conversion/mapping.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/conversion/nets.hpp"

using namespace brisk;
using namespace brisk::convtest;

namespace {

// λ for small_cnn: conv1 per channel, fc1 per layer.
std::vector<std::vector<float>> lambdas() {
  std::vector<std::vector<float>> l(6);
  l[1] = {2.0f, 4.0f, 8.0f};
  l[4] = {0.5f};
  return l;
}

}  // namespace

TEST_SUITE("mapping") {
TEST_CASE("roles of a sequential CNN") {
  const Graph g = small_cnn(1);
  const auto r = layer_roles(g);
  CHECK(r == std::vector<Role>{Role::Input, Role::Neurons, Role::Routing, Role::Routing, Role::Neurons,
                               Role::Readout});
}

TEST_CASE("rate: thresholds are the clip values, V0 = theta/2, consumers scaled by theta") {
  const Graph g = small_cnn(2);
  MappingOptions o;
  o.method = Method::Rate;
  o.timesteps = 8;
  const Conversion c = map_network(g, lambdas(), o);
  CHECK(c.spec.timesteps == 8);
  CHECK(c.spec.encoder == EncoderKind::Direct);
  CHECK(c.spec.layers[1].neuron == NeuronKind::IF);
  CHECK(c.spec.layers[1].reset == ResetMode::Subtract);
  CHECK(c.spec.layers[1].threshold == std::vector<float>{2, 4, 8});
  CHECK(c.spec.layers[1].v0 == std::vector<float>{1, 2, 4});
  CHECK(c.spec.layers[2].neuron == NeuronKind::None);
  CHECK(c.spec.layers[5].neuron == NeuronKind::Readout);
  // conv1 reads the direct analog input: unscaled.
  CHECK(c.graph.layers[1].weight == g.layers[1].weight);
  // fc1 row r reads flatten element r = channel r / 4 (CHW, 2x2 per channel).
  for (int r = 0; r < 12; ++r)
    for (int o2 = 0; o2 < 12; ++o2) {
      const float scale = lambdas()[1][static_cast<std::size_t>(r / 4)];
      CHECK(c.graph.layers[4].weight[static_cast<std::size_t>(r * 12 + o2)] ==
            doctest::Approx(g.layers[4].weight[static_cast<std::size_t>(r * 12 + o2)] * scale));
    }
  // fc2 reads fc1's spikes (θ = 0.5); biases stay in ANN units.
  for (std::size_t i = 0; i < g.layers[5].weight.size(); ++i)
    CHECK(c.graph.layers[5].weight[i] == doctest::Approx(0.5f * g.layers[5].weight[i]));
  CHECK(c.graph.layers[5].bias == g.layers[5].bias);
}

TEST_CASE("termap, augmap and radix neuron parameters") {
  const Graph g = small_cnn(3);
  MappingOptions o;
  o.method = Method::TerMap;
  Conversion c = map_network(g, lambdas(), o);
  CHECK(c.spec.layers[4].neuron == NeuronKind::DoubleThreshold);
  CHECK(c.spec.layers[4].negative_only_if_positive);
  o.method = Method::AugMap;
  o.aug_bits = 4;
  c = map_network(g, lambdas(), o);
  CHECK(c.spec.layers[4].neuron == NeuronKind::Augmented);
  CHECK(c.spec.layers[4].max_coefficient == 15);
  CHECK(c.spec.layers[4].threshold[0] == doctest::Approx(0.5 / 15));
  // The consumer is scaled by the spike quantum θ = λ / 15.
  CHECK(c.graph.layers[5].weight[0] == doctest::Approx(g.layers[5].weight[0] * 0.5 / 15));
  o.method = Method::Radix;
  o.radix_digits = 6;
  std::vector<std::vector<float>> per_layer(6);
  per_layer[1] = {2.0f};
  per_layer[4] = {0.5f};
  c = map_network(g, per_layer, o);
  CHECK(c.spec.timesteps == 6);
  CHECK(c.spec.layers[1].neuron == NeuronKind::Radix);
  CHECK(c.spec.layers[1].radix_digits == 6);
  CHECK(c.spec.layers[1].v0.empty());
  const Graph q = reference_ann(c);
  CHECK(q.layers[1].act == Act::ClippedReLU);
  CHECK(q.layers[1].act_bits == 6);
  CHECK(q.layers[4].act_max == 0.5f);
  // Per-channel clip values cannot define the clip-floor ANN radix reproduces.
  CHECK_THROWS_AS(map_network(g, lambdas(), o), UsageError);
}

TEST_CASE("stand-alone activations are fused - unconvertible layers are named") {
  Graph g = small_cnn(4);
  g.layers[4].act = Act::Linear;
  Layer relu = make_layer("relu_fc1", OpKind::Activation, {4});
  relu.act = Act::ReLU;
  g.layers.insert(g.layers.begin() + 5, relu);
  g.layers[6].inputs = {5};
  g.output = 6;
  const Graph p = prepare_for_conversion(g);
  CHECK(p.layers.size() == 6);
  CHECK(p.layers[4].act == Act::ReLU);

  Graph linear = small_cnn(4);
  linear.layers[4].act = Act::Linear;  // a hidden linear layer cannot spike
  CHECK_THROWS_WITH_AS(prepare_for_conversion(linear), doctest::Contains("fc1"), InputError);
  CHECK_THROWS_AS(parse_method("bogus"), UsageError);
  MappingOptions bad;
  bad.timesteps = 0;
  CHECK_THROWS_AS(map_network(small_cnn(1), lambdas(), bad), UsageError);
}

TEST_CASE("radix on a K-bit clip-floor model reproduces the quantized ANN") {
  for (int bits : {4, 8}) {
    const Graph g = small_cnn(10 + static_cast<std::uint32_t>(bits), bits);
    const Dataset d = noise_dataset(g, 300, 5);
    ConvertOptions o;
    o.mapping.method = Method::Radix;
    o.threads = 2;
    CHECK_FALSE(needs_calibration_data(prepare_for_conversion(g), o));
    const Conversion c = convert(g, nullptr, "", o);
    CHECK(c.spec.layers[1].threshold[0] == 2.0f);  // λ = act_max, no balancing
    const SpikingNetwork net = compile(c.graph, c.spec);
    RunOptions ro;
    ro.keep_logits = true;
    ro.threads = 2;
    const RunResult r = run(net, d, ro);
    const Graph ref = reference_ann(c);
    std::size_t agree = 0;
    double max_err = 0;
    for (std::size_t i = 0; i < d.count(); ++i) {
      const auto logits = forward(ref, d.sample(i));
      agree += r.predictions[i] == d.y[i] ? 1 : 0;
      for (std::size_t k = 0; k < logits.size(); ++k)
        max_err = std::max(max_err, double(std::abs(logits[k] - r.logits[i * logits.size() + k])));
    }
    INFO("bits " << bits);
    CHECK(agree >= d.count() - 1);  // float rounding may move one floor boundary
    CHECK(max_err < 1e-3);
  }
}

TEST_CASE("radix post-training quantization of a float model matches its clip-floor ANN") {
  const Graph g = small_cnn(21);
  const Dataset d = noise_dataset(g, 300, 6);
  ConvertOptions o;
  o.mapping.method = Method::Radix;
  o.mapping.radix_digits = 8;
  o.calib_samples = 200;
  o.threads = 2;
  const Conversion c = convert(g, &d, "random", o);
  CHECK(c.calib_indices.size() == 200);
  const Graph ref = reference_ann(c);
  const SpikingNetwork net = compile(c.graph, c.spec);
  RunOptions ro;
  ro.threads = 2;
  const RunResult r = run(net, d, ro);
  std::size_t agree = 0;
  for (std::size_t i = 0; i < d.count(); ++i) {
    const auto logits = forward(ref, d.sample(i));
    agree += r.predictions[i] == std::max_element(logits.begin(), logits.end()) - logits.begin() ? 1 : 0;
  }
  CHECK(agree >= d.count() - 1);
}
}
