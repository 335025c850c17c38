// Kernel testers: every fast path against its scalar reference, over random sizes with
// ragged tails (output widths that are not multiples of any vector width), and the
// dense (gather) twins against the scatter kernels, bitwise. Every kernel is tested in
// every Isa variant this CPU can run, and through its public entry.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <brisk/core/base/aligned.hpp>
#include <brisk/core/base/isa.hpp>
#include <brisk/core/base/scan.hpp>
#include <brisk/core/base/scan_isa.hpp>
#include <brisk/core/engine/kernels/vector.hpp>
#include <brisk/core/engine/ops/conv2d.hpp>
#include <brisk/core/engine/ops/dense.hpp>
#include <brisk/core/engine/ops/kernels_isa.hpp>
#include <brisk/neurons/kernels.hpp>
#include <brisk/neurons/kernels_isa.hpp>

using namespace brisk;

namespace {

struct Events {
  std::vector<std::int32_t> ids;
  std::vector<float> pay;
  std::vector<float> dense;  // the same events as a dense vector
};

Events random_events(std::mt19937& rng, int n, float density, bool integer_payload) {
  Events e;
  e.dense.assign(static_cast<std::size_t>(n), 0.0f);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::uniform_int_distribution<int> coef(-3, 4);
  for (int i = 0; i < n; ++i) {
    if (u(rng) >= density) continue;
    float p = integer_payload ? static_cast<float>(coef(rng)) : u(rng) - 0.5f;
    if (p == 0.0f) p = 1.0f;
    e.ids.push_back(i);
    e.pay.push_back(p);
    e.dense[static_cast<std::size_t>(i)] = p;
  }
  return e;
}

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  // (memcmp of zero bytes still needs non-null pointers: empty vectors compare equal here)
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0);
}

// Every Isa variant of a kernel is tested, not only the one this CPU dispatches to: on an
// AVX-512 machine the AVX2 and baseline code runs too. Variants the CPU cannot run are
// skipped with a message.
template <class F>
void for_each_isa(F check) {
  for (Isa isa : all_isas) {
    if (!cpu_has(isa)) {
      MESSAGE("skipped: this CPU (or build) has no ", std::string(isa_name(isa)), " variant");
      continue;
    }
    INFO("isa ", std::string(isa_name(isa)));
    check(isa);
  }
}

// Output widths around the vector widths (16 floats in AVX-512, 8 in AVX2, 4 in SSE) and
// the unrolled, register-blocked conv widths (16, 32, 64), then random ones.
int ragged_cout(std::mt19937& rng, int trial) {
  static constexpr int edge[] = {1, 3, 15, 16, 17, 32, 33, 64};
  constexpr int n_edge = static_cast<int>(std::size(edge));
  if (trial < 3 * n_edge) return edge[trial % n_edge];
  static constexpr int blocked[] = {16, 32, 64};
  return trial % 3 == 0 ? blocked[trial % 9 / 3] : 1 + static_cast<int>(rng() % 70);
}

}  // namespace

TEST_CASE("dense scatter and gather: every Isa variant equals the scalar reference bitwise, ragged sizes") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(11);
    for (int trial = 0; trial < 60; ++trial) {
      const int out = ragged_cout(rng, trial);
      int in = 1 + static_cast<int>(rng() % 300);
      if (trial % 2 == 0) in |= 1;  // odd input widths
      CAPTURE(in);
      CAPTURE(out);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      std::vector<float> w(static_cast<std::size_t>(in) * out);
      for (auto& x : w) x = u(rng);
      const float density = (trial % 4 + 1) * 0.2f;
      const Events e = random_events(rng, in, density, trial % 2 == 0);
      std::vector<float> v0(static_cast<std::size_t>(out));
      for (auto& x : v0) x = u(rng);
      auto ref = v0, scatter = v0, gather = v0, pub_scatter = v0, pub_gather = v0;
      kernels::dense_scatter_ref(ref.data(), e.ids, e.pay, w.data(), out);
      kernels::dense_scatter_variants[isa](scatter.data(), e.ids, e.pay, w.data(), out);
      kernels::dense_gather_variants[isa](gather.data(), e.dense.data(), in, w.data(), out);
      kernels::dense_scatter(pub_scatter.data(), e.ids, e.pay, w.data(), out);
      kernels::dense_gather(pub_gather.data(), e.dense.data(), in, w.data(), out);
      CHECK(same_bits(scatter, ref));
      CHECK(same_bits(gather, ref));
      CHECK(same_bits(pub_scatter, ref));
      CHECK(same_bits(pub_gather, ref));
    }
  });
}

