// The bit-packed BitDense kernels (core/engine/ops/bitdense.hpp) against a literal integer
// dot product written here, over random sizes with ragged tails (inputs not a multiple of
// 64), densities from empty to full, every ISA variant the CPU can run; and the operator
// in a network against the float Dense operator.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <brisk/core/base/isa.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/network.hpp>
#include <brisk/core/engine/ops/bitdense.hpp>
#include <brisk/neurons/kernels.hpp>
#include <brisk/neurons/kernels_isa.hpp>
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
    // (an if: GCC 12's UBSan miscompiles `(c ? xp : xn)[w] |= bit`, see neurons/dt_planes.cpp)
    if (a > 0) xp[static_cast<std::size_t>(i / 64)] |= std::uint64_t{1} << (i % 64);
    else xn[static_cast<std::size_t>(i / 64)] |= std::uint64_t{1} << (i % 64);
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
        const std::size_t plane = static_cast<std::size_t>(out) * static_cast<std::size_t>(kernels::bit_words(in));
        std::vector<std::uint64_t> wbits(2 * plane);  // word-major +1 words, then -1 words
        kernels::pack_transposed(c.w.data(), in, out, wbits.data(), wbits.data() + plane);
        const std::uint64_t* wneg = wbits.data() + plane;
        std::vector<std::pair<std::string, kernels::BitDenseFn>> dense;
        std::vector<std::pair<std::string, kernels::BitDenseXnorFn>> xnor;
        for (Isa isa : all_isas)
          if (cpu_has(isa)) {
            dense.emplace_back(isa_name(isa), kernels::bit_dense_variants[isa]);
            xnor.emplace_back(isa_name(isa), kernels::bit_dense_xnor_variants[isa]);
          }
        if (cpu_has(Isa::Avx512) && kernels::bit_dense_avx512_scalar) {  // the slot without VPOPCNTQ
          dense.emplace_back("avx512 scalar", kernels::bit_dense_avx512_scalar);
          xnor.emplace_back("avx512 scalar", kernels::bit_dense_xnor_avx512_scalar);
        }
        std::vector<std::uint64_t> xp, xn;
        planes(c, xp, xn);
        std::vector<float> start(static_cast<std::size_t>(out));
        for (int o = 0; o < out; ++o) start[static_cast<std::size_t>(o)] = 0.5f * static_cast<float>(o);
        auto ref = start;
        kernels::bit_dense_ref(ref.data(), c.x.data(), in, c.w.data(), out);
        CHECK(ref == c.ref);
        for (std::size_t f = 0; f < dense.size(); ++f) {
          CAPTURE(dense[f].first);
          CAPTURE(in);
          CAPTURE(out);
          auto v = start;
          dense[f].second(v.data(), xp.data(), xn.data(), wbits.data(), wneg, kernels::bit_words(in), out);
          CHECK(v == c.ref);
          if (binary && density == 1.0) {  // every input fired: XNOR / popcount
            auto vx = start;
            xnor[f].second(vx.data(), xp.data(), wbits.data(), kernels::bit_words(in), in, out);
            CHECK(vx == c.ref);
          }
          ++checked;
        }
        auto pub = start;  // the public entries (best variant)
        kernels::bit_dense(pub.data(), xp.data(), xn.data(), wbits.data(), wneg, kernels::bit_words(in), out);
        CHECK(pub == c.ref);
        if (binary && density == 1.0) {
          auto px = start;
          kernels::bit_dense_xnor(px.data(), xp.data(), wbits.data(), kernels::bit_words(in), in, out);
          CHECK(px == c.ref);
        }
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

// --- The analog first layer: integer levels as bit planes (kernels::bit_planes_dense). ---

