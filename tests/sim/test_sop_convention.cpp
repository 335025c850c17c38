// --count events|spikes (issue 11, item 7): closed forms on tiny networks where the two
// conventions differ by a known amount, derived here from the neuron rules, not read back
// from the engine:
//   augmented layer (direct input, theta 1, unbounded): each step neuron j sends
//     c = floor(V / theta) (V += z_j first, V -= c theta after); a Dense readout of fan-out
//     kOut receives it: events = #(c > 0) * kOut, spikes = sum(c) * kOut;
//   IF conv -> AvgPool 2x2 without neurons -> Dense readout: a pooled cell sends one event
//     per step when any of its 4 inputs fired: events = #(cells with a spike) * fan-out,
//     spikes = #(spikes into the cells) * fan-out.
// Then the radix paths (value links vs digit level) agree in the spikes convention, and
// neither convention depends on the thread count.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/metrics.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/sim/nets.hpp"

using namespace brisk;
using namespace brisk::test;

namespace {

RunResult run_with(const SpikingNetwork& net, const Dataset& d, SopConvention c, int threads = 2) {
  RunOptions o;
  o.threads = threads;
  o.energy.sops = c;
  return run(net, d, o);
}

}  // namespace

TEST_CASE("--count: augmented layer, spikes = sum(c) x fan-out, events = count x fan-out") {
  constexpr int kIn = 5, kHid = 4, kOut = 3, kT = 6;
  std::mt19937 rng(11);
  Graph g;
  const auto w1 = dyadic(rng, kIn * kHid, -4, 16, 8.0f);  // currents of several thresholds
  g.layers.push_back(input_layer({kIn}));
  g.layers.push_back(dense_layer("hidden", 0, kIn, kHid, w1));
  g.layers.push_back(dense_layer("out", 1, kHid, kOut, dyadic(rng, kHid * kOut, -8, 8, 8.0f)));
  g.layers.back().act = Act::Linear;
  g.output = 2;
  validate(g);
  LayerSpec ls;
  ls.neuron = NeuronKind::Augmented;
  ls.threshold = {1.0f};
  const SpikingNetwork net = compile(g, spec_for(g, ls, EncoderKind::Direct, kT));
  Dataset d;
  d.shape = {kIn};
  std::uint64_t events = 0, spikes = 0;
  for (int s = 0; s < 7; ++s) {
    const auto x = dyadic(rng, kIn, 0, 8, 4.0f);
    d.x.insert(d.x.end(), x.begin(), x.end());
    d.y.push_back(0);
    for (int j = 0; j < kHid; ++j) {
      double z = 0, v = 0;
      for (int i = 0; i < kIn; ++i) z += x[static_cast<std::size_t>(i)] * w1[static_cast<std::size_t>(i * kHid + j)];
      for (int t = 0; t < kT; ++t) {
        v += z;
        const double c = std::floor(v);
        if (c <= 0) continue;
        v -= c;
        events += kOut;
        spikes += static_cast<std::uint64_t>(c) * kOut;
      }
    }
  }
  REQUIRE(spikes > events);  // some coefficient above 1: the conventions differ
  const RunResult e = run_with(net, d, SopConvention::Events), k = run_with(net, d, SopConvention::Spikes);
  CHECK(e.total_sops == events);
  CHECK(k.total_sops == spikes);
  CHECK(k.layers[2].sops == spikes);
  CHECK(e.total_spikes == k.total_spikes);  // spike counts are events in both
  // Energy follows the convention.
  CHECK(k.snn_energy_pj == doctest::Approx((0.9 * static_cast<double>(spikes) +
                                            4.6 * static_cast<double>(k.total_analog_macs)) / 7));
  CHECK(e.snn_energy_pj == doctest::Approx((0.9 * static_cast<double>(events) +
                                            4.6 * static_cast<double>(e.total_analog_macs)) / 7));
}

