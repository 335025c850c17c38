// Rate encoder statistics. Each element spikes independently with probability p per step,
// so its spike count over T steps is Binomial(T, p): mean T p, variance T p (1 - p).
// Over n (neuron x sample) trials the sample mean has standard error sqrt(T p q / n) and
// the sample variance sqrt((mu4 - sigma^4 (n - 3) / (n - 1)) / n), with the binomial's
// central fourth moment mu4 = T p q (1 + 3 (T - 2) p q). Both must lie within 5 standard
// errors of the closed form (a false alarm about once in 10^6 runs; the seeds are fixed, so
// a run either always passes or always fails). Checked through encoders::rate itself and
// through the engine's Input layer (run() with Record::Counts).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/network.hpp>
#include <brisk/core/engine/spike_train.hpp>
#include <brisk/encoders/rate.hpp>
#include "tests/sim/nets.hpp"

using namespace brisk;
using namespace brisk::test;

namespace {

constexpr float kProbs[] = {0.05f, 0.3f, 0.7f, 0.95f};
constexpr int kRepeat = 100;  // neurons per probability
constexpr int kSamples = 60;  // samples (sample index = seed stream)
constexpr int kT = 16;

// x: kProbs repeated kRepeat times (element i has p = kProbs[i % 4]) times `scale`, the
// odd repetitions negative (same p, payload -1).
std::vector<float> probe(float scale) {
  std::vector<float> x;
  for (int r = 0; r < kRepeat; ++r)
    for (float p : kProbs) x.push_back((r % 2 ? -1.0f : 1.0f) * p * scale);
  return x;
}

void check_binomial(const std::vector<double>& counts, int T, double p) {
  const double n = static_cast<double>(counts.size());
  double mean = 0;
  for (double c : counts) mean += c;
  mean /= n;
  double var = 0;
  for (double c : counts) var += (c - mean) * (c - mean);
  var /= n - 1;
  const double q = 1 - p, s2 = T * p * q;
  const double mu4 = T * p * q * (1 + 3 * (T - 2) * p * q);
  const double se_mean = std::sqrt(s2 / n);
  const double se_var = std::sqrt((mu4 - s2 * s2 * (n - 3) / (n - 1)) / n);
  CAPTURE(p);
  CAPTURE(mean);
  CAPTURE(var);
  CHECK(std::fabs(mean - T * p) <= 5 * se_mean);
  CHECK(std::fabs(var - s2) <= 5 * se_var);
}

// Spike counts and payload signs of one train, per element.
std::vector<int> count(const SpikeTrain& t, std::size_t n, bool* signs_ok, const std::vector<float>& x) {
  std::vector<int> c(n, 0);
  for (std::size_t e = 0; e < t.events(); ++e) {
    const auto i = static_cast<std::size_t>(t.all_ids()[e]);
    ++c[i];
    *signs_ok = *signs_ok && t.all_payload()[e] == (x[i] < 0 ? -1.0f : 1.0f);
  }
  return c;
}

std::vector<std::int32_t> ids_of(const SpikeTrain& t) { return {t.all_ids().begin(), t.all_ids().end()}; }

}  // namespace

TEST_CASE("rate encoder: spike counts are Binomial(T, p) (mean T p, variance T p (1 - p))") {
  for (float scale : {1.0f, 2.5f}) {
    CAPTURE(scale);
    const std::vector<float> x = probe(scale);
    std::vector<std::vector<double>> by_p(4);
    bool signs_ok = true;
    SpikeTrain t;
    for (int s = 0; s < kSamples; ++s) {
      t.clear(kT);
      encoders::rate(x, scale, kT, 17, static_cast<std::uint64_t>(s), t);
      REQUIRE(t.closed_steps() == kT);
      const auto c = count(t, x.size(), &signs_ok, x);
      for (std::size_t i = 0; i < x.size(); ++i) by_p[i % 4].push_back(c[i]);
    }
    CHECK(signs_ok);
    for (std::size_t k = 0; k < 4; ++k) check_binomial(by_p[k], kT, kProbs[k]);
  }
}