TEST_CASE("conv scatter and gather: every Isa variant equals the scalar reference bitwise, ragged sizes") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(12);
    int tested = 0;
    for (int trial = 0; trial < 144; ++trial) {
      kernels::ConvGeom g{};
      g.in_h = 1 + static_cast<int>(rng() % 9);
      g.in_w = 1 + static_cast<int>(rng() % 9);
      if (trial % 2 == 0) g.in_w |= 1;  // odd input widths
      g.cin = 1 + static_cast<int>(rng() % 5);
      if (trial % 6 == 5) {  // rows long enough for the gather's position blocks, ragged tails
        g.in_w = 10 + static_cast<int>(rng() % 30);
        g.cin = 1 + static_cast<int>(rng() % 20);
      }
      g.cout = ragged_cout(rng, trial);
      if (trial % 12 == 11) g.cout = 16 << (trial / 12 % 3);  // a blocked width on a long row
      g.kh = 1 + static_cast<int>(rng() % 3);
      g.kw = 1 + static_cast<int>(rng() % 3);
      g.sh = 1 + static_cast<int>(rng() % 2);
      g.sw = 1 + static_cast<int>(rng() % 2);
      if (trial % 3 == 1) g.sh = g.sw = 2;  // stride 2
      g.pad_top = static_cast<int>(rng() % static_cast<unsigned>(g.kh));
      g.pad_left = static_cast<int>(rng() % static_cast<unsigned>(g.kw));
      int pad_bottom = static_cast<int>(rng() % static_cast<unsigned>(g.kh));
      int pad_right = static_cast<int>(rng() % static_cast<unsigned>(g.kw));
      if (trial % 4 == 2) {  // "same"-style padding on every side
        g.kh = g.kw = 3;
        g.pad_top = g.pad_left = pad_bottom = pad_right = 1;
      }
      g.out_h = (g.in_h + g.pad_top + pad_bottom - g.kh) / g.sh + 1;
      g.out_w = (g.in_w + g.pad_left + pad_right - g.kw) / g.sw + 1;
      if (g.in_h + g.pad_top + pad_bottom < g.kh || g.in_w + g.pad_left + pad_right < g.kw) continue;
      CAPTURE(g.in_h);
      CAPTURE(g.in_w);
      CAPTURE(g.cin);
      CAPTURE(g.cout);
      CAPTURE(g.kh);
      CAPTURE(g.kw);
      CAPTURE(g.sh);
      CAPTURE(g.sw);
      CAPTURE(g.pad_top);
      CAPTURE(g.pad_left);
      ++tested;
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      std::vector<float> w(static_cast<std::size_t>(g.cin) * g.kh * g.kw * g.cout);
      for (auto& x : w) x = u(rng);
      const int n_in = g.in_h * g.in_w * g.cin;
      const Events e = random_events(rng, n_in, (trial % 5 + 1) * 0.18f, trial % 2 == 1);
      std::vector<float> v0(static_cast<std::size_t>(g.out_h) * g.out_w * g.cout);
      for (auto& x : v0) x = u(rng);
      const kernels::ConvTaps taps = kernels::make_conv_taps(g);
      auto ref = v0, scatter = v0, gather = v0, pub_scatter = v0, pub_gather = v0;
      kernels::conv_scatter_ref(ref.data(), e.ids, e.pay, w.data(), g);
      kernels::conv_scatter_variants[isa](scatter.data(), e.ids, e.pay, w.data(), g, taps);
      kernels::conv_gather_variants[isa](gather.data(), e.dense.data(), w.data(), g);
      kernels::conv_scatter(pub_scatter.data(), e.ids, e.pay, w.data(), g, taps);
      kernels::conv_gather(pub_gather.data(), e.dense.data(), w.data(), g);
      CHECK(same_bits(scatter, ref));
      CHECK(same_bits(gather, ref));
      CHECK(same_bits(pub_scatter, ref));
      CHECK(same_bits(pub_gather, ref));
    }
    CHECK(tested > 80);
  });
}