TEST_CASE("--count: a pooled cell is one event, or the spikes it pooled") {
  constexpr int kC = 2, kH = 4, kT = 8, kOut = 3;
  std::mt19937 rng(12);
  Graph g;
  const auto wc = dyadic(rng, kC, 1, 8, 8.0f);  // 1x1 conv: z = w_c x (in [0, 1])
  g.layers.push_back(input_layer({1, kH, kH}));
  g.layers.push_back(conv_layer("conv", 0, 1, kC, 1, 1, 0, wc));
  g.layers.push_back(pool_layer("pool", OpKind::AvgPool2D, 1, 2));
  g.layers.push_back(flatten_layer(2));
  g.layers.push_back(dense_layer("out", 3, kC * 4, kOut, dyadic(rng, kC * 4 * kOut, -8, 8, 8.0f)));
  g.layers.back().act = Act::Linear;
  g.output = 4;
  validate(g);
  LayerSpec ls;
  ls.threshold = {1.0f};
  SnnSpec spec = spec_for(g, ls, EncoderKind::Direct, kT);
  spec.layers[2].neuron = NeuronKind::None;  // as conversion makes it: a weightless pool
  const SpikingNetwork net = compile(g, spec);
  Dataset d;
  d.shape = {1, kH, kH};
  std::uint64_t events = 0, spikes = 0;
  for (int s = 0; s < 5; ++s) {
    const auto x = dyadic(rng, kH * kH, 0, 8, 8.0f);
    d.x.insert(d.x.end(), x.begin(), x.end());
    d.y.push_back(0);
    // IF, V0 = 0, subtract reset, constant z <= 1: a spike at step t iff
    // floor((t+1) z) > floor(t z) (exact: dyadic).
    auto fires = [&](int c, int y, int xx, int t) {
      const double z = static_cast<double>(wc[static_cast<std::size_t>(c)]) * x[static_cast<std::size_t>(y * kH + xx)];
      return std::floor((t + 1) * z) > std::floor(t * z);
    };
    for (int t = 0; t < kT; ++t)
      for (int c = 0; c < kC; ++c)
        for (int py = 0; py < 2; ++py)
          for (int px = 0; px < 2; ++px) {
            int n = 0;
            for (int dy = 0; dy < 2; ++dy)
              for (int dx = 0; dx < 2; ++dx) n += fires(c, 2 * py + dy, 2 * px + dx, t);
            events += n > 0 ? kOut : 0;
            spikes += static_cast<std::uint64_t>(n) * kOut;
          }
  }
  REQUIRE(spikes > events);
  const RunResult e = run_with(net, d, SopConvention::Events), k = run_with(net, d, SopConvention::Spikes);
  CHECK(e.layers[4].sops == events);
  CHECK(k.layers[4].sops == spikes);
  CHECK(e.total_sops == events);
  CHECK(k.total_sops == spikes);
}

TEST_CASE("--count spikes: radix value links equal the digit-level run, with no thread-count dependence") {
  std::mt19937 rng(13);
  Dataset d;
  d.shape = {1, 8, 8};
  d.x = uniform(rng, 17 * 64, 0.0f, 1.0f);
  for (int i = 0; i < 17; ++i) d.y.push_back(static_cast<std::int32_t>(rng() % 5));
  const Graph g = small_cnn(5, true);
  LayerSpec ls;
  ls.neuron = NeuronKind::Radix;
  ls.radix_base = 4;
  ls.radix_digits = 4;
  ls.threshold = {0.3f};
  SnnSpec s = spec_for(g, ls, EncoderKind::Radix, 0);
  s.input_radix_base = 4;
  s.input_radix_digits = 4;
  for (std::size_t i = 0; i < g.layers.size(); ++i)
    if (g.layers[i].op == OpKind::AvgPool2D) s.layers[i].neuron = NeuronKind::None;
  CompileOptions values, digits;
  digits.radix_values = false;
  const SpikingNetwork vnet = compile(g, s, values), dnet = compile(g, s, digits);
  const RunResult a = run_with(vnet, d, SopConvention::Spikes), b = run_with(dnet, d, SopConvention::Spikes);
  const RunResult e = run_with(vnet, d, SopConvention::Events);
  CHECK(a.sample_sops == b.sample_sops);
  for (std::size_t l = 0; l < a.layers.size(); ++l) {
    CAPTURE(l);
    CHECK(a.layers[l].sops == b.layers[l].sops);
    CHECK(a.layers[l].sops >= e.layers[l].sops);  // a digit d >= 1 counts d
  }
  CHECK(a.total_sops > e.total_sops);  // base 4: digits 2 and 3 occur
  // Per sample in the digit-level trace (simulate()) too.
  RunOptions o;
  o.energy.sops = SopConvention::Spikes;
  for (std::size_t i = 0; i < 3; ++i) {
    const SampleTrace tr = simulate(dnet, d.sample(i), i, o);
    std::uint64_t sum = 0;
    for (auto x : tr.sops) sum += x;
    CHECK(sum == a.sample_sops[i]);
  }
  // Thread count: 1 vs 3 workers, both conventions, a rate CNN with pools.
  LayerSpec ifs;
  ifs.threshold = {0.3f};
  SnnSpec rs = spec_for(g, ifs, EncoderKind::Rate, 8);
  for (std::size_t i = 0; i < g.layers.size(); ++i)
    if (g.layers[i].op == OpKind::AvgPool2D) rs.layers[i].neuron = NeuronKind::None;
  const SpikingNetwork rnet = compile(g, rs);
  for (SopConvention c : {SopConvention::Events, SopConvention::Spikes}) {
    const RunResult one = run_with(rnet, d, c, 1), three = run_with(rnet, d, c, 3);
    CHECK(one.sample_sops == three.sample_sops);
    CHECK(one.total_sops == three.total_sops);
  }
}

TEST_CASE("--count: the names") {
  CHECK(parse_sop_convention("events") == SopConvention::Events);
  CHECK(parse_sop_convention("spikes") == SopConvention::Spikes);
  CHECK_FALSE(parse_sop_convention("foo").has_value());
  CHECK(std::string(sop_convention_name(SopConvention::Spikes)) == "spikes");
}
