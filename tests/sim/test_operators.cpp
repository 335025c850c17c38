// Operator by operator: the engine against the float reference forward pass (forward() in
// core/graph/forward.cpp) on small hand-built graphs with random dyadic weights (fixed seeds).
//
// How the comparisons are made exact:
//  - Augmented neurons, threshold 1, unbounded coefficient, T = 1: one step sends
//    c = floor(V) for V >= 1 (nothing below), i.e. the activation floor(max(z, 0)). The
//    reference graph gives those layers the clip-floor activation with act_max = 2^20 and
//    act_bits = 20, which forward() evaluates as clamp(floor(z), 0, 2^20 - 1): the same
//    function for |z| < 2^20. Weights are multiples of 1/32, inputs integers (augmented
//    encoder, input_scale 1: the encoder's one-step coefficient is the integer itself) or
//    multiples of 1/8 (direct encoding), so every sum is exact in float whatever the
//    summation order: the readout after the step must equal forward() bit for bit.
//  - A linear path (direct input into a GlobalAvgPool readout): after T steps the readout
//    holds T * forward() exactly (dyadic values, 1/(H*W) a power of two).
//  - Rate coding with inputs in {0, 1} (p = 0 or 1: deterministic spikes) through a
//    MaxPool gate: readout after t steps = t * forward().
//  - Radix K = 8 against the 8-bit clip-floor quantised graph (act_bits = 8, act_max 1),
//    inputs on the 1/256 grid: equal (GUIDE section 2).
// Every reference comes from forward() on the float graph; no number here was produced by
// the engine.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/sim/nets.hpp"

using namespace brisk;
using namespace brisk::test;

