// Branching graphs (residual blocks, Concat, BatchNorm after an Add) converted by every
// method and simulated by the engine, against independent references written here:
//  - AugMapping at T = 1 is exact: every population outputs θ·clamp(floor((x + θ/2)/θ), 0,
//    2^b - 1) once, which is the original graph with a clip-floor activation (act_max
//    2^b θ, b bits) and θ/2 added to the pre-activation — built here from the *original*
//    model (not the prepared one), so it checks the canonical form too;
//  - radix reproduces the K-bit quantized ANN: the original model with clip-floor at λ;
//  - rate/IF converges to the float ANN as T grows.
#include <doctest/doctest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include <brisk/conversion/convert.hpp>
#include <brisk/conversion/mapping.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/conversion/nets.hpp"

using namespace brisk;
using namespace brisk::convtest;

namespace {

int add_layer(Graph& g, Layer l) {
  g.layers.push_back(std::move(l));
  return static_cast<int>(g.layers.size()) - 1;
}

int conv(Graph& g, const std::string& name, int from, int cin, int cout, int k, int stride, Act act,
         std::uint32_t seed, float bias_lo = 0.0f) {
  Layer l = make_layer(name, OpKind::Conv2D, {from});
  const float r = 1.6f / std::sqrt(static_cast<float>(cin * k * k));
  l.weight = random_values(static_cast<std::size_t>(cout * cin * k * k), -r, 1.2f * r, seed);
  l.weight_shape = {cout, cin, k, k};
  l.bias = random_values(static_cast<std::size_t>(cout), bias_lo, bias_lo + 0.2f, seed + 100);
  l.kernel_h = l.kernel_w = k;
  l.stride_h = l.stride_w = stride;
  l.pad_top = l.pad_bottom = l.pad_left = l.pad_right = k / 2;
  l.act = act;
  return add_layer(g, l);
}

int relu(Graph& g, const std::string& name, int from) {
  Layer l = make_layer(name, OpKind::Activation, {from});
  l.act = Act::ReLU;
  return add_layer(g, l);
}

int affine(Graph& g, const std::string& name, int from, int channels, std::uint32_t seed) {
  Layer l = make_layer(name, OpKind::Affine, {from});
  l.scale = random_values(static_cast<std::size_t>(channels), 0.6f, 1.4f, seed);
  l.shift = random_values(static_cast<std::size_t>(channels), -0.1f, 0.2f, seed + 1);
  return add_layer(g, l);
}

int head(Graph& g, int from, int channels, std::uint32_t seed) {
  const int gap = add_layer(g, make_layer("gap", OpKind::GlobalAvgPool2D, {from}));
  Layer fc = make_layer("fc", OpKind::Dense, {gap});
  fc.weight = random_values(static_cast<std::size_t>(channels * 4), -0.8f, 0.8f, seed);
  fc.weight_shape = {channels, 4};
  fc.bias = random_values(4, -0.1f, 0.1f, seed + 1);
  return add_layer(g, fc);
}

struct ResNetOptions {
  bool bn_after_add = false;  // block 2: relu(bn(conv + proj)) with the BN unfoldable
  bool projection_bn = true;  // block 2's projection has a (foldable) BN
};

// Input {2,8,8} -> stem conv 4 relu -> block 1 (identity shortcut): relu(b1(relu(a1(x))) + x)
// -> block 2 (stride 2, 1x1 projection): relu(b2(relu(a2(x))) + proj(x)) -> GAP -> fc 4.
Graph small_resnet(std::uint32_t seed, ResNetOptions o = {}) {
  Graph g;
  Layer in = make_layer("input", OpKind::Input, {});
  in.out_shape = {2, 8, 8};
  g.layers.push_back(in);
  const int stem = conv(g, "stem", 0, 2, 4, 3, 1, Act::ReLU, seed);
  const int a1 = conv(g, "a1", stem, 4, 4, 3, 1, Act::ReLU, seed + 1);
  const int b1 = conv(g, "b1", a1, 4, 4, 3, 1, Act::Linear, seed + 2, -0.1f);
  Layer add1 = make_layer("add1", OpKind::Add, {b1, stem});
  const int r1 = relu(g, "relu1", add_layer(g, add1));
  const int a2 = conv(g, "a2", r1, 4, 6, 3, 2, Act::ReLU, seed + 3);
  const int b2 = conv(g, "b2", a2, 6, 6, 3, 1, Act::Linear, seed + 4, -0.1f);
  int proj = conv(g, "proj", r1, 4, 6, 1, 2, Act::Linear, seed + 5);
  if (o.projection_bn) proj = affine(g, "proj_bn", proj, 6, seed + 6);
  Layer add2 = make_layer("add2", OpKind::Add, {b2, proj});
  int last = add_layer(g, add2);
  if (o.bn_after_add) last = affine(g, "bn2", last, 6, seed + 7);
  last = relu(g, "relu2", last);
  g.output = head(g, last, 6, seed + 8);
  validate(g);
  return g;
}

// Input {2,8,8} -> stem 3 relu -> {c1: 3x3 conv 3 relu, c2: 1x1 conv 5 relu} -> Concat (8)
// -> conv 4 relu -> GAP -> fc. c1 and c2 get different thresholds.
Graph small_concat(std::uint32_t seed) {
  Graph g;
  Layer in = make_layer("input", OpKind::Input, {});
  in.out_shape = {2, 8, 8};
  g.layers.push_back(in);
  const int stem = conv(g, "stem", 0, 2, 3, 3, 1, Act::ReLU, seed);
  const int c1 = conv(g, "c1", stem, 3, 3, 3, 1, Act::ReLU, seed + 1);
  const int c2 = conv(g, "c2", stem, 3, 5, 1, 1, Act::ReLU, seed + 2);
  for (float& w : g.layers[static_cast<std::size_t>(c2)].weight) w *= 3.0f;  // a larger scale
  const int cat = add_layer(g, make_layer("cat", OpKind::Concat, {c1, c2}));
  const int c3 = conv(g, "c3", cat, 8, 4, 3, 1, Act::ReLU, seed + 3);
  g.output = head(g, c3, 4, seed + 4);
  validate(g);
  return g;
}

Layer& by_name(Graph& g, const std::string& name) {
  for (auto& l : g.layers)
    if (l.name == name) return l;
  FAIL("no layer " << name);
  throw;
}

// The original model with each spiking population's activation replaced by clip-floor
// (act_max `m(θ, λ)`, `bits`), plus `shift(θ)` added to its pre-activation. A population of
// the converted network is a ReLU conv, or the ReLU after an Add or a BatchNorm (whose
// Activation layer follows it in the original model).
template <class Max, class Shift>
Graph clip_floor_reference(Graph g, const Conversion& c, int bits, Max m, Shift shift) {
  const auto roles = layer_roles(c.ann);
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (roles[i] != Role::Neurons) continue;
    const std::string& name = c.ann.layers[i].name;
    const float theta = c.spec.layers[i].threshold.at(0), lambda = c.lambda[i].at(0);
    Layer& l = by_name(g, name);
    Layer* act = &l;
    if (l.op == OpKind::Add || l.op == OpKind::Affine) {
      const int idx = static_cast<int>(&l - g.layers.data());
      for (auto& k : g.layers)
        if (k.op == OpKind::Activation && k.inputs == std::vector<int>{idx}) act = &k;
      REQUIRE(act != &l);
    }
    // θ/2 (V0) enters the pre-activation: a conv's bias, a BN's shift, or the Add's
    // first branch's bias.
    std::vector<float>* b = &l.bias;
    if (l.op == OpKind::Affine) b = &l.shift;
    if (l.op == OpKind::Add) b = &g.layers[static_cast<std::size_t>(l.inputs[0])].bias;
    for (float& v : *b) v += shift(theta);
    act->act = Act::ClippedReLU;
    act->act_max = m(theta, lambda);
    act->act_bits = bits;
  }
  validate(g);
  return g;
}