TEST_CASE("rate encoder: a sample's train depends only on (seed, index), not on call order") {
  const std::vector<float> x = probe(1.0f);
  std::vector<std::vector<std::int32_t>> forward_order, backward_order(kSamples);
  SpikeTrain t;
  for (int s = 0; s < kSamples; ++s) {
    t.clear(kT);
    encoders::rate(x, 1.0f, kT, 5, static_cast<std::uint64_t>(s), t);
    forward_order.push_back(ids_of(t));
  }
  for (int s = kSamples - 1; s >= 0; --s) {
    t.clear(kT);
    encoders::rate(x, 1.0f, kT, 5, static_cast<std::uint64_t>(s), t);
    backward_order[static_cast<std::size_t>(s)] = ids_of(t);
  }
  CHECK(forward_order == backward_order);
  t.clear(kT);
  encoders::rate(x, 1.0f, kT, 6, 0, t);  // another seed, another train
  CHECK(ids_of(t) != forward_order[0]);
  CHECK(forward_order[0] != forward_order[1]);  // another index, another train
}

TEST_CASE("rate encoder through the engine's Input layer: Binomial counts, thread-count independent") {
  const float scale = 2.0f;
  const std::vector<float> x = probe(scale);
  const int n = static_cast<int>(x.size());
  Graph g;
  g.layers.push_back(input_layer({n}));
  g.layers.push_back(dense_layer("out", 0, n, 2, std::vector<float>(static_cast<std::size_t>(n) * 2, 0.5f)));
  g.layers.back().act = Act::Linear;
  g.output = 1;
  validate(g);
  LayerSpec ls;
  SnnSpec s = spec_for(g, ls, EncoderKind::Rate, kT);
  s.input_scale = scale;
  s.seed = 99;
  const SpikingNetwork net = compile(g, s);
  Dataset d;
  d.shape = {n};
  for (int i = 0; i < kSamples; ++i) {
    d.x.insert(d.x.end(), x.begin(), x.end());
    d.y.push_back(0);
  }
  RunOptions one, two;
  one.threads = 1;
  two.threads = 2;
  one.record = two.record = Record::Counts;
  one.record_layers = two.record_layers = {0};
  const RunResult a = run(net, d, one), b = run(net, d, two);
  REQUIRE(a.layers[0].counts.size() == static_cast<std::size_t>(kSamples) * n);
  CHECK(a.layers[0].counts == b.layers[0].counts);
  CHECK(a.sample_spikes == b.sample_spikes);
  // Counts are payload sums: |sum| is the spike count (one sign per element).
  std::vector<std::vector<double>> by_p(4);
  for (int i = 0; i < kSamples; ++i)
    for (int j = 0; j < n; ++j)
      by_p[static_cast<std::size_t>(j % 4)].push_back(
          std::fabs(a.layers[0].counts[static_cast<std::size_t>(i) * n + j]));
  for (std::size_t k = 0; k < 4; ++k) check_binomial(by_p[k], kT, kProbs[k]);
  // Same seed, same index => same train: simulate() of sample i and encoders::rate with
  // (seed, i) give the run's counts for sample i.
  for (int i : {0, 7, kSamples - 1}) {
    CAPTURE(i);
    const SampleTrace tr = simulate(net, x, static_cast<std::size_t>(i));
    SpikeTrain t;
    t.clear(kT);
    encoders::rate(x, scale, kT, 99, static_cast<std::uint64_t>(i), t);
    CHECK(ids_of(tr.trains[0]) == ids_of(t));
    std::vector<float> sums(static_cast<std::size_t>(n), 0.0f);
    for (std::size_t e = 0; e < t.events(); ++e) sums[static_cast<std::size_t>(t.all_ids()[e])] += t.all_payload()[e];
    const std::vector<float> row(a.layers[0].counts.begin() + static_cast<std::ptrdiff_t>(i) * n,
                                 a.layers[0].counts.begin() + static_cast<std::ptrdiff_t>(i + 1) * n);
    CHECK(row == sums);
  }
}
