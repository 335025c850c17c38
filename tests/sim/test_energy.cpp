// Energy accounting: snn_energy_pj = (SOPs * pj_per_ac + analog MACs * pj_per_mac) per
// sample, with the SOP and MAC counts derived here from the network, not read back from
// the engine. Network: Input {6} -> Dense 6->5 (IF, theta 1) -> Dense 5->3 readout, dyadic
// weights and inputs, so each hidden neuron gets an exact constant current z_j and fires
// N_j = clamp(floor(T z_j), 0, T) times (GUIDE section 2). Then
//   direct input: analog MACs per sample = 6 * 5 (the first layer's current, once);
//                 SOPs = sum_j N_j * 3 (each hidden spike reaches the 3 readout neurons);
//   rate input with x in {0, 1} (p = 0 or 1, deterministic): no analog MACs;
//                 SOPs = T * (#ones) * 5 + sum_j N_j * 3.
// pj_per_ac != pj_per_mac, so pricing MACs as accumulates (or the reverse) is visible.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/metrics.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/sim/nets.hpp"

using namespace brisk;
using namespace brisk::test;

namespace {

constexpr int kIn = 6, kHidden = 5, kOut = 3, kT = 10;

struct Net {
  Graph g;
  std::vector<float> w1, b1;
};

Net make_net() {
  std::mt19937 rng(77);
  Net n;
  n.w1 = dyadic(rng, kIn * kHidden, -8, 16, 32.0f);
  n.b1 = dyadic(rng, kHidden, -4, 8, 32.0f);
  n.g.layers.push_back(input_layer({kIn}));
  n.g.layers.push_back(dense_layer("hidden", 0, kIn, kHidden, n.w1, n.b1));
  n.g.layers.push_back(dense_layer("out", 1, kHidden, kOut, dyadic(rng, kHidden * kOut, -16, 16, 32.0f)));
  n.g.layers.back().act = Act::Linear;
  n.g.output = 2;
  validate(n.g);
  return n;
}

// Hidden spikes of one sample from the closed form (exact: dyadic values).
std::uint64_t hidden_spikes(const Net& n, const std::vector<float>& x) {
  std::uint64_t total = 0;
  for (int j = 0; j < kHidden; ++j) {
    double z = n.b1[static_cast<std::size_t>(j)];
    for (int i = 0; i < kIn; ++i) z += static_cast<double>(x[static_cast<std::size_t>(i)]) * n.w1[static_cast<std::size_t>(i) * kHidden + j];
    total += static_cast<std::uint64_t>(std::clamp(std::floor(kT * z), 0.0, static_cast<double>(kT)));
  }
  return total;
}

}  // namespace

TEST_CASE("energy: snn_energy_pj = SOPs * pj_per_ac + analog MACs * pj_per_mac (counts derived independently)") {
  const Net n = make_net();
  EnergyModel e;
  e.pj_per_ac = 0.5;
  e.pj_per_mac = 3.0;
  std::mt19937 rng(78);
  for (EncoderKind enc : {EncoderKind::Direct, EncoderKind::Rate}) {
    const bool direct = enc == EncoderKind::Direct;
    CAPTURE(direct);
    Dataset d;
    d.shape = {kIn};
    const int samples = 9;
    std::uint64_t sops = 0, ones = 0;
    for (int s = 0; s < samples; ++s) {
      const auto x = direct ? dyadic(rng, kIn, 0, 8, 8.0f) : dyadic(rng, kIn, 0, 1, 1.0f);
      d.x.insert(d.x.end(), x.begin(), x.end());
      d.y.push_back(0);
      sops += hidden_spikes(n, x) * kOut;
      for (float v : x) ones += v == 1.0f;
    }
    if (!direct) sops += static_cast<std::uint64_t>(kT) * ones * kHidden;
    const std::uint64_t macs = direct ? static_cast<std::uint64_t>(samples) * kIn * kHidden : 0;
    REQUIRE(sops > 0);
    LayerSpec ls;
    ls.threshold = {1.0f};
    const SpikingNetwork net = compile(n.g, spec_for(n.g, ls, enc, kT));
    RunOptions o;
    o.energy = e;
    o.threads = 2;
    const RunResult r = run(net, d, o);
    CHECK(r.total_sops == sops);
    CHECK(r.total_analog_macs == macs);
    CHECK(r.layers[1].analog_macs == macs);
    const double want = (static_cast<double>(sops) * 0.5 + static_cast<double>(macs) * 3.0) / samples;
    CHECK(r.snn_energy_pj == doctest::Approx(want).epsilon(1e-12));
    // The ANN: every MAC of both layers, at pj_per_mac.
    CHECK(r.ann_macs == static_cast<std::size_t>(kIn * kHidden + kHidden * kOut));
    CHECK(r.ann_energy_pj == doctest::Approx((kIn * kHidden + kHidden * kOut) * 3.0).epsilon(1e-12));
  }
  // The function itself, on literal counts.
  CHECK(snn_energy_pj(e, 1000.0, 30.0) == doctest::Approx(1000 * 0.5 + 30 * 3.0).epsilon(1e-15));
  CHECK(snn_energy_pj(e, 0.0, 30.0) == doctest::Approx(90.0).epsilon(1e-15));
  CHECK(ann_energy_pj(e, 45.0) == doctest::Approx(135.0).epsilon(1e-15));
}