struct Agreement {
  std::size_t agree = 0, close = 0, n = 0;
  double max_err = 0;
};

Agreement compare(const Graph& ref, const Conversion& c, const Dataset& d, const RunOptions& base = {}) {
  const SpikingNetwork net = compile(c.graph, c.spec);
  RunOptions ro = base;
  ro.keep_logits = true;
  ro.threads = 2;
  const RunResult r = run(net, d, ro);
  Agreement a;
  a.n = d.count();
  for (std::size_t i = 0; i < d.count(); ++i) {
    const auto logits = forward(ref, d.sample(i));
    const auto pred = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    a.agree += r.predictions[i] == pred ? 1 : 0;
    double e = 0;
    for (std::size_t k = 0; k < logits.size(); ++k)
      e = std::max(e, double(std::abs(logits[k] - r.logits[i * logits.size() + k])));
    a.close += e < 1e-4 ? 1 : 0;
    a.max_err = std::max(a.max_err, e);
  }
  return a;
}

Conversion convert_with(const Graph& g, const Dataset& d, Method m, int T) {
  ConvertOptions o;
  o.mapping.method = m;
  o.mapping.timesteps = T;
  o.mapping.radix_digits = 8;
  o.calib_samples = 200;
  o.threads = 2;
  return convert(g, &d, "random", o);
}

