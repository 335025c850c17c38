// --record-membrane (issue 11, item 5): SampleTrace::membrane, the potentials after each
// step, against an IF simulation written here (dyadic weights and inputs: every float sum
// is exact, so the comparison is exact): Input {kIn} direct -> Dense (IF, theta 1,
// subtract reset) -> Dense (IF) -> Dense readout. Per step:
//   V1 += z1 (z1 = W1 x + b1); s1 = V1 >= 1; V1 -= s1
//   V2 += W2 s1 + b2;          s2 = V2 >= 1; V2 -= s2
//   V3 += W3 s2 + b3           (the readout keeps its potential: the logits)
// Also: the spike trains with membranes recorded equal those without (the recording runs
// the layer step by step instead of the whole-window IF kernel, with the same result), the
// chosen layers only, and none for weightless layers.
#include <doctest/doctest.h>

#include <random>

#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/sim/nets.hpp"

using namespace brisk;
using namespace brisk::test;

namespace {

constexpr int kIn = 4, kH1 = 5, kH2 = 3, kOut = 2, kT = 9;

std::vector<double> matvec(const std::vector<float>& w, int in, int out, const std::vector<double>& x,
                           const std::vector<float>& b) {
  std::vector<double> y(static_cast<std::size_t>(out), 0.0);
  for (int o = 0; o < out; ++o) {
    y[static_cast<std::size_t>(o)] = b.empty() ? 0.0 : b[static_cast<std::size_t>(o)];
    for (int i = 0; i < in; ++i) y[static_cast<std::size_t>(o)] += x[static_cast<std::size_t>(i)] * w[static_cast<std::size_t>(i * out + o)];
  }
  return y;
}

}  // namespace

TEST_CASE("--record-membrane: potentials after each step equal an independent IF simulation") {
  std::mt19937 rng(21);
  const auto w1 = dyadic(rng, kIn * kH1, -4, 12, 16.0f), b1 = dyadic(rng, kH1, -2, 4, 16.0f);
  const auto w2 = dyadic(rng, kH1 * kH2, -8, 12, 16.0f), b2 = dyadic(rng, kH2, -2, 4, 16.0f);
  const auto w3 = dyadic(rng, kH2 * kOut, -8, 8, 16.0f), b3 = dyadic(rng, kOut, -2, 2, 16.0f);
  Graph g;
  g.layers.push_back(input_layer({kIn}));
  g.layers.push_back(dense_layer("h1", 0, kIn, kH1, w1, b1));
  g.layers.push_back(dense_layer("h2", 1, kH1, kH2, w2, b2));
  g.layers.push_back(dense_layer("out", 2, kH2, kOut, w3, b3));
  g.layers.back().act = Act::Linear;
  g.output = 3;
  validate(g);
  LayerSpec ls;
  ls.threshold = {1.0f};
  const SpikingNetwork net = compile(g, spec_for(g, ls, EncoderKind::Direct, kT));
  RunOptions o;
  o.keep_membrane = true;
  int fired = 0;
  for (int s = 0; s < 6; ++s) {
    const auto xf = dyadic(rng, kIn, 0, 8, 4.0f);
    const std::vector<double> x(xf.begin(), xf.end());
    const SampleTrace tr = simulate(net, xf, static_cast<std::size_t>(s), o);
    REQUIRE(tr.membrane.size() == 4);
    CHECK(tr.membrane[0].empty());  // the input has no population
    REQUIRE(tr.membrane[1].size() == static_cast<std::size_t>(kT * kH1));
    REQUIRE(tr.membrane[2].size() == static_cast<std::size_t>(kT * kH2));
    REQUIRE(tr.membrane[3].size() == static_cast<std::size_t>(kT * kOut));
    const std::vector<double> z1 = matvec(w1, kIn, kH1, x, b1);
    std::vector<double> v1(kH1, 0.0), v2(kH2, 0.0), v3(kOut, 0.0);
    for (int t = 0; t < kT; ++t) {
      std::vector<double> s1(kH1, 0.0), s2(kH2, 0.0);
      for (int j = 0; j < kH1; ++j) {
        v1[j] += z1[j];
        if (v1[j] >= 1.0) s1[j] = 1, v1[j] -= 1.0, ++fired;
      }
      const auto i2 = matvec(w2, kH1, kH2, s1, b2);
      for (int j = 0; j < kH2; ++j) {
        v2[j] += i2[j];
        if (v2[j] >= 1.0) s2[j] = 1, v2[j] -= 1.0, ++fired;
      }
      const auto i3 = matvec(w3, kH2, kOut, s2, b3);
      for (int j = 0; j < kOut; ++j) v3[j] += i3[j];
      for (int j = 0; j < kH1; ++j) CHECK(tr.membrane[1][static_cast<std::size_t>(t * kH1 + j)] == v1[j]);
      for (int j = 0; j < kH2; ++j) CHECK(tr.membrane[2][static_cast<std::size_t>(t * kH2 + j)] == v2[j]);
      for (int j = 0; j < kOut; ++j) {
        CHECK(tr.membrane[3][static_cast<std::size_t>(t * kOut + j)] == v3[j]);
        CHECK(tr.readout[static_cast<std::size_t>(t)][static_cast<std::size_t>(j)] == v3[j]);
      }
    }
  }
  CHECK(fired > 20);  // both hidden layers spike
}

TEST_CASE("--record-membrane: same trains as without, chosen layers only, none for weightless layers") {
  const Graph g = small_cnn(3);
  LayerSpec ls;
  ls.threshold = {0.3f};
  for (EncoderKind enc : {EncoderKind::Direct, EncoderKind::Rate}) {
    CAPTURE(static_cast<int>(enc));
    SnnSpec s = spec_for(g, ls, enc, 6);
    s.layers[2].neuron = NeuronKind::None;  // pool1 weightless
    const SpikingNetwork net = compile(g, s);
    std::mt19937 rng(5);
    const auto x = uniform(rng, 64, 0.0f, 1.0f);
    RunOptions plain, mem;
    mem.keep_membrane = true;
    mem.record_layers = {1, 2, 6};
    const SampleTrace a = simulate(net, x, 3, plain), b = simulate(net, x, 3, mem);
    CHECK(a.membrane.empty());
    REQUIRE(b.membrane.size() == g.layers.size());
    CHECK(b.membrane[1].size() == 6u * 4 * 8 * 8);
    CHECK(b.membrane[2].empty());  // weightless pool
    CHECK(b.membrane[3].empty());  // not chosen
    CHECK(b.membrane[6].size() == 6u * 12);
    CHECK(a.readout == b.readout);
    CHECK(a.sops == b.sops);
    for (std::size_t l = 0; l < a.trains.size(); ++l) {
      CAPTURE(l);
      CHECK(a.trains[l].events() == b.trains[l].events());
      CHECK(std::equal(a.trains[l].all_ids().begin(), a.trains[l].all_ids().end(), b.trains[l].all_ids().begin(),
                       b.trains[l].all_ids().end()));
    }
  }
}
