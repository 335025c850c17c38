// The arithmetic of GUIDE section 2, each identity on a small hand-made network.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/network.hpp>
#include <brisk/encoders/augmented.hpp>
#include <brisk/encoders/radix.hpp>
#include <brisk/encoders/rate.hpp>
#include <brisk/neurons/model.hpp>
#include "tests/sim/nets.hpp"

using namespace brisk;
using namespace brisk::test;

namespace {

// Input {n} -> Dense n->n identity (the population under test) -> Dense readout n->1.
Graph identity_net(int n) {
  Graph g;
  g.layers.push_back(input_layer({n}));
  std::vector<float> eye(static_cast<std::size_t>(n) * n, 0.0f);
  for (int i = 0; i < n; ++i) eye[static_cast<std::size_t>(i) * n + i] = 1.0f;
  g.layers.push_back(dense_layer("pop", 0, n, n, eye));
  g.layers.push_back(dense_layer("out", 1, n, 1, std::vector<float>(static_cast<std::size_t>(n), 1.0f)));
  g.output = 2;
  validate(g);
  return g;
}

// Per-neuron sums of payloads and event counts of layer l.
struct Tally {
  std::vector<float> sum;
  std::vector<int> events;
};
Tally tally(const SampleTrace& tr, int l, std::size_t n) {
  Tally t{std::vector<float>(n, 0.0f), std::vector<int>(n, 0)};
  const auto& train = tr.trains[static_cast<std::size_t>(l)];
  for (std::size_t e = 0; e < train.events(); ++e) {
    const auto id = static_cast<std::size_t>(train.all_ids()[e]);
    t.sum[id] += train.all_payload()[e];
    ++t.events[id];
  }
  return t;
}

// Values k/64 for k in [-32, 96]: exact in float, so the closed forms hold exactly.
std::vector<float> grid_inputs() {
  std::vector<float> x;
  for (int k = -32; k <= 96; ++k) x.push_back(static_cast<float>(k) / 64.0f);
  return x;
}

}  // namespace

TEST_CASE("IF, reset by subtraction: N = clamp(floor(T z / theta), 0, T) - V0 = theta/2 rounds") {
  const auto x = grid_inputs();
  const int n = static_cast<int>(x.size());
  const Graph g = identity_net(n);
  for (float theta : {0.5f, 1.0f}) {
    for (int T : {1, 7, 32}) {
      LayerSpec ls;
      ls.neuron = NeuronKind::IF;
      ls.threshold = {theta};
      SnnSpec s = spec_for(g, ls, EncoderKind::Direct, T);
      auto tr = simulate(compile(g, s), x);
      auto t = tally(tr, 1, x.size());
      for (std::size_t i = 0; i < x.size(); ++i)
        CHECK(t.sum[i] == std::clamp(std::floor(T * x[i] / theta), 0.0f, static_cast<float>(T)));
      s.layers[1].v0 = {theta / 2};
      tr = simulate(compile(g, s), x);
      t = tally(tr, 1, x.size());
      for (std::size_t i = 0; i < x.size(); ++i)
        CHECK(t.sum[i] == std::clamp(std::floor(T * x[i] / theta + 0.5f), 0.0f, static_cast<float>(T)));
    }
  }
}

TEST_CASE("IF, reset to zero, and leaky IF follow their recurrences") {
  const auto x = grid_inputs();
  const Graph g = identity_net(static_cast<int>(x.size()));
  for (ResetMode reset : {ResetMode::Zero, ResetMode::Subtract}) {
    for (float leak : {1.0f, 0.5f}) {
      LayerSpec ls;
      ls.threshold = {0.75f};
      ls.reset = reset;
      ls.leak = leak;
      const int T = 20;
      const auto tr = simulate(compile(g, spec_for(g, ls, EncoderKind::Direct, T)), x);
      const auto t = tally(tr, 1, x.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        float v = 0;
        int spikes = 0;
        for (int k = 0; k < T; ++k) {
          v = v * leak + x[i];
          if (v >= 0.75f) {
            ++spikes;
            v = reset == ResetMode::Zero ? 0.0f : v - 0.75f;
          }
        }
        CHECK(t.events[i] == spikes);
      }
    }
  }
  // Reset to zero with 0 < z <= theta: a spike every ceil(theta / z) steps.
  LayerSpec ls;
  ls.reset = ResetMode::Zero;
  ls.threshold = {1.0f};
  const std::vector<float> z{0.25f, 0.5f, 0.75f, 1.0f};
  const Graph g4 = identity_net(4);
  const auto t = tally(simulate(compile(g4, spec_for(g4, ls, EncoderKind::Direct, 12)), z), 1, 4);
  CHECK(t.events == std::vector<int>{3, 6, 6, 12});
}