TEST_CASE("conv gather with one input channel and a 3x3 window at stride 1 into 16 outputs (a first layer): every Isa variant equals the scalar reference bitwise") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(29);
    for (int trial = 0; trial < 24; ++trial) {
      kernels::ConvGeom g{};
      g.in_h = trial < 4 ? 28 : 1 + static_cast<int>(rng() % 12);
      g.in_w = trial < 4 ? 28 : 1 + static_cast<int>(rng() % 12);
      g.cin = 1;
      g.cout = 16;
      g.kh = g.kw = 3;
      g.sh = g.sw = 1;
      g.pad_top = trial % 2, g.pad_left = trial / 2 % 2;
      const int pad_bottom = trial / 4 % 2, pad_right = trial / 8 % 2;
      if (g.in_h + g.pad_top + pad_bottom < 3 || g.in_w + g.pad_left + pad_right < 3) continue;
      g.out_h = g.in_h + g.pad_top + pad_bottom - 2;
      g.out_w = g.in_w + g.pad_left + pad_right - 2;
      CAPTURE(g.in_h);
      CAPTURE(g.in_w);
      CAPTURE(g.pad_top);
      CAPTURE(g.pad_left);
      std::uniform_real_distribution<float> u(-1.0f, 1.0f);
      std::vector<float> w(9 * 16);
      for (auto& x : w) x = u(rng);
      const Events e = random_events(rng, g.in_h * g.in_w, 0.3f + 0.1f * static_cast<float>(trial % 6), trial % 2 == 1);
      std::vector<float> v0(static_cast<std::size_t>(g.out_h) * g.out_w * 16);
      for (auto& x : v0) x = u(rng);
      auto ref = v0, gather = v0, pub = v0;
      kernels::conv_scatter_ref(ref.data(), e.ids, e.pay, w.data(), g);
      kernels::conv_gather_variants[isa](gather.data(), e.dense.data(), w.data(), g);
      kernels::conv_gather(pub.data(), e.dense.data(), w.data(), g);
      CHECK(same_bits(gather, ref));
      CHECK(same_bits(pub, ref));
    }
  });
}

namespace {

// Channel counts around the vector widths (16 floats in AVX-512, 8 in AVX2, 4 in SSE),
// then random ones.
int ragged_channels(std::mt19937& rng, int trial) {
  static constexpr int edge[] = {1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 32, 33};
  constexpr int n_edge = static_cast<int>(std::size(edge));
  return trial < n_edge ? edge[trial] : 1 + static_cast<int>(rng() % 70);
}

std::vector<std::int32_t> head(const std::vector<std::int32_t>& v, std::size_t k) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k)};
}

std::vector<std::int32_t> at_threshold_expect(const std::vector<float>& v, const std::vector<float>& th,
                                              int ch, std::size_t rows, bool both) {
  std::vector<std::int32_t> expect;
  for (std::size_t i = 0; i < rows * static_cast<std::size_t>(ch); ++i) {
    const float t = th[i % static_cast<std::size_t>(ch)];
    if (v[i] >= t || (both && v[i] <= -t)) expect.push_back(static_cast<std::int32_t>(i));
  }
  return expect;
}

}  // namespace

TEST_CASE("at_threshold and nonzero: every Isa variant equals the scalar reference, ragged sizes") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(14);
    for (int trial = 0; trial < 60; ++trial) {
      const int ch = ragged_channels(rng, trial);
      const std::size_t rows = 1 + rng() % 40, n = rows * static_cast<std::size_t>(ch);
      CAPTURE(ch);
      CAPTURE(rows);
      std::uniform_real_distribution<float> u(-1.5f, 1.5f);
      std::vector<float> v(n), th(static_cast<std::size_t>(ch));
      const unsigned zero_every = 1 + rng() % 8;  // from mostly zero to dense
      for (auto& x : v) x = (rng() % zero_every != 0) ? 0.0f : u(rng);
      for (auto& x : th) x = 0.5f + 0.5f * static_cast<float>(rng() % 3);
      std::vector<std::int32_t> out(n + 16);
      for (bool both : {false, true}) {
        CAPTURE(both);
        const auto expect = at_threshold_expect(v, th, ch, rows, both);
        const std::size_t k = kernels::at_threshold_variants[isa](v.data(), th.data(), ch, rows, both, out.data());
        CHECK(head(out, k) == expect);
        const std::size_t kp = kernels::at_threshold(v.data(), th.data(), ch, rows, both, out.data());
        CHECK(head(out, kp) == expect);
      }
      std::vector<std::int32_t> nz;
      for (std::size_t i = 0; i < n; ++i)
        if (v[i] != 0.0f) nz.push_back(static_cast<std::int32_t>(i));
      const std::size_t k = kernels::nonzero_variants[isa](v.data(), n, out.data());
      CHECK(head(out, k) == nz);
      CHECK(head(out, kernels::nonzero(v.data(), n, out.data())) == nz);
    }
  });
}