namespace {

constexpr int kFloorBits = 20;

// Reference activation of an augmented (theta 1, T 1) population: floor(max(z, 0)).
Layer floor_act(Layer l) {
  l.act = Act::ClippedReLU;
  l.act_bits = kFloorBits;
  l.act_max = std::ldexp(1.0f, kFloorBits);
  return l;
}

Layer zeropad_layer(std::string name, int from, int top, int bottom, int left, int right) {
  Layer l;
  l.name = std::move(name);
  l.op = OpKind::ZeroPad2D;
  l.inputs = {from};
  l.pad_top = top, l.pad_bottom = bottom, l.pad_left = left, l.pad_right = right;
  return l;
}

Layer affine_layer(std::string name, int from, std::vector<float> scale, std::vector<float> shift) {
  Layer l;
  l.name = std::move(name);
  l.op = OpKind::Affine;
  l.inputs = {from};
  l.scale = std::move(scale);
  l.shift = std::move(shift);
  return l;
}

Layer gap_layer(std::string name, int from) {
  Layer l;
  l.name = std::move(name);
  l.op = OpKind::GlobalAvgPool2D;
  l.inputs = {from};
  return l;
}

Layer merge_layer(std::string name, OpKind op, std::vector<int> from) {
  Layer l;
  l.name = std::move(name);
  l.op = op;
  l.inputs = std::move(from);
  return l;
}

Layer window_pool(std::string name, OpKind op, int from, int k, int stride) {
  Layer l = pool_layer(std::move(name), op, from, k);
  l.stride_h = l.stride_w = stride;
  return l;
}

// Weights: multiples of 1/32 in [-1/2, 1/2]; biases: multiples of 1/32 in [-1/4, 1/2].
struct Rand {
  std::mt19937 rng;
  explicit Rand(std::uint32_t seed) : rng(seed) {}
  std::vector<float> w(std::size_t n) { return dyadic(rng, n, -16, 16, 32.0f); }
  std::vector<float> b(std::size_t n) { return dyadic(rng, n, -8, 16, 32.0f); }
};

Layer dense(Rand& r, std::string name, int from, int in, int out, bool hidden = true) {
  Layer l = dense_layer(std::move(name), from, in, out, r.w(static_cast<std::size_t>(in) * out),
                        r.b(static_cast<std::size_t>(out)));
  if (!hidden) {
    l.act = Act::Linear;
    return l;
  }
  return floor_act(l);
}

Layer conv(Rand& r, std::string name, int from, int cin, int cout, int k, int stride, int pad) {
  return floor_act(conv_layer(std::move(name), from, cin, cout, k, stride, pad,
                              r.w(static_cast<std::size_t>(cout) * cin * k * k),
                              r.b(static_cast<std::size_t>(cout))));
}

// Appends Flatten + a linear Dense readout to `classes` outputs and validates.
Graph finish(Graph g, Rand& r, int classes) {
  const int last = static_cast<int>(g.layers.size()) - 1;
  infer_shapes(g);
  const int n = static_cast<int>(shape_size(g.layers.back().out_shape));
  int from = last;
  if (g.layers.back().out_shape.size() == 3) {
    g.layers.push_back(flatten_layer(last));
    from = last + 1;
  }
  g.layers.push_back(dense(r, "out", from, n, classes, false));
  g.output = static_cast<int>(g.layers.size()) - 1;
  validate(g);
  return g;
}

// Augmented neurons (theta 1, unbounded), T = 1; weightless routing layers get no neurons
// (spec_for), plus those listed in `none`.
SnnSpec aug_spec(const Graph& g, EncoderKind enc, std::vector<int> none = {}, int T = 1) {
  LayerSpec ls;
  ls.neuron = NeuronKind::Augmented;
  ls.threshold = {1.0f};
  ls.max_coefficient = 0;
  SnnSpec s = spec_for(g, ls, enc, T);
  s.input_scale = 1.0f;
  for (int i : none) s.layers[static_cast<std::size_t>(i)].neuron = NeuronKind::None;
  return s;
}

// Samples: integers in [-1, 3] for the augmented encoder (its one-step coefficient is the
// value itself), multiples of 1/8 in [-1/2, 3/2] for direct input.
std::vector<std::vector<float>> samples(const Graph& g, EncoderKind enc, std::uint32_t seed, int n = 6) {
  std::mt19937 rng(seed);
  std::vector<std::vector<float>> xs;
  for (int i = 0; i < n; ++i)
    xs.push_back(enc == EncoderKind::Augmented ? dyadic(rng, shape_size(g.input_shape()), -1, 3, 1.0f)
                                               : dyadic(rng, shape_size(g.input_shape()), -4, 12, 8.0f));
  return xs;
}

// simulate() and run() (2 threads) both give readout == scale * forward(g, x), exactly.
// Also requires every layer of the reference to be non-zero on some sample, so that no
// operator is checked on all-zero activations only.
void check_exact(const Graph& g, const SnnSpec& s, const std::vector<std::vector<float>>& xs) {
  const SpikingNetwork net = compile(g, s);
  const int T = net.total_steps();
  std::vector<bool> active(g.layers.size(), false);
  Dataset batch;
  batch.shape = g.input_shape();
  std::vector<std::vector<float>> refs;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    CAPTURE(i);
    std::vector<std::vector<float>> acts;
    const std::vector<float> ref = forward(g, xs[i], &acts);
    for (std::size_t l = 0; l < acts.size(); ++l)
      for (float v : acts[l]) active[l] = active[l] || v != 0.0f;
    std::vector<float> want = ref;
    for (float& v : want) v *= static_cast<float>(T);
    const SampleTrace tr = simulate(net, xs[i], i);
    REQUIRE(tr.readout.size() == static_cast<std::size_t>(T));
    CHECK(tr.readout.back() == want);
    batch.x.insert(batch.x.end(), xs[i].begin(), xs[i].end());
    batch.y.push_back(0);
    refs.push_back(ref);
  }
  for (std::size_t l = 0; l < active.size(); ++l) {
    CAPTURE(g.layers[l].name);
    CHECK(active[l]);
  }
  RunOptions o;
  o.threads = 2;
  o.keep_logits = true;
  const RunResult r = run(net, batch, o);
  const std::size_t k = refs.front().size();
  REQUIRE(r.logits.size() == refs.size() * k);
  for (std::size_t i = 0; i < refs.size(); ++i) {
    CAPTURE(i);
    const std::vector<float> got(r.logits.begin() + static_cast<std::ptrdiff_t>(i * k),
                                 r.logits.begin() + static_cast<std::ptrdiff_t>((i + 1) * k));
    if (T == 1) CHECK(got == refs[i]);  // logits = readout / T (exact division by 1)
    else for (std::size_t c = 0; c < k; ++c) CHECK(got[c] == doctest::Approx(refs[i][c]).epsilon(1e-6));
  }
}