namespace {

// Every variant of bit_planes_dense this CPU can run, with its name.
std::vector<std::pair<std::string, kernels::BitPlanesDenseFn>> plane_variants() {
  std::vector<std::pair<std::string, kernels::BitPlanesDenseFn>> out;
  for (Isa isa : all_isas)
    if (cpu_has(isa)) out.emplace_back(isa_name(isa), kernels::bit_planes_dense_variants[isa]);
  if (cpu_has(Isa::Avx512) && kernels::bit_planes_dense_avx512_lut)
    out.emplace_back("avx512 nibble table", kernels::bit_planes_dense_avx512_lut);
  if (kernels::cpu_has_vpopcnt() && kernels::bit_planes_dense_vpopcnt)
    out.emplace_back("avx512 vpopcntq", kernels::bit_planes_dense_vpopcnt);
  out.emplace_back("public", kernels::bit_planes_dense);
  return out;
}

}  // namespace

TEST_CASE("bit-plane kernels of integer levels equal the integer dot product (sizes, tails, B = 1..8, all ISAs)") {
  std::mt19937 rng(23);
  std::uniform_int_distribution<int> size(1, 900);
  const auto variants = plane_variants();
  CHECK(variants.size() >= 2);
  int checked = 0;
  // (257 * 64 + 5 inputs: more words than the VPOPCNTQ kernel lists, every word visited)
  const std::vector<int> edges{1, 63, 64, 65, 128, 784, 31 * 64, 31 * 64 + 1, 2500, 257 * 64 + 5};
  for (int trial = 0; trial < 40; ++trial) {
    const int in = trial < static_cast<int>(edges.size()) ? edges[static_cast<std::size_t>(trial)] : size(rng);
    const int out = trial % 3 == 0 ? trial % 9 + 1 : size(rng) % 40 + 1;  // tails of 4 and 8 lanes
    const int bits = trial % 8 + 1;
    for (bool binary : {false, true}) {
      const Case c = make_case(rng, in, out, binary, 0.0);
      std::uniform_int_distribution<int> level(0, (1 << bits) - 1);
      std::vector<float> x(static_cast<std::size_t>(in));
      for (auto& a : x) a = rng() % 3 == 0 ? 0.0f : static_cast<float>(level(rng));
      if (trial == 1) std::fill(x.begin(), x.end(), static_cast<float>((1 << bits) - 1));  // all at the top
      // Literal reference: start + sum_i x_i w_io in integers.
      std::vector<float> start(static_cast<std::size_t>(out)), expect(static_cast<std::size_t>(out));
      for (int o = 0; o < out; ++o) {
        start[static_cast<std::size_t>(o)] = static_cast<float>(o % 5) - 2.0f;
        long long z = 0;
        for (int i = 0; i < in; ++i)
          z += static_cast<long long>(x[static_cast<std::size_t>(i)]) *
               static_cast<long long>(c.w[static_cast<std::size_t>(i) * out + o]);
        expect[static_cast<std::size_t>(o)] = start[static_cast<std::size_t>(o)] + static_cast<float>(z);
      }
      const int words = kernels::bit_words(in);
      std::vector<std::uint64_t> wpos(static_cast<std::size_t>(words) * out), wneg(wpos.size());
      kernels::pack_transposed(c.w.data(), in, out, wpos.data(), binary ? nullptr : wneg.data());
      // Literal planes and sum.
      std::vector<std::uint64_t> planes(static_cast<std::size_t>(bits) * words, 0);
      long long xsum = 0;
      for (int i = 0; i < in; ++i) {
        const auto L = static_cast<unsigned>(x[static_cast<std::size_t>(i)]);
        xsum += L;
        for (int k = 0; k < bits; ++k)
          if ((L >> k) & 1u) planes[static_cast<std::size_t>(k) * words + i / 64] |= std::uint64_t{1} << (i % 64);
      }
      for (Isa isa : all_isas) {
        if (!cpu_has(isa)) continue;
        std::vector<std::uint64_t> got(planes.size(), ~std::uint64_t{0});
        std::int64_t s = -1;
        CHECK(kernels::pack_level_planes_variants[isa](x.data(), in, bits, got.data(), &s));
        CHECK(got == planes);
        CHECK(s == xsum);
      }
      for (const auto& [name, fn] : variants) {
        CAPTURE(name);
        CAPTURE(in);
        CAPTURE(out);
        CAPTURE(bits);
        auto v = start;
        fn(v.data(), planes.data(), bits, wpos.data(), binary ? nullptr : wneg.data(), words, out, xsum);
        CHECK(v == expect);
        ++checked;
      }
    }
  }
  CHECK(checked >= 40 * 2 * 2);
}