TEST_CASE("if_fire: every Isa variant of the fused integrate/fire/reset equals the reference bitwise") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(16);
    std::uniform_real_distribution<float> u(-1.0f, 2.0f);
    for (int trial = 0; trial < 60; ++trial) {
      const int ch = ragged_channels(rng, trial);
      const std::size_t rows = 1 + rng() % 30, n = rows * static_cast<std::size_t>(ch);
      CAPTURE(ch);
      CAPTURE(rows);
      std::vector<float> v(n), drive(n), th(static_cast<std::size_t>(ch));
      for (auto& x : v) x = u(rng);
      for (auto& x : drive) x = 0.3f * u(rng);
      for (auto& x : th) x = 0.25f + 0.25f * static_cast<float>(rng() % 4);
      for (bool with_drive : {false, true})
        for (bool to_zero : {false, true}) {
          CAPTURE(with_drive);
          CAPTURE(to_zero);
          auto a = v, b = v, c = v;
          std::vector<std::int32_t> ia(n + 16), ib(n + 16), ic(n + 16);
          const float* d = with_drive ? drive.data() : nullptr;
          const std::size_t ka = kernels::if_fire_variants[isa](a.data(), d, th.data(), ch, rows, to_zero, ia.data());
          const std::size_t kb = kernels::if_fire_ref(b.data(), d, th.data(), ch, rows, to_zero, ib.data());
          const std::size_t kc = kernels::if_fire(c.data(), d, th.data(), ch, rows, to_zero, ic.data());
          REQUIRE(ka == kb);
          CHECK(head(ia, ka) == head(ib, kb));
          CHECK(std::memcmp(a.data(), b.data(), n * sizeof(float)) == 0);
          REQUIRE(kc == kb);
          CHECK(head(ic, kc) == head(ib, kb));
          CHECK(std::memcmp(c.data(), b.data(), n * sizeof(float)) == 0);
        }
    }
  });
}

TEST_CASE("if_fire_steps and fired_ids: every Isa variant equals the reference bitwise") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(17);
    std::uniform_real_distribution<float> u(-0.5f, 1.0f);
    for (int trial = 0; trial < 50; ++trial) {
      const int ch = ragged_channels(rng, trial), steps = 1 + static_cast<int>(rng() % 12);
      const std::size_t rows = 1 + rng() % 20, n = rows * static_cast<std::size_t>(ch);
      const std::size_t vecs = rows * static_cast<std::size_t>((ch + 15) / 16);
      CAPTURE(ch);
      CAPTURE(rows);
      CAPTURE(steps);
      std::vector<float> v(n), drive(n), th(static_cast<std::size_t>(ch));
      for (auto& x : v) x = u(rng);
      for (auto& x : drive) x = 0.6f * u(rng);
      for (auto& x : th) x = 0.25f + 0.25f * static_cast<float>(rng() % 4);
      for (bool to_zero : {false, true}) {
        CAPTURE(to_zero);
        auto a = v, b = v, c = v, p = v;
        std::vector<std::uint16_t> fa(vecs * static_cast<std::size_t>(steps)), fb(fa.size()), fp(fa.size());
        kernels::if_fire_steps_variants[isa](a.data(), drive.data(), th.data(), ch, rows, to_zero, steps, fa.data());
        kernels::if_fire_steps_ref(b.data(), drive.data(), th.data(), ch, rows, to_zero, steps, fb.data());
        kernels::if_fire_steps(p.data(), drive.data(), th.data(), ch, rows, to_zero, steps, fp.data());
        CHECK(fa == fb);
        CHECK(std::memcmp(a.data(), b.data(), n * sizeof(float)) == 0);
        CHECK(fp == fb);
        CHECK(std::memcmp(p.data(), b.data(), n * sizeof(float)) == 0);
        // Each step's ids (decoded from the reference bits) are those of a step-by-step
        // if_fire_ref.
        std::vector<std::int32_t> ids(n + 16), expect(n + 16);
        for (int t = 0; t < steps; ++t) {
          const std::size_t ke = kernels::if_fire_ref(c.data(), drive.data(), th.data(), ch, rows, to_zero, expect.data());
          const std::uint16_t* bits = fb.data() + static_cast<std::size_t>(t) * vecs;
          const std::size_t k = kernels::fired_ids_variants[isa](bits, ch, rows, ids.data());
          REQUIRE(k == ke);
          CHECK(head(ids, k) == head(expect, ke));
          const std::size_t kp = kernels::fired_ids(bits, ch, rows, ids.data());
          REQUIRE(kp == ke);
          CHECK(head(ids, kp) == head(expect, ke));
        }
      }
    }
  });
}