void check_both_encoders(const Graph& g, std::uint32_t seed, std::vector<int> none = {}) {
  for (EncoderKind enc : {EncoderKind::Augmented, EncoderKind::Direct}) {
    const std::string encoder = enc == EncoderKind::Direct ? "direct" : "augmented";
    CAPTURE(encoder);
    check_exact(g, aug_spec(g, enc, none), samples(g, enc, seed));
  }
}

}  // namespace

TEST_CASE("operators vs forward(): Dense (augmented T=1 = floor-ReLU ANN)") {
  Rand r(101);
  Graph g;
  g.layers.push_back(input_layer({12}));
  g.layers.push_back(dense(r, "d1", 0, 12, 10));
  g.layers.push_back(dense(r, "d2", 1, 10, 8));
  check_both_encoders(finish(g, r, 5), 1);
}

TEST_CASE("operators vs forward(): Conv2D stride 2 with padding") {
  for (int size : {7, 8}) {
    CAPTURE(size);
    Rand r(200 + static_cast<std::uint32_t>(size));
    Graph g;
    g.layers.push_back(input_layer({2, size, size}));
    g.layers.push_back(conv(r, "conv_s2", 0, 2, 3, 3, 2, 1));
    g.layers.push_back(conv(r, "conv_s1", 1, 3, 4, 3, 1, 1));
    check_both_encoders(finish(g, r, 4), 2);
  }
}

TEST_CASE("operators vs forward(): AvgPool2D (non-overlapping and overlapping windows)") {
  for (int stride : {2, 1}) {
    CAPTURE(stride);
    for (bool neurons : {true, false}) {
      CAPTURE(neurons);
      Rand r(300 + static_cast<std::uint32_t>(stride));
      Graph g;
      g.layers.push_back(input_layer({2, 6, 6}));
      g.layers.push_back(conv(r, "conv", 0, 2, 3, 3, 1, 1));
      Layer pool = window_pool("avg", OpKind::AvgPool2D, 1, 2, stride);
      g.layers.push_back(neurons ? floor_act(pool) : pool);  // no neurons: the mean passes as is
      check_both_encoders(finish(g, r, 4), 3, neurons ? std::vector<int>{} : std::vector<int>{2});
    }
  }
}

TEST_CASE("operators vs forward(): MaxPool2D gate (augmented T=1)") {
  for (int stride : {2, 1}) {
    CAPTURE(stride);
    Rand r(400 + static_cast<std::uint32_t>(stride));
    Graph g;
    g.layers.push_back(input_layer({2, 6, 6}));
    g.layers.push_back(conv(r, "conv", 0, 2, 3, 3, 1, 1));
    g.layers.push_back(window_pool("max", OpKind::MaxPool2D, 1, 2, stride));
    check_both_encoders(finish(g, r, 4), 4);
  }
}

