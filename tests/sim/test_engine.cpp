// Engine equivalences (layer-major vs time-major, sparse vs dense kernels, 1 thread vs
// all), metrics, the golden run and bad inputs.
#include <doctest/doctest.h>

#include <cstring>
#include <random>

#include <brisk/core/engine/engine.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/sim/nets.hpp"

using namespace brisk;
using namespace brisk::test;

namespace {

struct Case {
  const char* name;
  NeuronKind neuron;
  EncoderKind encoder;
};

constexpr Case kCases[] = {
    {"IF/direct", NeuronKind::IF, EncoderKind::Direct},
    {"IF/rate", NeuronKind::IF, EncoderKind::Rate},
    {"DT/rate", NeuronKind::DoubleThreshold, EncoderKind::Rate},
    {"augmented/augmented", NeuronKind::Augmented, EncoderKind::Augmented},
    {"radix/radix", NeuronKind::Radix, EncoderKind::Radix},
};

SpikingNetwork cnn_net(const Case& c, int T, float dense_threshold = 0.25f) {
  const Graph g = small_cnn(3);
  LayerSpec ls;
  ls.neuron = c.neuron;
  ls.threshold = {0.3f};
  ls.max_coefficient = 3;
  SnnSpec s = spec_for(g, ls, c.encoder, T);
  s.input_scale = c.encoder == EncoderKind::Augmented ? 0.25f : 1.0f;
  return compile(g, s, CompileOptions{dense_threshold});
}

Dataset noise_data(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Dataset d;
  d.shape = {1, 8, 8};
  d.x = uniform(rng, n * 64, 0.0f, 1.0f);
  for (std::size_t i = 0; i < n; ++i) d.y.push_back(static_cast<std::int32_t>(rng() % 5));
  d.num_classes = 5;
  return d;
}

bool same_trains(const SampleTrace& a, const SampleTrace& b) {
  if (a.trains.size() != b.trains.size() || a.readout != b.readout) return false;
  for (std::size_t l = 0; l < a.trains.size(); ++l) {
    const auto& x = a.trains[l];
    const auto& y = b.trains[l];
    if (x.events() != y.events() || x.closed_steps() != y.closed_steps()) return false;
    if (!std::equal(x.all_ids().begin(), x.all_ids().end(), y.all_ids().begin())) return false;
    if (!std::equal(x.all_payload().begin(), x.all_payload().end(), y.all_payload().begin())) return false;
    if (!std::equal(x.offsets().begin(), x.offsets().end(), y.offsets().begin())) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("layer-major and time-major schedules give identical spike trains") {
  const Dataset d = noise_data(5, 1);
  for (const Case& c : kCases) {
    CAPTURE(c.name);
    const SpikingNetwork net = cnn_net(c, 16);
    for (std::size_t i = 0; i < d.count(); ++i) {
      RunOptions lm, tm;
      tm.schedule = Schedule::TimeMajor;
      const auto a = simulate(net, d.sample(i), i, lm);
      const auto b = simulate(net, d.sample(i), i, tm);
      CHECK(same_trains(a, b));
      std::size_t hidden_events = 0;
      for (std::size_t l = 1; l + 1 < a.trains.size(); ++l) hidden_events += a.trains[l].events();
      CHECK(hidden_events > 0);  // the network is not silent
    }
  }
}

TEST_CASE("sparse scatter and dense kernels give identical spike trains") {
  const Dataset d = noise_data(4, 2);
  for (const Case& c : kCases) {
    CAPTURE(c.name);
    const SpikingNetwork net = cnn_net(c, 12);
    for (std::size_t i = 0; i < d.count(); ++i) {
      RunOptions sparse, dense, automatic;
      sparse.kernel = KernelPolicy::Sparse;
      dense.kernel = KernelPolicy::Dense;
      const auto a = simulate(net, d.sample(i), i, sparse);
      CHECK(same_trains(a, simulate(net, d.sample(i), i, dense)));
      CHECK(same_trains(a, simulate(net, d.sample(i), i, automatic)));
    }
  }
}

TEST_CASE("results do not depend on the thread count") {
  const Dataset d = noise_data(37, 3);
  for (const Case& c : kCases) {
    CAPTURE(c.name);
    const SpikingNetwork net = cnn_net(c, 10);
    RunOptions one, all;
    one.threads = 1;
    all.threads = 0;
    one.keep_logits = all.keep_logits = true;
    one.record = all.record = Record::Counts;
    const RunResult a = run(net, d, one), b = run(net, d, all);
    CHECK(a.predictions == b.predictions);
    CHECK(a.logits == b.logits);
    CHECK(a.accuracy == b.accuracy);
    CHECK(a.sample_sops == b.sample_sops);
    CHECK(a.sample_spikes == b.sample_spikes);
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
      CHECK(a.layers[l].counts == b.layers[l].counts);
      CHECK(a.layers[l].sops == b.layers[l].sops);
    }
  }
}

TEST_CASE("radix value links: run() equals the digit-level run in every metric") {
  const Dataset d = noise_data(23, 7);
  for (int base : {2, 4}) {
    CAPTURE(base);
    const Graph g = small_cnn(5, true);
    LayerSpec ls;
    ls.neuron = NeuronKind::Radix;
    ls.radix_base = base;
    ls.radix_digits = base == 2 ? 8 : 4;
    ls.threshold = {0.3f};
    SnnSpec s = spec_for(g, ls, EncoderKind::Radix, 0);
    s.input_radix_base = base;
    s.input_radix_digits = ls.radix_digits;
    for (std::size_t i = 0; i < g.layers.size(); ++i)
      if (g.layers[i].op == OpKind::AvgPool2D) s.layers[i].neuron = NeuronKind::None;
    CompileOptions values, digits;
    digits.radix_values = false;
    RunOptions o;
    o.keep_logits = true;
    const RunResult a = run(compile(g, s, values), d, o), b = run(compile(g, s, digits), d, o);
    CHECK(a.predictions == b.predictions);
    CHECK(a.logits == b.logits);
    CHECK(a.accuracy == b.accuracy);
    CHECK(a.sample_sops == b.sample_sops);
    CHECK(a.sample_spikes == b.sample_spikes);
    CHECK(a.total_sops > 0);
    for (std::size_t l = 0; l < a.layers.size(); ++l) {
      CAPTURE(l);
      CHECK(a.layers[l].sops == b.layers[l].sops);
      CHECK(a.layers[l].spikes == b.layers[l].spikes);
    }
  }
}

TEST_CASE("run: metrics are consistent with single-sample traces") {
  const Dataset d = noise_data(6, 4);
  const SpikingNetwork net = cnn_net(kCases[1], 8);
  RunOptions o;
  o.record = Record::MeanRate;
  const RunResult r = run(net, d, o);
  CHECK(r.accuracy.size() == 8);
  CHECK(r.steps == 8);
  std::uint64_t sops = 0, spikes = 0;
  for (std::size_t i = 0; i < d.count(); ++i) {
    const auto tr = simulate(net, d.sample(i), i);
    CHECK(argmax(tr.readout.back()) == r.predictions[i]);
    std::uint64_t s = 0;
    for (auto x : tr.sops) s += x;
    CHECK(s == r.sample_sops[i]);
    sops += s;
    for (std::size_t l = 0; l < tr.trains.size(); ++l)
      if (net.layer(static_cast<int>(l)).neuron != NeuronKind::None || l == 0) spikes += tr.trains[l].events();
  }
  CHECK(sops == r.total_sops);
  CHECK(spikes == r.total_spikes);
  CHECK(r.ann_macs > 0);
  CHECK(r.snn_energy_pj == doctest::Approx(0.9 * static_cast<double>(r.total_sops) / 6));
  CHECK(r.layers[1].mean_output.size() == 4 * 8 * 8);
  double correct_last = 0;
  for (std::size_t i = 0; i < d.count(); ++i) correct_last += r.predictions[i] == d.y[i];
  CHECK(r.accuracy.back() == doctest::Approx(correct_last / 6));
}

TEST_CASE("direct input: the first layer's current is computed once (analog MACs = layer MACs)") {
  const Dataset d = noise_data(3, 5);
  const SpikingNetwork net = cnn_net(kCases[0], 16);
  const RunResult r = run(net, d);
  CHECK(r.layers[1].analog_macs == 3 * net.layer(1).macs);
  CHECK(r.layers[3].analog_macs == 0);
}

// A regression pin, not a correctness reference: the checksum was recorded from this
// engine's own output, so it only says that the spike trains did not change. A failure
// after an intended change (encoder, neuron model, event order) means: check the
// independent tests (test_identities, test_operators, test_leak, test_rate_encoder), then
// re-pin the value printed by MESSAGE.
TEST_CASE("golden run (regression pin, not a reference): fixed network and seed, checksum of all spike trains") {
  const Dataset d = noise_data(8, 6);
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::uint64_t v) { h = (h ^ v) * 1099511628211ull; };
  for (const Case& c : kCases) {
    if (c.neuron == NeuronKind::Radix) continue;  // checksum fixed before radix joined kCases
    const SpikingNetwork net = cnn_net(c, 10);
    for (std::size_t i = 0; i < d.count(); ++i) {
      const auto tr = simulate(net, d.sample(i), i);
      for (const auto& t : tr.trains) {
        for (auto o : t.offsets()) mix(o);
        for (auto id : t.all_ids()) mix(static_cast<std::uint64_t>(id));
        for (float p : t.all_payload()) mix(static_cast<std::uint64_t>(static_cast<std::int64_t>(p * 64)));
      }
    }
  }
  MESSAGE("golden checksum " << h);
  CHECK(h == 15011970121488596071ull);
}

TEST_CASE("bad inputs are clear errors") {
  const Graph g = small_cnn(3);
  LayerSpec ls;
  SnnSpec s = spec_for(g, ls, EncoderKind::Direct, 4);
  SUBCASE("spec length") {
    s.layers.pop_back();
    CHECK_THROWS_AS(compile(g, s), InputError);
  }
  SUBCASE("threshold count") {
    s.layers[1].threshold = {1.0f, 2.0f};
    CHECK_THROWS_AS(compile(g, s), InputError);
  }
  SUBCASE("non-positive threshold") {
    s.layers[1].threshold = {0.0f};
    CHECK_THROWS_AS(compile(g, s), InputError);
  }
  SUBCASE("output must be a readout") {
    s.layers.back().neuron = NeuronKind::IF;
    CHECK_THROWS_AS(compile(g, s), InputError);
  }
  SUBCASE("radix digits mismatch") {
    for (auto& l : s.layers)
      if (l.neuron == NeuronKind::IF) l.neuron = NeuronKind::Radix;
    s.layers[2].neuron = NeuronKind::None;
    s.encoder = EncoderKind::Radix;
    s.input_radix_digits = 5;
    CHECK_THROWS_AS(compile(g, s), InputError);
  }
  SUBCASE("data shape") {
    const SpikingNetwork net = compile(g, s);
    Dataset d = noise_data(2, 1);
    d.shape = {1, 4, 16};
    CHECK_THROWS_AS(run(net, d), InputError);
    CHECK_THROWS_AS(simulate(net, std::vector<float>(10)), InputError);
  }
}