TEST_CASE("nonzero_i32: every Isa variant, radix integers, sparse and dense, ragged sizes") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(15);
    for (int trial = 0; trial < 80; ++trial) {
      const std::size_t n = trial < 40 ? static_cast<std::size_t>(trial) : rng() % 300;
      CAPTURE(n);
      const unsigned zero_every = 1 + rng() % 4;  // from all-zero-ish to dense
      std::vector<std::int32_t> v(n), out(n + 16, -7), expect;
      for (std::size_t i = 0; i < n; ++i) {
        v[i] = rng() % (zero_every + 1) == 0 ? static_cast<std::int32_t>(rng() % 255) - 50 : 0;
        if (v[i] != 0) expect.push_back(static_cast<std::int32_t>(i));
      }
      CHECK(head(out, kernels::nonzero_i32_variants[isa](v.data(), n, out.data())) == expect);
      CHECK(head(out, kernels::nonzero_i32(v.data(), n, out.data())) == expect);
    }
  });
}

TEST_CASE("radix_fire: every Isa variant equals the literal window end (adds, clip-floor, nonzero q, bit counts)") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(19);
    std::uniform_real_distribution<float> u(-40.0f, 300.0f);
    for (int trial = 0; trial < 80; ++trial) {
      const int ch = trial % 3 == 0 ? 16 * (1 + static_cast<int>(rng() % 4)) : ragged_channels(rng, trial);
      const std::size_t rows = 1 + rng() % 20, n = rows * static_cast<std::size_t>(ch);
      const int digits = 1 + static_cast<int>(rng() % 8);
      const float scale = static_cast<float>(1 << digits), top = scale - 1.0f;
      const bool drive = trial % 2 == 0, v0 = trial % 4 < 2, values = trial % 5 != 0, ones = trial % 7 != 0;
      CAPTURE(ch);
      CAPTURE(rows);
      CAPTURE(drive);
      CAPTURE(v0);
      CAPTURE(values);
      const bool per_channel = trial % 8 >= 4;  // the constant current as a bias per channel
      std::vector<float> v(n), d(n), z(n), th(static_cast<std::size_t>(ch)), bias(th.size());
      for (auto& x : bias) x = u(rng) / 64.0f;
      for (auto& x : v) x = rng() % 3 == 0 ? 0.0f : u(rng);
      for (auto& x : d) x = u(rng) / 64.0f;
      for (auto& x : z) x = 0.5f * static_cast<float>(rng() % 3);
      for (auto& x : th) x = trial % 2 ? 0.5f + 0.25f * static_cast<float>(rng() % 8) : 0.05f + u(rng) / 100.0f;
      std::vector<float> rc(th.size());
      for (std::size_t c = 0; c < th.size(); ++c) rc[c] = 1.0f / th[c];
      // Values at and next to integer multiples of theta (after the adds): where v * (1 /
      // theta) and v / theta may floor differently.
      if (trial % 3 != 1)
        for (std::size_t i = 0; i < n; ++i) {
          float t = static_cast<float>(rng() % 300) * th[i % static_cast<std::size_t>(ch)];
          for (int s = static_cast<int>(rng() % 7) - 3; s != 0; s += s > 0 ? -1 : 1)
            t = std::nextafter(t, s > 0 ? 1e9f : -1e9f);
          v[i] = t, d[i] = 0.0f, z[i] = 0.0f;
        }
      if (trial % 3 != 1) std::fill(bias.begin(), bias.end(), 0.0f);
      // The literal definition, in double-free float steps written out here.
      std::vector<float> ve = v;
      std::vector<std::int32_t> qe(n), nze, qnze;
      std::vector<float> paye;
      std::vector<std::uint32_t> onese;
      for (std::size_t i = 0; i < n; ++i) {
        if (drive) ve[i] = ve[i] + scale * (per_channel ? bias[i % static_cast<std::size_t>(ch)] : d[i]);
        if (v0) ve[i] = ve[i] + z[i];
        qe[i] = static_cast<std::int32_t>(std::clamp(std::floor(ve[i] / th[i % static_cast<std::size_t>(ch)]), 0.0f, top));
        if (qe[i] == 0) continue;
        nze.push_back(static_cast<std::int32_t>(i));
        qnze.push_back(qe[i]);
        paye.push_back(static_cast<float>(qe[i]));
        std::uint32_t b = 0;
        for (std::uint32_t x = static_cast<std::uint32_t>(qe[i]); x; x >>= 1) b += x & 1u;
        onese.push_back(b);
      }
      auto run = [&](auto fn, bool reference) {
        std::vector<float> vv = v;
        std::vector<std::int32_t> q(n, -7), nz(n + 16, -7), qnz(n + 16, -7);
        std::vector<float> pay(n + 16, -7.0f);
        std::vector<std::uint32_t> on(n + 16, 7u);
        std::vector<float> qf(n, -7.0f);
        std::vector<std::uint32_t> all(n, 7u);
        std::uint64_t total = 5;  // added to
        const bool dense = trial % 3 != 1, masks = trial % 6 != 5;
        const kernels::RadixFire a{vv.data(), drive && !per_channel ? d.data() : nullptr, scale, v0 ? z.data() : nullptr,
                                   th.data(), ch, rows, top, q.data(), nz.data(),
                                   values && masks ? qnz.data() : nullptr, values ? pay.data() : nullptr,
                                   values && ones ? on.data() : nullptr, dense ? qf.data() : nullptr,
                                   trial % 4 != 3 ? rc.data() : nullptr, drive && per_channel ? bias.data() : nullptr,
                                   dense ? all.data() : nullptr, dense ? &total : nullptr};
        const std::size_t k = fn(a);
        CAPTURE(reference);
        CHECK(same_bits(vv, ve));
        CHECK(q == qe);
        if (dense)
          for (std::size_t i = 0; i < n; ++i) {
            CHECK(qf[i] == static_cast<float>(qe[i]));
            std::uint32_t b = 0;
            for (std::uint32_t x = static_cast<std::uint32_t>(qe[i]); x; x >>= 1) b += x & 1u;
            CHECK(all[i] == b);
          }
        if (dense) {
          std::uint64_t sum = 5;
          for (const std::uint32_t b : onese) sum += b;
          CHECK(total == sum);
        }
        REQUIRE(k == nze.size());
        CHECK(head(nz, k) == nze);
        if (values) {
          if (masks) CHECK(head(qnz, k) == qnze);
          else CHECK(qnz == std::vector<std::int32_t>(n + 16, -7));
          CHECK(std::vector<float>(pay.begin(), pay.begin() + static_cast<std::ptrdiff_t>(k)) == paye);
          if (ones) CHECK(std::vector<std::uint32_t>(on.begin(), on.begin() + static_cast<std::ptrdiff_t>(k)) == onese);
        }
      };
      run(kernels::radix_fire_variants[isa], false);
      run(kernels::radix_fire, false);
      run(kernels::radix_fire_ref, true);
    }
  });
}