TEST_CASE("augmented spikes: one unbounded step is floor(z/theta) - bounded coefficients") {
  const auto x = grid_inputs();
  const Graph g = identity_net(static_cast<int>(x.size()));
  LayerSpec ls;
  ls.neuron = NeuronKind::Augmented;
  ls.threshold = {0.25f};
  auto t = tally(simulate(compile(g, spec_for(g, ls, EncoderKind::Direct, 1)), x), 1, x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    CHECK(t.sum[i] == std::max(0.0f, std::floor(x[i] / 0.25f)));
    CHECK(t.sum[i] * 0.25f == std::max(0.0f, std::floor(x[i] / 0.25f) * 0.25f));  // quantized ANN
  }
  // Over T steps the coefficients add up to floor(T z / theta) (unbounded), and each
  // coefficient respects the bound.
  ls.max_coefficient = 2;
  const auto tr = simulate(compile(g, spec_for(g, ls, EncoderKind::Direct, 8)), x);
  for (float p : tr.trains[1].all_payload()) CHECK((p >= 1 && p <= 2));
  ls.max_coefficient = 0;
  t = tally(simulate(compile(g, spec_for(g, ls, EncoderKind::Direct, 8)), x), 1, x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    CHECK(t.sum[i] == std::max(0.0f, std::floor(8 * x[i] / 0.25f)));
}

TEST_CASE("double threshold: +-1 spikes, negative only while the net count is positive") {
  const auto x = grid_inputs();
  const Graph g = identity_net(static_cast<int>(x.size()));
  LayerSpec ls;
  ls.neuron = NeuronKind::DoubleThreshold;
  ls.threshold = {0.5f};
  const int T = 16;
  for (bool only_if_positive : {true, false}) {
    ls.negative_only_if_positive = only_if_positive;
    const auto t = tally(simulate(compile(g, spec_for(g, ls, EncoderKind::Direct, T)), x), 1, x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const float n = std::min(std::floor(T * std::fabs(x[i]) / 0.5f), static_cast<float>(T));
      if (x[i] >= 0) CHECK(t.sum[i] == n);
      else CHECK(t.sum[i] == (only_if_positive ? 0.0f : -n));
    }
  }
  // A positive then negative drive: the -1 spikes stop when the count reaches zero.
  // Input {2} -> Dense 2->1 (weights +1 and -1): step 1..4 input +1 (rate p=1), then -1.
  // Driven here directly: one neuron, z = 1 for 4 steps via a radix-free construction is
  // not available, so check the model policy on its own.
  neurons::DoubleThreshold m{1.0f, true};
  std::vector<float> v{0.0f};
  std::vector<std::int32_t> count{0};
  const float th = 1.0f;
  int net = 0;
  std::vector<std::int32_t> ids(17);
  const neurons::Scan scan{ids.data()};
  auto emit = [&](std::int32_t, float s) { net += static_cast<int>(s); };
  for (int k = 0; k < 3; ++k) v[0] += 1.0f, m.fire({v.data(), count.data(), &th, 1, 1}, scan, emit);
  CHECK(net == 3);
  for (int k = 0; k < 6; ++k) v[0] -= 1.0f, m.fire({v.data(), count.data(), &th, 1, 1}, scan, emit);
  CHECK(net == 0);
  CHECK(count[0] == 0);
}

TEST_CASE("binary/ternary network: one step of the double-threshold engine equals the integer ANN") {
  std::mt19937 rng(5);
  const int n0 = 40, n1 = 30, n2 = 20, n3 = 4;
  auto ternary = [&](std::size_t n) { return dyadic(rng, n, -1, 1, 1.0f); };
  Graph g;
  g.layers.push_back(input_layer({n0}));
  g.layers.push_back(dense_layer("t1", 0, n0, n1, ternary(static_cast<std::size_t>(n0) * n1)));
  g.layers.push_back(dense_layer("t2", 1, n1, n2, ternary(static_cast<std::size_t>(n1) * n2)));
  g.layers.push_back(dense_layer("out", 2, n2, n3, ternary(static_cast<std::size_t>(n2) * n3)));
  g.output = 3;
  validate(g);
  LayerSpec ls;
  ls.neuron = NeuronKind::DoubleThreshold;
  ls.threshold = {2.0f};
  ls.negative_only_if_positive = false;
  SnnSpec s = spec_for(g, ls, EncoderKind::Rate, 1);
  const SpikingNetwork net = compile(g, s);
  for (int trial = 0; trial < 20; ++trial) {
    const auto x = dyadic(rng, n0, -1, 1, 1.0f);  // {-1, 0, +1}: rate p = 1 sends sign(x)
    auto layer = [&](const std::vector<float>& a, const Layer& l, bool act) {
      const int in = l.weight_shape[0], out = l.weight_shape[1];
      std::vector<float> z(static_cast<std::size_t>(out), 0.0f);
      for (int i = 0; i < in; ++i)
        for (int o = 0; o < out; ++o) z[static_cast<std::size_t>(o)] += a[static_cast<std::size_t>(i)] * l.weight[static_cast<std::size_t>(i) * out + o];
      if (act)
        for (float& v : z) v = v >= 2.0f ? 1.0f : (v <= -2.0f ? -1.0f : 0.0f);
      return z;
    };
    const auto a1 = layer(x, g.layers[1], true);
    const auto a2 = layer(a1, g.layers[2], true);
    const auto logits = layer(a2, g.layers[3], false);
    const auto tr = simulate(net, x, static_cast<std::size_t>(trial));
    CHECK(tr.readout.back() == logits);
  }
}

namespace {

// The K-bit quantized ANN of a small network, clip-floor activations with act_max 1,
// reference = Graph forward() with act_bits.
void check_radix_against_quantized_ann(int base, int digits, bool cnn, bool fold) {
  std::mt19937 rng(static_cast<unsigned>(base * 100 + digits));
  Graph g;
  if (cnn) {
    g = small_cnn(21, true);
  } else {
    g.layers.push_back(input_layer({30}));
    g.layers.push_back(dense_layer("h1", 0, 30, 20, dyadic(rng, 600, -16, 16, 64.0f), dyadic(rng, 20, -8, 8, 64.0f)));
    g.layers.push_back(dense_layer("h2", 1, 20, 16, dyadic(rng, 320, -16, 16, 64.0f), dyadic(rng, 16, -8, 8, 64.0f)));
    g.layers.push_back(dense_layer("out", 2, 16, 6, dyadic(rng, 96, -16, 16, 64.0f), dyadic(rng, 6, -8, 8, 64.0f)));
    g.layers.back().act = Act::Linear;
    g.output = 3;
  }
  const int bits = static_cast<int>(std::lround(digits * std::log2(base)));
  for (auto& l : g.layers)
    if (l.act == Act::ReLU) l.act = Act::ClippedReLU, l.act_max = 1.0f, l.act_bits = bits;
  // The quantized ANN also quantizes its input to the same grid (the radix encoder).
  validate(g);
  LayerSpec ls;
  ls.neuron = NeuronKind::Radix;
  ls.radix_base = base;
  ls.radix_digits = digits;
  ls.threshold = {1.0f};
  SnnSpec s = spec_for(g, ls, EncoderKind::Radix, 0);
  s.input_radix_base = base;
  s.input_radix_digits = digits;
  for (std::size_t i = 0; i < g.layers.size(); ++i)
    if (g.layers[i].op == OpKind::AvgPool2D) s.layers[i].neuron = NeuronKind::None;
  s.layers[static_cast<std::size_t>(g.output)].radix_base = base;
  s.layers[static_cast<std::size_t>(g.output)].radix_digits = digits;
  CompileOptions co;
  co.radix_fold = fold;
  const SpikingNetwork net = compile(g, s, co);
  int hidden = 0;
  for (const auto& p : net.layers()) hidden += p.neuron == NeuronKind::Radix;
  CHECK(net.total_steps() == (hidden + 1) * digits);  // latency K per layer
  const double full = std::pow(base, digits);
  Dataset batch;
  batch.shape = g.input_shape();
  std::vector<std::vector<float>> refs;
  for (int trial = 0; trial < 10; ++trial) {
    auto x = uniform(rng, shape_size(g.input_shape()), 0.0f, 1.0f);
    for (float& v : x) v = static_cast<float>(std::floor(v * full) / full);  // on the grid
    const auto ref = forward(g, x);
    const auto tr = simulate(net, x, static_cast<std::size_t>(trial));
    REQUIRE(tr.readout.size() == static_cast<std::size_t>(net.total_steps()));
    CHECK(tr.readout.back() == ref);  // dyadic weights: exact
    for (float p : tr.trains[1].all_payload()) CHECK((p >= 1 && p < base));
    batch.x.insert(batch.x.end(), x.begin(), x.end());
    refs.push_back(ref);
  }
  // run() passes integers between folded layers (value links) instead of digit trains;
  // the logits are still the quantized ANN's exactly.
  RunOptions o;
  o.keep_logits = true;
  const RunResult r = run(net, batch, o);
  for (std::size_t i = 0; i < refs.size(); ++i) {
    const std::vector<float> got(r.logits.begin() + static_cast<std::ptrdiff_t>(i * refs[i].size()),
                                 r.logits.begin() + static_cast<std::ptrdiff_t>((i + 1) * refs[i].size()));
    CHECK(got == refs[i]);
  }
}

}  // namespace

TEST_CASE("radix B=2: U_K = 2^K sum w a / theta, digits reproduce the K-bit quantized ANN") {
  for (bool fold : {false, true}) {
    CAPTURE(fold);
    check_radix_against_quantized_ann(2, 8, false, fold);
    check_radix_against_quantized_ann(2, 6, true, fold);
  }
}

TEST_CASE("radix B=4: base-4 digits (augmented spikes < 4) reproduce the quantized ANN") {
  for (bool fold : {false, true}) {
    CAPTURE(fold);
    check_radix_against_quantized_ann(4, 4, false, fold);
    check_radix_against_quantized_ann(4, 3, true, fold);
  }
}

TEST_CASE("radix neuron: U_K integrates MSB-first digits exactly - output clip(floor)") {
  // One neuron, weights {3, -1}, inputs n = {200, 37} on 8 bits: U_K = 3*200 - 37 = 563,
  // theta 4 -> q = floor(563/4) = 140; with bias 0.5: U_K += 256*0.5 -> q = 172.
  Graph g;
  g.layers.push_back(input_layer({2}));
  g.layers.push_back(dense_layer("r", 0, 2, 1, {3.0f, -1.0f}));
  g.layers.push_back(dense_layer("out", 1, 1, 1, {1.0f}));
  g.output = 2;
  validate(g);
  LayerSpec ls;
  ls.neuron = NeuronKind::Radix;
  ls.threshold = {4.0f};
  SnnSpec s = spec_for(g, ls, EncoderKind::Radix, 0);
  s.layers[2].threshold = {1.0f};
  const std::vector<float> x{200.0f / 256, 37.0f / 256};
  auto decode = [](const SpikeTrain& t, int first) {
    int q = 0;
    for (int k = 0; k < 8; ++k) {
      q *= 2;
      for (float p : t.payload(first + k)) q += static_cast<int>(p);
    }
    return q;
  };
  auto tr = simulate(compile(g, s), x);
  CHECK(decode(tr.trains[1], 8) == 140);
  CHECK(tr.readout.back()[0] == 140.0f / 256);
  g.layers[1].bias = {0.5f};
  tr = simulate(compile(g, s), x);
  CHECK(decode(tr.trains[1], 8) == 172);
  // Saturation: a large U_K clips to 2^K - 1.
  g.layers[1].weight = {30.0f, 0.0f};
  tr = simulate(compile(g, s), x);
  CHECK(decode(tr.trains[1], 8) == 255);
}

TEST_CASE("encoders: rate is seeded per sample, radix digits, augmented sums") {
  const std::vector<float> x{0.0f, 0.25f, 0.5f, 1.0f, -0.5f};
  SpikeTrain a, b, c;
  a.clear(64), b.clear(64), c.clear(64);
  encoders::rate(x, 1.0f, 64, 7, 3, a);
  encoders::rate(x, 1.0f, 64, 7, 3, b);
  encoders::rate(x, 1.0f, 64, 7, 4, c);
  CHECK(std::vector<std::int32_t>(a.all_ids().begin(), a.all_ids().end()) ==
        std::vector<std::int32_t>(b.all_ids().begin(), b.all_ids().end()));
  CHECK(std::vector<std::int32_t>(a.all_ids().begin(), a.all_ids().end()) !=
        std::vector<std::int32_t>(c.all_ids().begin(), c.all_ids().end()));
  int ones = 0;
  for (int t = 0; t < 64; ++t)
    for (auto id : a.ids(t)) ones += id == 3;
  CHECK(ones == 64);  // p = 1 every step
  std::vector<std::int64_t> levels(x.size());
  a.clear(6);
  encoders::radix(x, 1.0f, 2, 4, levels, a);  // 0.25 -> 0100, 0.5 -> 1000, 1.0 -> 1111 (clipped)
  a.close_until(6);
  CHECK(a.closed_steps() == 6);
  CHECK(a.ids(0).size() == 3);  // 0.5, 1.0, -0.5
  CHECK(a.ids(1).size() == 2);  // 0.25, 1.0
  CHECK(a.ids(4).empty());
  std::vector<float> v(x.size());
  a.clear(4);
  encoders::augmented(x, 0.125f, 0, 4, v, a);  // sum = floor(4 |x| / 0.125)
  std::vector<float> sum(x.size(), 0.0f);
  for (std::size_t e = 0; e < a.events(); ++e) sum[static_cast<std::size_t>(a.all_ids()[e])] += a.all_payload()[e];
  CHECK(sum == std::vector<float>{0, 8, 16, 32, -16});
}

TEST_CASE("radix_level equals clip(floor(|x| / scale * B^K), 0, B^K - 1) at and around every level boundary") {
  std::mt19937 rng(31);
  for (int trial = 0; trial < 2000; ++trial) {
    const int base = 2 << (trial % 2), digits = 1 + trial % 8;
    const double full = std::pow(static_cast<double>(base), digits);
    const float scale = 0.25f + static_cast<float>(rng() % 100) / 16.0f;
    // a level boundary k * scale / full, then a few floats either side, both signs
    float x = static_cast<float>(static_cast<double>(rng() % static_cast<unsigned>(full + 2)) * scale / full);
    for (int s = static_cast<int>(rng() % 7) - 3; s != 0; s += s > 0 ? -1 : 1) x = std::nextafter(x, s > 0 ? 1e9f : -1e9f);
    if (trial % 3 == 0) x = -x;
    const double q = std::floor(static_cast<double>(std::fabs(x)) / scale * full);
    CAPTURE(x);
    CHECK(encoders::radix_level(x, scale, full) == static_cast<std::int64_t>(std::clamp(q, 0.0, full - 1)));
  }
}