TEST_CASE("operators vs forward(): MaxPool2D with rate coding (p in {0, 1}): readout(t) = t * forward") {
  Rand r(450);
  Graph g;
  g.layers.push_back(input_layer({2, 4, 4}));
  g.layers.push_back(pool_layer("max", OpKind::MaxPool2D, 0, 2));
  g = finish(g, r, 3);
  LayerSpec ls;
  SnnSpec s = spec_for(g, ls, EncoderKind::Rate, 6);
  const SpikingNetwork net = compile(g, s);
  std::mt19937 rng(45);
  for (int trial = 0; trial < 8; ++trial) {
    const auto x = dyadic(rng, 32, 0, 1, 1.0f);
    const auto ref = forward(g, x);
    const auto tr = simulate(net, x, static_cast<std::size_t>(trial));
    REQUIRE(tr.readout.size() == 6);
    for (int t = 0; t < 6; ++t) {
      std::vector<float> want = ref;
      for (float& v : want) v *= static_cast<float>(t + 1);
      CHECK(tr.readout[static_cast<std::size_t>(t)] == want);
    }
  }
}

TEST_CASE("operators vs forward(): radix K=8 Conv2D stride 2 + MaxPool2D / AvgPool2D = 8-bit quantised ANN") {
  for (OpKind pool : {OpKind::MaxPool2D, OpKind::AvgPool2D}) {
    const std::string name = op_name(pool);
    CAPTURE(name);
    std::mt19937 rng(pool == OpKind::MaxPool2D ? 51 : 52);
    auto w = [&](std::size_t n) { return dyadic(rng, n, -16, 16, 64.0f); };
    Graph g;
    g.layers.push_back(input_layer({2, 8, 8}));
    g.layers.push_back(conv_layer("conv_s2", 0, 2, 4, 3, 2, 1, w(4 * 2 * 9), dyadic(rng, 4, 0, 8, 64.0f)));
    g.layers.push_back(pool_layer("pool", pool, 1, 2));
    g.layers.push_back(flatten_layer(2));
    g.layers.push_back(dense_layer("fc", 3, 16, 6, w(96), dyadic(rng, 6, 0, 8, 64.0f)));
    g.layers.push_back(dense_layer("out", 4, 6, 3, w(18), w(3)));
    g.layers.back().act = Act::Linear;
    g.output = 5;
    for (auto& l : g.layers)
      if (l.act == Act::ReLU) l.act = Act::ClippedReLU, l.act_max = 1.0f, l.act_bits = 8;
    validate(g);
    LayerSpec ls;
    ls.neuron = NeuronKind::Radix;
    ls.radix_base = 2;
    ls.radix_digits = 8;
    ls.threshold = {1.0f};
    SnnSpec s = spec_for(g, ls, EncoderKind::Radix, 0);
    s.input_radix_base = 2;
    s.input_radix_digits = 8;
    s.layers[2].neuron = NeuronKind::None;
    for (bool fold : {false, true}) {
      CAPTURE(fold);
      CompileOptions co;
      co.radix_fold = fold;
      const SpikingNetwork net = compile(g, s, co);
      int nonzero = 0;
      for (int trial = 0; trial < 8; ++trial) {
        auto x = uniform(rng, 128, 0.0f, 1.0f);
        for (float& v : x) v = std::floor(v * 256.0f) / 256.0f;  // on the encoder's grid
        std::vector<std::vector<float>> acts;
        const auto ref = forward(g, x, &acts);
        for (float v : acts[2]) nonzero += v != 0.0f;
        const auto tr = simulate(net, x, static_cast<std::size_t>(trial));
        CHECK(tr.readout.back() == ref);
      }
      CHECK(nonzero > 0);
    }
  }
}