TEST_CASE("sop_sum: every Isa variant equals the 64-bit sum of units x fan-out, ragged lengths, large products") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(23);
    for (std::size_t n : {0u, 1u, 5u, 15u, 16u, 17u, 31u, 33u, 100u, 1000u, 4099u}) {
      for (bool big : {false, true}) {
        CAPTURE(n);
        CAPTURE(big);
        const std::size_t inputs = 64 + rng() % 5000;
        std::vector<std::uint32_t> fan(inputs), units(n);
        std::vector<std::int32_t> ids(n);
        for (auto& f : fan) f = big ? 0xF0000000u + static_cast<std::uint32_t>(rng() % 1000) : static_cast<std::uint32_t>(rng() % 600);
        for (std::size_t e = 0; e < n; ++e) {
          ids[e] = static_cast<std::int32_t>(rng() % inputs);
          units[e] = big ? 0xFFFF0000u + static_cast<std::uint32_t>(rng() % 100) : static_cast<std::uint32_t>(rng() % 9);
        }
        // the sum written out with 128-bit products (no overflow to hide)
        __extension__ typedef unsigned __int128 u128;
        u128 expect = 0, plain = 0;
        for (std::size_t e = 0; e < n; ++e) {
          expect += static_cast<u128>(units[e]) * fan[static_cast<std::size_t>(ids[e])];
          plain += units[e];
        }
        CHECK(kernels::sop_sum_variants[isa](units.data(), ids.data(), fan.data(), n) == static_cast<std::uint64_t>(expect));
        CHECK(kernels::sop_sum(units.data(), ids.data(), fan.data(), n) == static_cast<std::uint64_t>(expect));
        CHECK(kernels::sop_sum_variants[isa](units.data(), ids.data(), nullptr, n) == static_cast<std::uint64_t>(plain));
        // dense: units per input id
        std::vector<std::uint32_t> dense(inputs, 0u);
        u128 dot = 0;
        for (std::size_t e = 0; e < n && e < inputs; ++e) dense[e] = units[e];
        for (std::size_t i = 0; i < inputs; ++i) dot += static_cast<u128>(dense[i]) * fan[i];
        CHECK(kernels::sop_dot_variants[isa](dense.data(), fan.data(), inputs) == static_cast<std::uint64_t>(dot));
        CHECK(kernels::sop_dot(dense.data(), fan.data(), inputs) == static_cast<std::uint64_t>(dot));
      }
    }
  });
}