TEST_CASE("pack_level_planes refuses what is not an integer level 0 .. 2^B - 1 (all ISAs)") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (Isa isa : all_isas) {
    if (!cpu_has(isa)) continue;
    CAPTURE(isa_name(isa));
    for (float bad : {0.5f, -1.0f, 256.0f, 1000.0f, nan, inf, -inf, 254.75f}) {
      for (int at : {0, 17, 99}) {
        std::vector<float> x(100, 3.0f);
        x[static_cast<std::size_t>(at)] = bad;
        std::vector<std::uint64_t> planes(8 * 2);
        std::int64_t s = 0;
        CHECK_FALSE(kernels::pack_level_planes_variants[isa](x.data(), 100, 8, planes.data(), &s));
      }
    }
    std::vector<float> x(100, 8.0f);  // 8 needs four bits
    std::vector<std::uint64_t> planes(8 * 2);
    std::int64_t s = 0;
    CHECK_FALSE(kernels::pack_level_planes_variants[isa](x.data(), 100, 3, planes.data(), &s));
    CHECK(kernels::pack_level_planes_variants[isa](x.data(), 100, 4, planes.data(), &s));
    CHECK(s == 800);
  }
}

TEST_CASE("dt_fire_planes: every ISA variant equals the double-threshold step written here, planes included") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> size(1, 300);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t n = trial < 5 ? std::vector<std::size_t>{1, 15, 16, 64, 65}[static_cast<std::size_t>(trial)]
                                    : static_cast<std::size_t>(size(rng));
    std::vector<float> v0 = test::dyadic(rng, n, -24, 24, 4.0f), theta = test::dyadic(rng, n, 0, 12, 4.0f);
    for (std::size_t i = 0; i < n; i += 7) v0[i] = (i % 2 ? -1.0f : 1.0f) * theta[i];  // exactly at +-theta
    std::vector<std::int32_t> c0(n);
    for (auto& c : c0) c = static_cast<std::int32_t>(rng() % 5) - 2;
    // Literal: +1 at v >= th, else -1 at v <= -th; v -= s th; count += s.
    auto v_ref = v0;
    auto c_ref = c0;
    std::vector<std::int32_t> ids_ref;
    std::vector<float> pay_ref;
    const std::size_t words = (n + 63) / 64;
    std::vector<std::uint64_t> xp_ref(words, 0), xn_ref(words, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const float s = v_ref[i] >= theta[i] ? 1.0f : (v_ref[i] <= -theta[i] ? -1.0f : 0.0f);
      if (s == 0.0f) continue;
      v_ref[i] -= s * theta[i];
      c_ref[i] += static_cast<std::int32_t>(s);
      ids_ref.push_back(static_cast<std::int32_t>(i));
      pay_ref.push_back(s);
      if (s > 0) xp_ref[i / 64] |= std::uint64_t{1} << (i % 64);
      else xn_ref[i / 64] |= std::uint64_t{1} << (i % 64);
    }
    std::vector<std::pair<std::string, kernels::DtFirePlanesFn>> fns{{"ref", kernels::dt_fire_planes_ref},
                                                                     {"public", kernels::dt_fire_planes}};
    for (Isa isa : all_isas)
      if (cpu_has(isa)) fns.emplace_back(isa_name(isa), kernels::dt_fire_planes_variants[isa]);
    for (const auto& [name, fn] : fns) {
      CAPTURE(name);
      CAPTURE(n);
      auto v = v0;
      auto c = c0;
      std::vector<std::int32_t> ids(n + 16);
      std::vector<float> pay(n + 16);
      std::vector<std::uint64_t> xp(words, ~std::uint64_t{0}), xn(words, ~std::uint64_t{0});
      const std::size_t m = fn(v.data(), c.data(), theta.data(), n, ids.data(), pay.data(), xp.data(), xn.data());
      REQUIRE(m == ids_ref.size());
      CHECK(v == v_ref);
      CHECK(c == c_ref);
      CHECK(std::vector<std::int32_t>(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(m)) == ids_ref);
      CHECK(std::vector<float>(pay.begin(), pay.begin() + static_cast<std::ptrdiff_t>(m)) == pay_ref);
      CHECK(xp == xp_ref);
      CHECK(xn == xn_ref);
    }
  }
}

