// The bit-packed BitDense kernels (core/engine/ops/bitdense.hpp) against a literal integer
// dot product written here, over random sizes with ragged tails (inputs not a multiple of
// 64), densities from empty to full, every ISA variant the CPU can run; and the operator
// in a network against the float Dense operator.
#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <vector>

#include <brisk/core/base/isa.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/network.hpp>
#include <brisk/core/engine/ops/bitdense.hpp>
#include "tests/sim/nets.hpp"

using namespace brisk;

namespace {

struct Case {
  int in, out;
  std::vector<float> w;   // [in][out] in {-1, 0, 1}
  std::vector<float> x;   // [in] in {-1, 0, 1}
  std::vector<float> ref; // literal sum, plus a starting value
};

Case make_case(std::mt19937& rng, int in, int out, bool binary, double density) {
  Case c{in, out, {}, {}, {}};
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int k = 0; k < in * out; ++k) {
    const double r = u(rng);
    c.w.push_back(binary ? (r < 0.5 ? -1.0f : 1.0f) : (r < 1.0 / 3 ? -1.0f : (r < 2.0 / 3 ? 0.0f : 1.0f)));
  }
  for (int i = 0; i < in; ++i) {
    const double r = u(rng);
    c.x.push_back(r >= density ? 0.0f : (u(rng) < 0.5 ? -1.0f : 1.0f));
  }
  for (int o = 0; o < out; ++o) {
    long long z = 0;
    for (int i = 0; i < in; ++i)
      z += static_cast<long long>(c.x[static_cast<std::size_t>(i)]) *
           static_cast<long long>(c.w[static_cast<std::size_t>(i) * out + o]);
    c.ref.push_back(static_cast<float>(z) + 0.5f * static_cast<float>(o));
  }
  return c;
}

void planes(const Case& c, std::vector<std::uint64_t>& xp, std::vector<std::uint64_t>& xn) {
  const int words = kernels::bit_words(c.in);
  xp.assign(static_cast<std::size_t>(words), 0);
  xn.assign(static_cast<std::size_t>(words), 0);
  for (int i = 0; i < c.in; ++i) {
    const float a = c.x[static_cast<std::size_t>(i)];
    if (a == 0.0f) continue;
    (a > 0 ? xp : xn)[static_cast<std::size_t>(i / 64)] |= std::uint64_t{1} << (i % 64);
  }
}

}  // namespace

TEST_CASE("BitDense kernels equal the integer dot product (random sizes, ragged tails, all ISAs)") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> size(1, 300);
  int checked = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const int in = trial < 6 ? std::vector<int>{1, 63, 64, 65, 128, 129}[static_cast<std::size_t>(trial)] : size(rng);
    const int out = size(rng) % 40 + 1;
    for (bool binary : {false, true}) {
      for (double density : {0.0, 0.1, 0.6, 1.0}) {
        const Case c = make_case(rng, in, out, binary, density);
        std::vector<std::uint64_t> wbits(2 * static_cast<std::size_t>(out) * static_cast<std::size_t>(kernels::bit_words(in)));
        kernels::pack_bit_planes(c.w.data(), in, out, wbits.data());
        std::vector<std::uint64_t> xp, xn;
        planes(c, xp, xn);
        std::vector<float> start(static_cast<std::size_t>(out));
        for (int o = 0; o < out; ++o) start[static_cast<std::size_t>(o)] = 0.5f * static_cast<float>(o);
        auto ref = start;
        kernels::bit_dense_ref(ref.data(), c.x.data(), in, c.w.data(), out);
        CHECK(ref == c.ref);
        for (Isa isa : all_isas) {
          if (!cpu_has(isa)) continue;
          auto v = start;
          kernels::bit_dense_variants[isa](v.data(), xp.data(), xn.data(), wbits.data(), kernels::bit_words(in), out);
          CHECK(v == c.ref);
          if (binary && density == 1.0) {  // every input fired: XNOR / popcount
            auto vx = start;
            kernels::bit_dense_xnor_variants[isa](vx.data(), xp.data(), wbits.data(), kernels::bit_words(in), in, out);
            CHECK(vx == c.ref);
          }
          ++checked;
        }
        auto pub = start;  // the public entry (best variant)
        kernels::bit_dense(pub.data(), xp.data(), xn.data(), wbits.data(), kernels::bit_words(in), out);
        CHECK(pub == c.ref);
      }
    }
  }
  CHECK(checked >= 480);
}

TEST_CASE("BitDense operator: a ternary network runs the same with bit planes and float rows") {
  std::mt19937 rng(4);
  const int n0 = 70, n1 = 130, n2 = 65, n3 = 5;
  auto ternary = [&](std::size_t n) { return test::dyadic(rng, n, -1, 1, 1.0f); };
  for (bool binary : {false, true}) {
    Graph g;
    g.layers.push_back(test::input_layer({n0}));
    auto weights = [&](std::size_t n) {
      auto w = ternary(n);
      if (binary)
        for (float& v : w) v = v >= 0 ? 1.0f : -1.0f;
      return w;
    };
    g.layers.push_back(test::dense_layer("t1", 0, n0, n1, weights(static_cast<std::size_t>(n0) * n1)));
    g.layers.push_back(test::dense_layer("t2", 1, n1, n2, weights(static_cast<std::size_t>(n1) * n2)));
    g.layers.push_back(test::dense_layer("out", 2, n2, n3, weights(static_cast<std::size_t>(n2) * n3)));
    g.output = 3;
    for (int i = 1; i <= 3; ++i) g.layers[static_cast<std::size_t>(i)].bitwise = binary ? Bitwise::Binary : Bitwise::Ternary;
    infer_shapes(g);
    LayerSpec ls;
    ls.neuron = NeuronKind::DoubleThreshold;
    ls.threshold = {binary ? 0.5f : 2.0f};
    ls.v0 = {binary ? -0.5f : 0.0f};
    ls.negative_only_if_positive = false;
    SnnSpec s = test::spec_for(g, ls, EncoderKind::Rate, 1);
    CompileOptions fast, plain;
    plain.bitwise_kernels = false;
    const SpikingNetwork a = compile(g, s, fast), b = compile(g, s, plain);
    CHECK(a.layer(2).kernel == KernelKind::BitDense);
    CHECK(a.layer(3).kernel == KernelKind::BitDense);
    CHECK(b.layer(2).kernel == KernelKind::Dense);
    for (int trial = 0; trial < 10; ++trial) {
      const auto x = ternary(n0);
      const auto ta = simulate(a, x, static_cast<std::size_t>(trial));
      const auto tb = simulate(b, x, static_cast<std::size_t>(trial));
      CHECK(ta.readout.back() == tb.readout.back());
      // SOPs of a BitDense layer: events x the nonzero weights of their rows.
      const auto& l2 = g.layers[2];
      std::uint64_t expect = 0;
      const auto& train = tb.trains[1];
      for (std::size_t e = 0; e < train.events(); ++e) {
        const auto id = static_cast<std::size_t>(train.all_ids()[e]);
        for (int o = 0; o < n2; ++o) expect += l2.weight[id * n2 + static_cast<std::size_t>(o)] != 0.0f;
      }
      CHECK(ta.sops[2] == expect);
    }
  }
}