TEST_CASE("radix_digit: every Isa variant emits the literal digit of every neuron (bases 2 to 16, ragged lengths)") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(37);
    for (int trial = 0; trial < 60; ++trial) {
      const int bits = 1 + trial % 4, digits = 1 + static_cast<int>(rng() % 6);
      const std::size_t n = static_cast<std::size_t>(rng() % 300);
      const std::int32_t top = (1 << (bits * digits)) - 1;
      std::vector<std::int32_t> q(n);
      for (auto& x : q) x = rng() % 3 == 0 ? 0 : static_cast<std::int32_t>(rng() % static_cast<unsigned>(top + 1));
      const int k = static_cast<int>(rng() % static_cast<unsigned>(digits));
      const int shift = bits * (digits - 1 - k);
      CAPTURE(n);
      CAPTURE(bits);
      CAPTURE(shift);
      std::vector<std::int32_t> ide;
      std::vector<float> paye;
      for (std::size_t i = 0; i < n; ++i) {
        std::int32_t d = q[i];
        for (int j = 0; j < shift; ++j) d /= 2;
        d %= 1 << bits;
        if (d) ide.push_back(static_cast<std::int32_t>(i)), paye.push_back(static_cast<float>(d));
      }
      for (auto fn : {kernels::radix_digit_variants[isa], &kernels::radix_digit, &kernels::radix_digit_ref}) {
        std::vector<std::int32_t> ids(n + 16, -1);
        std::vector<float> pay(n + 16, -1.0f);
        const std::size_t got = fn(q.data(), n, shift, (1 << bits) - 1, ids.data(), pay.data());
        REQUIRE(got == ide.size());
        CHECK(head(ids, got) == ide);
        CHECK(std::vector<float>(pay.begin(), pay.begin() + static_cast<std::ptrdiff_t>(got)) == paye);
      }
    }
  });
}

TEST_CASE("add_into: every Isa variant equals the scalar sum bitwise, ragged lengths") {
  for_each_isa([](Isa isa) {
    std::mt19937 rng(13);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (std::size_t n : {0u, 1u, 3u, 7u, 8u, 9u, 15u, 16u, 17u, 31u, 33u, 63u, 64u, 65u, 100u, 1023u}) {
      CAPTURE(n);
      std::vector<float> v(n), a(n);
      for (std::size_t i = 0; i < n; ++i) v[i] = u(rng), a[i] = u(rng);
      auto expect = v, got = v, pub = v;
      for (std::size_t i = 0; i < n; ++i) expect[i] = expect[i] + a[i];
      kernels::add_into_variants[isa](got.data(), a.data(), n);
      kernels::add_into(pub.data(), a.data(), n);
      CHECK(same_bits(got, expect));
      CHECK(same_bits(pub, expect));
    }
  });
}