TEST_CASE("operators vs forward(): GlobalAvgPool into the readout") {
  SUBCASE("direct input -> GlobalAvgPool readout: readout after T steps = T * forward") {
    Graph g;
    g.layers.push_back(input_layer({3, 4, 4}));
    g.layers.push_back(gap_layer("gap", 0));
    g.output = 1;
    validate(g);
    for (int T : {1, 5}) {
      CAPTURE(T);
      LayerSpec ls;
      check_exact(g, spec_for(g, ls, EncoderKind::Direct, T), samples(g, EncoderKind::Direct, 61));
    }
  }
  SUBCASE("conv -> GlobalAvgPool readout (augmented T=1)") {
    Rand r(62);
    Graph g;
    g.layers.push_back(input_layer({2, 4, 4}));
    g.layers.push_back(conv(r, "conv", 0, 2, 3, 3, 1, 1));
    g.layers.push_back(gap_layer("gap", 1));
    g.output = 2;
    validate(g);
    check_both_encoders(g, 62);
  }
  SUBCASE("conv -> GlobalAvgPool (no neurons) -> Dense readout") {
    Rand r(63);
    Graph g;
    g.layers.push_back(input_layer({2, 4, 4}));
    g.layers.push_back(conv(r, "conv", 0, 2, 4, 3, 1, 1));
    g.layers.push_back(gap_layer("gap", 1));
    check_both_encoders(finish(g, r, 3), 63, {2});
  }
}

TEST_CASE("operators vs forward(): ZeroPad2D (asymmetric pads)") {
  Rand r(700);
  Graph g;
  g.layers.push_back(input_layer({2, 5, 5}));
  g.layers.push_back(zeropad_layer("pad", 0, 1, 0, 2, 1));
  g.layers.push_back(conv(r, "conv", 1, 2, 3, 3, 1, 0));
  check_both_encoders(finish(g, r, 4), 7);
}

TEST_CASE("operators vs forward(): Affine (per-channel scale and shift)") {
  Rand r(800);
  Graph g;
  g.layers.push_back(input_layer({3, 4, 4}));
  std::vector<float> scale = dyadic(r.rng, 3, -64, 96, 32.0f), shift = r.b(3);
  g.layers.push_back(floor_act(affine_layer("affine", 0, scale, shift)));
  check_both_encoders(finish(g, r, 4), 8);
}

TEST_CASE("operators vs forward(): Add of two conv branches") {
  for (bool neurons : {true, false}) {
    CAPTURE(neurons);
    Rand r(900);
    Graph g;
    g.layers.push_back(input_layer({2, 5, 5}));
    g.layers.push_back(conv(r, "a", 0, 2, 3, 3, 1, 1));
    g.layers.push_back(conv(r, "b", 0, 2, 3, 3, 1, 1));
    Layer add = merge_layer("add", OpKind::Add, {1, 2});
    g.layers.push_back(neurons ? floor_act(add) : add);  // integers: floor changes nothing
    check_both_encoders(finish(g, r, 4), 9, neurons ? std::vector<int>{} : std::vector<int>{3});
  }
}

TEST_CASE("operators vs forward(): Concat of inputs with different channel counts") {
  for (bool neurons : {true, false}) {
    CAPTURE(neurons);
    SUBCASE("images: 3 + 2 channels") {
      Rand r(1000);
      Graph g;
      g.layers.push_back(input_layer({2, 5, 5}));
      g.layers.push_back(conv(r, "a", 0, 2, 3, 3, 1, 1));
      g.layers.push_back(conv(r, "b", 0, 2, 2, 3, 1, 1));
      Layer cat = merge_layer("concat", OpKind::Concat, {1, 2});
      g.layers.push_back(neurons ? floor_act(cat) : cat);
      g.layers.push_back(conv(r, "after", 3, 5, 3, 3, 1, 1));  // mixes channels spatially
      check_both_encoders(finish(g, r, 4), 10, neurons ? std::vector<int>{} : std::vector<int>{3});
    }
    SUBCASE("vectors: 4 + 3 values") {
      Rand r(1001);
      Graph g;
      g.layers.push_back(input_layer({6}));
      g.layers.push_back(dense(r, "a", 0, 6, 4));
      g.layers.push_back(dense(r, "b", 0, 6, 3));
      Layer cat = merge_layer("concat", OpKind::Concat, {1, 2});
      g.layers.push_back(neurons ? floor_act(cat) : cat);
      check_both_encoders(finish(g, r, 5), 11, neurons ? std::vector<int>{} : std::vector<int>{3});
    }
  }
}