TEST_CASE("BitDense on the analog input: integer levels as bit planes give the float rows' run exactly") {
  // input {1, 6, 7} (42 pixels) -> flatten -> t1 (bitwise, direct input levels) -> t2 (bitwise,
  // fed t1's spikes) -> out. T = 1, double thresholds, as convert_bitwise builds it.
  std::mt19937 rng(8);
  const int n0 = 42, n1 = 70, n2 = 33, n3 = 4;
  for (int variant = 0; variant < 4; ++variant) {
    const bool binary = variant % 2 == 1;
    // variant 2: an integer bias (planes kept); 3: a fractional one (the float rows).
    Graph g;
    g.layers.push_back(test::input_layer({1, 6, 7}));
    g.layers.push_back(test::flatten_layer(0));
    auto weights = [&](std::size_t n) {
      auto w = test::dyadic(rng, n, -1, 1, 1.0f);
      if (binary)
        for (float& v : w) v = v >= 0 ? 1.0f : -1.0f;
      return w;
    };
    std::vector<float> bias;
    if (variant == 2) bias = test::dyadic(rng, n1, -50, 50, 1.0f);
    if (variant == 3) bias = test::dyadic(rng, n1, -50, 50, 4.0f);
    g.layers.push_back(test::dense_layer("t1", 1, n0, n1, weights(static_cast<std::size_t>(n0) * n1), bias));
    g.layers.push_back(test::dense_layer("t2", 2, n1, n2, weights(static_cast<std::size_t>(n1) * n2)));
    g.layers.push_back(test::dense_layer("out", 3, n2, n3, weights(static_cast<std::size_t>(n2) * n3)));
    g.output = 4;
    for (int i = 2; i <= 4; ++i) g.layers[static_cast<std::size_t>(i)].bitwise = binary ? Bitwise::Binary : Bitwise::Ternary;
    infer_shapes(g);
    LayerSpec ls;
    ls.neuron = NeuronKind::DoubleThreshold;
    ls.negative_only_if_positive = false;
    SnnSpec s = test::spec_for(g, ls, EncoderKind::Direct, 1);
    s.input_levels = 255;
    for (int i = 2; i <= 3; ++i) {
      auto& l = s.layers[static_cast<std::size_t>(i)];
      const int n = i == 2 ? n1 : n2;
      // ternary: t1's sums reach thousands, t2's tens (both send +1, -1 and 0)
      l.threshold.assign(static_cast<std::size_t>(n), binary ? 0.5f : (i == 2 ? 40.0f : 3.0f));
      l.v0.assign(static_cast<std::size_t>(n), binary ? -0.5f : 0.0f);
    }
    CompileOptions fast, plain;
    plain.bitwise_kernels = false;
    const SpikingNetwork a = compile(g, s, fast), b = compile(g, s, plain);
    CAPTURE(variant);
    CHECK(a.layer(2).kernel == KernelKind::BitDense);
    CHECK(a.layer(2).bit_planes == (variant == 3 ? 0 : 8));
    CHECK(a.layer(3).kernel == KernelKind::BitDense);
    CHECK(b.layer(2).kernel == KernelKind::Dense);
    // Pixels in [0, 1] (levels 0..255), some images with pixels above 1 (levels > 255:
    // not B-bit levels, so the float rows).
    const std::size_t samples = 24;
    std::vector<float> x;
    for (std::size_t k = 0; k < samples; ++k) {
      auto img = test::uniform(rng, static_cast<std::size_t>(n0), 0.0f, k % 6 == 5 ? 1.5f : 1.0f);
      for (std::size_t i = 0; i < img.size(); i += 3) img[i] = 0.0f;
      x.insert(x.end(), img.begin(), img.end());
    }
    RunOptions ro;
    ro.threads = 1;
    ro.keep_logits = true;
    const RunResult ra = run(a, DataView{x, {}, {1, 6, 7}}, ro), rb = run(b, DataView{x, {}, {1, 6, 7}}, ro);
    CHECK(ra.logits == rb.logits);
    CHECK(ra.total_spikes == rb.total_spikes);
    CHECK(ra.layers[3].spikes > samples * n2 / 4);  // t2 fires (its errors would show)
    CHECK(ra.total_analog_macs == rb.total_analog_macs);
    REQUIRE(ra.layers.size() == rb.layers.size());
    for (std::size_t l = 0; l < ra.layers.size(); ++l) {
      CHECK(ra.layers[l].spikes == rb.layers[l].spikes);
      // BitDense counts an event's nonzero weights, Dense all of its row: equal when binary.
      if (binary || l < 3) CHECK(ra.layers[l].sops == rb.layers[l].sops);
      else CHECK(ra.layers[l].sops < rb.layers[l].sops);
    }
    // The logits against a literal integer forward pass of the same network.
    for (std::size_t k = 0; k < samples; ++k) {
      std::vector<long long> a0(static_cast<std::size_t>(n0));
      for (int i = 0; i < n0; ++i)
        a0[static_cast<std::size_t>(i)] = std::llrint(std::nearbyint(x[k * n0 + static_cast<std::size_t>(i)] * 255.0f));
      auto layer = [&](const std::vector<long long>& in, int li, int nin, int nout, bool fire) {
        const Layer& L = g.layers[static_cast<std::size_t>(li)];
        const auto& sp = s.layers[static_cast<std::size_t>(li)];
        std::vector<double> z(static_cast<std::size_t>(nout), 0.0);
        for (int o = 0; o < nout; ++o) {
          double acc = L.bias.empty() ? 0.0 : L.bias[static_cast<std::size_t>(o)];
          for (int i = 0; i < nin; ++i)
            acc += static_cast<double>(in[static_cast<std::size_t>(i)]) * L.weight[static_cast<std::size_t>(i) * nout + o];
          z[static_cast<std::size_t>(o)] = acc + (fire ? sp.v0[static_cast<std::size_t>(o)] : 0.0);
        }
        return z;
      };
      auto spikes = [&](const std::vector<double>& z, int li) {
        const auto& sp = s.layers[static_cast<std::size_t>(li)];
        std::vector<long long> out(z.size());
        for (std::size_t o = 0; o < z.size(); ++o)
          out[o] = z[o] >= sp.threshold[o] ? 1 : (z[o] <= -sp.threshold[o] ? -1 : 0);
        return out;
      };
      const auto s1 = spikes(layer(a0, 2, n0, n1, true), 2);
      const auto s2 = spikes(layer(s1, 3, n1, n2, true), 3);
      const auto y = layer(s2, 4, n2, n3, false);
      for (int o = 0; o < n3; ++o) CHECK(ra.logits[k * n3 + static_cast<std::size_t>(o)] == static_cast<float>(y[static_cast<std::size_t>(o)]));
    }
  }
}