TEST_CASE("scale_round: every Isa variant equals std::nearbyint(x * scale) bitwise (ties, signs, big values, ragged lengths)") {
  // Values whose products are exact ties (k + 1/2), near ties, negative (-0.3 -> -0), at and
  // beyond 2^23 (already integers), infinities; NaN stays a NaN.
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> special{0.0f, -0.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 0.49999997f, -0.3f,
                             254.5f, 255.0f, 8388607.5f, 8388608.0f, 8388609.0f, -8388609.0f, 1e30f,
                             -1e30f, inf, -inf};
  bool checked_nan = false;
  for_each_isa([&](Isa isa) {
    std::mt19937 rng(29);
    std::uniform_real_distribution<float> u(-300.0f, 300.0f);
    for (std::size_t n : {0u, 1u, 7u, 8u, 9u, 15u, 16u, 17u, 20u, 33u, 100u, 784u, 1023u}) {
      for (float scale : {1.0f, 255.0f, 0.5f}) {
        CAPTURE(n);
        CAPTURE(scale);
        std::vector<float> x(n);
        for (std::size_t i = 0; i < n; ++i)
          x[i] = i < special.size() && scale == 1.0f ? special[i]
                 : rng() % 4 == 0                  ? std::floor(u(rng)) + 0.5f  // ties at scale 1
                                                   : u(rng) / (scale == 255.0f ? 255.0f : 1.0f);
        std::vector<float> expect(n), got(n, 7.0f), pub(n, 7.0f), ref(n, 7.0f);
        for (std::size_t i = 0; i < n; ++i) expect[i] = std::nearbyint(x[i] * scale);  // written here
        kernels::scale_round_variants[isa](got.data(), x.data(), scale, n);
        kernels::scale_round(pub.data(), x.data(), scale, n);
        kernels::scale_round_ref(ref.data(), x.data(), scale, n);
        CHECK(same_bits(got, expect));
        CHECK(same_bits(pub, expect));
        CHECK(same_bits(ref, expect));
      }
    }
    std::vector<float> nan{std::numeric_limits<float>::quiet_NaN()}, out{0.0f};
    kernels::scale_round_variants[isa](out.data(), nan.data(), 255.0f, 1);
    CHECK(std::isnan(out[0]));
    checked_nan = true;
  });
  CHECK(checked_nan);
}

TEST_CASE("AlignedFloats: storage starts on a 64-byte line, after growth and copies too") {
  for (std::size_t n : {1u, 3u, 16u, 17u, 100u, 1000u, 100000u}) {
    AlignedFloats v(n, 1.0f);
    CHECK(reinterpret_cast<std::uintptr_t>(v.data()) % 64 == 0);
    v.resize(3 * n + 1);
    CHECK(reinterpret_cast<std::uintptr_t>(v.data()) % 64 == 0);
    const AlignedFloats copy = v;
    CHECK(reinterpret_cast<std::uintptr_t>(copy.data()) % 64 == 0);
    CHECK(copy == v);
  }
}

TEST_CASE("conv_dense_above: the blocked widths only, projections switch early, wide stride-1 convs never") {
  auto geom = [](int in, int cin, int cout, int k, int s, int pad) {
    kernels::ConvGeom g{in, in, cin, (in + 2 * pad - k) / s + 1, (in + 2 * pad - k) / s + 1, cout, k, k, s, s, pad, pad};
    return g;
  };
  const kernels::ConvGeom odd = geom(28, 16, 17, 1, 2, 0);  // a projection, but no blocked gather
  CHECK(kernels::conv_dense_above(odd, kernels::make_conv_taps(odd)) < 0.0f);
  const kernels::ConvGeom proj = geom(28, 16, 16, 1, 2, 0);  // 1x1 stride 2: 3/4 of inputs reach no output
  const float p = kernels::conv_dense_above(proj, kernels::make_conv_taps(proj));
  CHECK(p > 0.0f);
  CHECK(p < 0.1f);
  const kernels::ConvGeom wide = geom(4, 64, 64, 3, 1, 1);
  CHECK(kernels::conv_dense_above(wide, kernels::make_conv_taps(wide)) < 0.0f);
  for (int cout : {16, 32, 64}) {
    const kernels::ConvGeom g = geom(14, 16, cout, 3, 1, 1);
    const float d = kernels::conv_dense_above(g, kernels::make_conv_taps(g));
    CHECK((d < 0.0f || (d > 0.0f && d <= 1.0f)));
  }
}