Agreement augmap_exact(const Graph& g, const Dataset& d) {
  const Conversion c = convert_with(g, d, Method::AugMap, 1);
  const int bits = 4;
  const Graph ref = clip_floor_reference(
      g, c, bits, [&](float theta, float) { return theta * std::ldexp(1.0f, bits); },
      [](float theta) { return theta / 2; });
  return compare(ref, c, d);
}

}  // namespace

TEST_SUITE("branches") {
TEST_CASE("residual blocks in canonical form: populations after the Adds, synapses into them") {
  const Graph g = small_resnet(1);
  const Graph p = prepare_for_conversion(g);
  const auto roles = layer_roles(p);
  auto role = [&](const std::string& n) {
    for (std::size_t i = 0; i < p.layers.size(); ++i)
      if (p.layers[i].name == n) return roles[i];
    FAIL("no layer " << n);
    return Role::Input;
  };
  CHECK(role("add1") == Role::Neurons);  // the ReLU after the Add is fused into it
  CHECK(role("add2") == Role::Neurons);
  CHECK(role("b1") == Role::Synapse);
  CHECK(role("b2") == Role::Synapse);
  CHECK(role("proj") == Role::Synapse);  // its BN folded
  CHECK(role("add1/shortcut1") == Role::Synapse);  // the identity shortcut
  CHECK(role("a1") == Role::Neurons);
  // The branch biases moved to the population: same function.
  const Dataset d = noise_dataset(g, 20, 3);
  for (std::size_t i = 0; i < d.count(); ++i) {
    const auto a = forward(g, d.sample(i)), b = forward(p, d.sample(i));
    for (std::size_t k = 0; k < a.size(); ++k) CHECK(a[k] == doctest::Approx(b[k]).epsilon(1e-5));
  }
}

TEST_CASE("augmap T = 1 is exact on residual blocks (identity and projection shortcut)") {
  const Graph g = small_resnet(2);
  const Dataset d = noise_dataset(g, 200, 4);
  const Agreement a = augmap_exact(g, d);
  CHECK(a.agree >= a.n - 1);
  CHECK(a.close >= a.n - 2);  // float rounding may move one floor boundary
}

TEST_CASE("augmap T = 1 is exact with an unfolded BatchNorm after the Add") {
  ResNetOptions o;
  o.bn_after_add = true;
  o.projection_bn = false;
  const Graph g = small_resnet(3, o);
  const Graph p = prepare_for_conversion(g);
  CHECK(p.layers[static_cast<std::size_t>(p.output) - 2].op == OpKind::Affine);  // bn2 kept
  const Dataset d = noise_dataset(g, 200, 5);
  const Agreement a = augmap_exact(g, d);
  CHECK(a.agree >= a.n - 1);
  CHECK(a.close >= a.n - 2);
}

TEST_CASE("augmap T = 1 is exact through a Concat of populations with different thresholds") {
  const Graph g = small_concat(4);
  const Dataset d = noise_dataset(g, 200, 6);
  const Conversion c = convert_with(g, d, Method::AugMap, 1);
  const auto& th = c.spec.layers;
  CHECK(th[2].threshold[0] != doctest::Approx(th[3].threshold[0]));
  const Agreement a = augmap_exact(g, d);
  CHECK(a.agree >= a.n - 1);
  CHECK(a.close >= a.n - 2);
}

TEST_CASE("radix K = 8 reproduces the quantized ANN of a residual network") {
  for (const bool bn : {false, true}) {
    ResNetOptions o;
    o.bn_after_add = bn;
    const Graph g = small_resnet(5 + (bn ? 1u : 0u), o);
    const Dataset d = noise_dataset(g, 200, 7);
    const Conversion c = convert_with(g, d, Method::Radix, 8);
    const Graph ref = clip_floor_reference(
        g, c, 8, [](float, float lambda) { return lambda; }, [](float) { return 0.0f; });
    for (const bool fold : {true, false}) {
      const SpikingNetwork probe = compile(c.graph, c.spec);
      CHECK(probe.total_steps() > 8 * 4);  // the shortcuts wait K steps per population skipped
      CompileOptions co;
      co.radix_fold = fold;
      const SpikingNetwork net = compile(c.graph, c.spec, co);
      RunOptions ro;
      ro.keep_logits = true;
      ro.threads = 2;
      const RunResult r = run(net, d, ro);
      std::size_t agree = 0, close = 0;
      for (std::size_t i = 0; i < d.count(); ++i) {
        const auto logits = forward(ref, d.sample(i));
        const auto pred = static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        agree += r.predictions[i] == pred ? 1 : 0;
        double e = 0;
        for (std::size_t k = 0; k < logits.size(); ++k)
          e = std::max(e, double(std::abs(logits[k] - r.logits[i * logits.size() + k])));
        close += e < 1e-4 ? 1 : 0;
      }
      INFO("bn after add " << bn << ", fold " << fold);
      CHECK(agree >= d.count() - 1);
      CHECK(close >= d.count() - 2);
    }
    // The mapping's own quantized ANN is the same network.
    const Graph q = reference_ann(c);
    for (std::size_t i = 0; i < 20; ++i) {
      const auto a = forward(ref, d.sample(i)), b = forward(q, d.sample(i));
      for (std::size_t k = 0; k < a.size(); ++k) CHECK(a[k] == doctest::Approx(b[k]).epsilon(1e-4));
    }
  }
}

TEST_CASE("rate and termap converge to the float ANN on a residual network") {
  const Graph g = small_resnet(8);
  const Dataset d = noise_dataset(g, 200, 8);
  for (const Method m : {Method::Rate, Method::TerMap}) {
    double err8 = 0, err128 = 0;
    std::size_t agree128 = 0;
    for (const int T : {8, 128}) {
      const Conversion c = convert_with(g, d, m, T);
      const SpikingNetwork net = compile(c.graph, c.spec);
      RunOptions ro;
      ro.keep_logits = true;
      ro.threads = 2;
      const RunResult r = run(net, d, ro);
      double e = 0;
      for (std::size_t i = 0; i < d.count(); ++i) {
        const auto logits = forward(g, d.sample(i));
        for (std::size_t k = 0; k < logits.size(); ++k) {
          const double diff = double(logits[k]) - double(r.logits[i * logits.size() + k]);  // run() divides by T
          e += diff * diff;
        }
        if (T == 128) agree128 += r.predictions[i] == d.y[i] ? 1 : 0;
      }
      (T == 8 ? err8 : err128) = e / static_cast<double>(d.count());
      // SOPs are counted where the synaptic work is: never at the Add populations.
      for (const auto& l : r.layers)
        if (l.name == "add1" || l.name == "add2") CHECK(l.sops == 0);
    }
    INFO(method_name(m) << ": logit mse T=8 " << err8 << ", T=128 " << err128);
    CHECK(err128 < err8 / 4);
    CHECK(agree128 >= d.count() * 95 / 100);
  }
}

TEST_CASE("calibration through residual blocks reduces the per-layer error") {
  const Graph g = small_resnet(9);
  const Dataset d = noise_dataset(g, 300, 9);
  ConvertOptions o;
  o.mapping.timesteps = 4;
  o.calib_samples = 300;
  o.threads = 2;
  const auto plain = nlohmann::json::parse(convert(g, &d, "random", o).calibration_report);
  o.calibration.weights = o.calibration.bias = o.calibration.potential = true;
  const auto cal = nlohmann::json::parse(convert(g, &d, "random", o).calibration_report);
  REQUIRE(plain["layers"].size() == cal["layers"].size());
  double before = 0, after = 0;
  for (std::size_t i = 0; i < cal["layers"].size(); ++i) {
    const auto& l = cal["layers"][i];
    before += plain["layers"][i]["mse_after"].get<double>();
    after += l["mse_after"].get<double>();
    if (l["layer"] == "add1" || l["layer"] == "add2") {  // populations fed by two branches
      CHECK(!l["mse_after_bias"].is_null());
      CHECK(!l["mse_after_potential"].is_null());
      // Both branches' synapses fitted jointly: the population's error falls.
      REQUIRE(!l["mse_after_weights"].is_null());
      CHECK(l["mse_after_weights"].get<double>() < l["mse_before"].get<double>());
    }
  }
  CHECK(after < before);
  const auto& last = cal["layers"].back();  // the readout, fed through the residual blocks
  CHECK(last["mse_after"].get<double>() < plain["layers"].back()["mse_after"].get<double>());
}

TEST_CASE("a residual sum without ReLU feeding a non-linear layer is refused, naming it") {
  Graph g = small_resnet(10);
  // add2 -> relu2 becomes add2 -> max pool -> relu.
  for (auto& l : g.layers)
    if (l.name == "relu2") {
      l.op = OpKind::MaxPool2D;
      l.act = Act::ReLU;
      l.kernel_h = l.kernel_w = l.stride_h = l.stride_w = 2;
    }
  validate(g);
  CHECK_THROWS_WITH_AS(prepare_for_conversion(g),
                       doctest::Contains("layer 'add2' (Add): its output has no ReLU and feeds"),
                       InputError);
  // The same without branch biases (nothing to move: the roles refuse it).
  for (auto& l : g.layers)
    if (l.name == "b2" || l.name == "proj") l.bias.clear();
  for (auto& l : g.layers)
    if (l.name == "proj_bn") std::fill(l.shift.begin(), l.shift.end(), 0.0f);
  CHECK_THROWS_WITH_AS(prepare_for_conversion(g),
                       doctest::Contains("layer 'add2' (Add): its output has no ReLU and feeds 'relu2' (MaxPool2D)"),
                       InputError);
  Graph h = small_resnet(11);  // a linear branch conv feeding something other than an Add
  for (auto& l : h.layers)
    if (l.name == "a1") l.act = Act::Linear;
  CHECK_THROWS_WITH_AS(prepare_for_conversion(h), doctest::Contains("layer 'a1' (Conv2D)"), InputError);
}
}