TEST_CASE("BitDense readout of a bitwise net: a_o * {-1, 0, 1} weights by popcounts, only where that is exact") {
  // input -> flatten -> t1 (binary, levels) -> t2 (binary) -> out (not bitwise: weights
  // a_o * +-1, bias b_o). Dyadic a_o and b_o: BitDense, bitwise equal to the float rows
  // and to the literal sum; a_o = 0.1 (not exact over 40 inputs): the float Dense rows.
  // Mode 2: a ternary readout (zeros among the weights), SOPs still every output per event.
  std::mt19937 rng(31);
  const int n0 = 30, n1 = 50, n2 = 40, n3 = 6;
  for (int mode : {0, 1, 2}) {
    const bool exact = mode != 1;
    Graph g;
    g.layers.push_back(test::input_layer({30}));
    g.layers.push_back(test::flatten_layer(0));
    auto signs = [&](std::size_t n) {
      auto w = test::dyadic(rng, n, 0, 1, 1.0f);
      for (float& v : w) v = v > 0 ? 1.0f : -1.0f;
      return w;
    };
    g.layers.push_back(test::dense_layer("t1", 1, n0, n1, signs(static_cast<std::size_t>(n0) * n1)));
    g.layers.push_back(test::dense_layer("t2", 2, n1, n2, signs(static_cast<std::size_t>(n1) * n2)));
    std::vector<float> a(n3), b = test::dyadic(rng, n3, -300, 300, 1024.0f);
    for (int o = 0; o < n3; ++o) a[static_cast<std::size_t>(o)] = exact ? static_cast<float>(40 + 7 * o) / 2048.0f : 0.1f;
    auto w3 = signs(static_cast<std::size_t>(n2) * n3);
    if (mode == 2)
      for (std::size_t k = 0; k < w3.size(); k += 7) w3[k] = 0.0f;
    for (int i = 0; i < n2; ++i)
      for (int o = 0; o < n3; ++o) w3[static_cast<std::size_t>(i) * n3 + o] *= a[static_cast<std::size_t>(o)];
    g.layers.push_back(test::dense_layer("out", 3, n2, n3, w3, b));
    g.output = 4;
    g.layers[2].bitwise = g.layers[3].bitwise = Bitwise::Binary;
    infer_shapes(g);
    LayerSpec ls;
    ls.neuron = NeuronKind::DoubleThreshold;
    ls.negative_only_if_positive = false;
    SnnSpec s = test::spec_for(g, ls, EncoderKind::Direct, 1);
    s.input_levels = 15;
    s.layers[2].threshold.assign(n1, 0.5f);
    s.layers[2].v0.assign(n1, -0.5f - 20.0f);  // +1 at z >= 21, else -1
    s.layers[3].threshold.assign(n2, 0.5f);
    s.layers[3].v0.assign(n2, -0.5f);
    CompileOptions plain;
    plain.bitwise_kernels = false;
    const SpikingNetwork fast = compile(g, s), slow = compile(g, s, plain);
    CAPTURE(mode);
    CHECK(fast.layer(2).bit_planes == 4);
    CHECK(fast.layer(4).kernel == (exact ? KernelKind::BitDense : KernelKind::Dense));
    CHECK(slow.layer(4).kernel == KernelKind::Dense);
    std::vector<float> x = test::uniform(rng, 20 * static_cast<std::size_t>(n0), 0.0f, 1.0f);
    RunOptions ro;
    ro.keep_logits = true;
    const RunResult rf = run(fast, DataView{x, {}, {30}}, ro), rs = run(slow, DataView{x, {}, {30}}, ro);
    CHECK(rf.logits == rs.logits);
    CHECK(rf.total_sops == rs.total_sops);
    CHECK(rf.layers[4].sops == 20u * n2 * n3);  // every t2 neuron fires: events x outputs
    CHECK(rf.total_spikes == rs.total_spikes);
    // Literal: levels, +-1 spikes (binary double threshold), the readout summed in order.
    for (std::size_t k = 0; k < 20; ++k) {
      std::vector<float> l0(n0);
      for (int i = 0; i < n0; ++i) l0[static_cast<std::size_t>(i)] = std::nearbyint(x[k * n0 + static_cast<std::size_t>(i)] * 15.0f);
      auto hidden = [&](const std::vector<float>& in, int li, int nin, int nout, float hi) {
        std::vector<float> out(static_cast<std::size_t>(nout));
        for (int o = 0; o < nout; ++o) {
          long long z = 0;
          for (int i = 0; i < nin; ++i)
            z += static_cast<long long>(in[static_cast<std::size_t>(i)]) *
                 static_cast<long long>(g.layers[static_cast<std::size_t>(li)].weight[static_cast<std::size_t>(i) * nout + o]);
          out[static_cast<std::size_t>(o)] = z >= hi ? 1.0f : -1.0f;
        }
        return out;
      };
      const auto s2 = hidden(hidden(l0, 2, n0, n1, 21), 3, n1, n2, 1);  // +1 at z - v0 >= theta
      for (int o = 0; o < n3; ++o) {
        float v = b[static_cast<std::size_t>(o)];
        for (int i = 0; i < n2; ++i) v += s2[static_cast<std::size_t>(i)] * w3[static_cast<std::size_t>(i) * n3 + o];
        CHECK(rf.logits[k * n3 + static_cast<std::size_t>(o)] == v);
      }
    }
  }
}
