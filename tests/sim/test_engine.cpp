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

namespace {

// A branching radix net on 1x8x8 inputs with dyadic weights (every float sum exact, so the
// window values and the digit trains give bitwise the same potentials): a stem, a
// residual block with a zero-padded conv and a scaled identity shortcut (synapses without
// neurons), a stride-2 block with a 1x1 projection, then max- and average-pooled branches
// concatenated, flattened, a Dense population and the readout.
struct BranchNet {
  Graph g;
  SnnSpec s;
  int add = 0, add2 = 0, fc = 0;
};

BranchNet branch_net(int base, int digits, std::uint32_t seed) {
  std::mt19937 rng(seed);
  auto w = [&](std::size_t n) { return dyadic(rng, n, -12, 16, 64.0f); };
  auto none = [](Layer l) { l.act = Act::Linear; l.bias.clear(); return l; };
  BranchNet b;
  Graph& g = b.g;
  g.layers.push_back(input_layer({1, 8, 8}));
  g.layers.push_back(conv_layer("stem", 0, 1, 4, 3, 1, 1, w(36), w(4)));              // 1
  Layer zp = pool_layer("zp", OpKind::ZeroPad2D, 1, 1);
  zp.kernel_h = zp.kernel_w = zp.stride_h = zp.stride_w = 1;
  zp.pad_top = zp.pad_bottom = zp.pad_left = zp.pad_right = 1;
  g.layers.push_back(zp);                                                             // 2
  g.layers.push_back(conv_layer("c1", 2, 4, 4, 3, 1, 0, w(144), w(4)));               // 3
  g.layers.push_back(none(conv_layer("c2", 3, 4, 4, 3, 1, 1, w(144))));               // 4
  Layer sc;
  sc.name = "sc";
  sc.op = OpKind::Affine;
  sc.inputs = {1};
  sc.scale = dyadic(rng, 4, 8, 24, 16.0f);
  sc.shift.assign(4, 0.0f);
  g.layers.push_back(sc);                                                             // 5
  Layer add;
  add.name = "add";
  add.op = OpKind::Add;
  add.inputs = {4, 5};
  add.act = Act::ReLU;
  g.layers.push_back(add);                                                            // 6
  g.layers.push_back(none(conv_layer("proj", 6, 4, 6, 1, 2, 0, w(24))));              // 7
  g.layers.push_back(conv_layer("c3", 6, 4, 6, 3, 2, 1, w(216), w(6)));               // 8
  g.layers.push_back(none(conv_layer("c4", 8, 6, 6, 3, 1, 1, w(324))));               // 9
  add.name = "add2";
  add.inputs = {9, 7};
  g.layers.push_back(add);                                                            // 10
  g.layers.push_back(pool_layer("mp", OpKind::MaxPool2D, 10, 2));                     // 11
  g.layers.push_back(pool_layer("ap", OpKind::AvgPool2D, 6, 4));                      // 12
  Layer cat;
  cat.name = "cat";
  cat.op = OpKind::Concat;
  cat.inputs = {11, 12};
  g.layers.push_back(cat);                                                            // 13
  g.layers.push_back(flatten_layer(13));                                              // 14
  g.layers.push_back(dense_layer("fc", 14, 40, 12, w(480), w(12)));                   // 15
  g.layers.push_back(dense_layer("out", 15, 12, 5, w(60), w(5)));                     // 16
  g.layers.back().act = Act::Linear;
  g.output = 16;
  validate(g);
  LayerSpec ls;
  ls.neuron = NeuronKind::Radix;
  ls.radix_base = base;
  ls.radix_digits = digits;
  ls.threshold = {0.25f};
  b.s = spec_for(g, ls, EncoderKind::Radix, 0);
  b.s.input_radix_base = base;
  b.s.input_radix_digits = digits;
  for (int l : {4, 5, 7, 9, 11, 12, 13}) b.s.layers[static_cast<std::size_t>(l)].neuron = NeuronKind::None;
  b.add = 6, b.add2 = 10, b.fc = 15;
  return b;
}

void check_same_run(const RunResult& a, const RunResult& b) {
  CHECK(a.predictions == b.predictions);
  CHECK(a.logits == b.logits);
  CHECK(a.accuracy == b.accuracy);
  CHECK(a.sample_sops == b.sample_sops);
  CHECK(a.sample_spikes == b.sample_spikes);
  CHECK(a.total_sops == b.total_sops);
  CHECK(a.total_spikes == b.total_spikes);
  for (std::size_t l = 0; l < a.layers.size(); ++l) {
    CAPTURE(l);
    CHECK(a.layers[l].sops == b.layers[l].sops);
    CHECK(a.layers[l].spikes == b.layers[l].spikes);
    CHECK(a.layers[l].counts == b.layers[l].counts);
  }
}

}  // namespace

TEST_CASE("radix values through branches (Add, shortcuts, synapses, pads, pools, Concat) equal the digit-level run") {
  const Dataset d = noise_data(19, 11);
  for (int base : {2, 4}) {
    CAPTURE(base);
    const BranchNet b = branch_net(base, base == 2 ? 8 : 4, 5);
    CompileOptions values, digits;
    digits.radix_values = false;
    const SpikingNetwork vnet = compile(b.g, b.s, values), dnet = compile(b.g, b.s, digits);
    // The plan: every population but the readout reads values; the layers without
    // neurons compute theirs.
    const auto& links = vnet.value_links();
    for (int l = 1; l < 16; ++l) {
      CAPTURE(l);
      CHECK(links[static_cast<std::size_t>(l)].read);
    }
    CHECK(links[static_cast<std::size_t>(b.add)].counted);
    CHECK_FALSE(links[4].counted);  // a synapse's current
    CHECK(links[13].counted);       // a Concat of pooled integers
    CHECK_FALSE(links[16].read);    // the readout integrates digits
    for (SopConvention c : {SopConvention::Events, SopConvention::Spikes}) {
      for (Schedule sched : {Schedule::LayerMajor, Schedule::TimeMajor}) {
        CAPTURE(static_cast<int>(c));
        CAPTURE(static_cast<int>(sched));
        RunOptions o;
        o.keep_logits = true;
        o.energy.sops = c;
        o.schedule = sched;
        o.threads = 2;
        const RunResult a = run(vnet, d, o), r = run(dnet, d, o);
        check_same_run(a, r);
        CHECK(a.total_sops > 0);
        CHECK(a.layers[static_cast<std::size_t>(b.fc)].spikes > 0);
        CHECK(a.layers[static_cast<std::size_t>(b.add2)].spikes > 0);
        // Recorded layers emit their trains (recorded counts of layers without neurons
        // come from them); nothing else changes.
        o.record = Record::Counts;
        o.record_layers = {4, 9, 11, 13, b.add};
        const RunResult ra = run(vnet, d, o), rr = run(dnet, d, o);
        check_same_run(ra, rr);
        CHECK(ra.total_sops == a.total_sops);
        CHECK(ra.logits == a.logits);
        double cat = 0;
        for (float x : ra.layers[13].counts) cat += x;
        CHECK(cat > 0);
      }
    }
    // Dense kernels throughout (the Conv2D / Dense gathers read their producers' dense
    // values) and scatter kernels throughout give the digit-level run too.
    for (KernelPolicy k : {KernelPolicy::Dense, KernelPolicy::Sparse}) {
      CAPTURE(static_cast<int>(k));
      RunOptions o, od;
      o.keep_logits = od.keep_logits = true;
      o.kernel = k;
      const RunResult a = run(vnet, d, o);
      check_same_run(a, run(dnet, d, od));
      CHECK(a.total_sops > 0);
    }
    // Per sample, the digit-level trace (simulate()) has the same SOPs, and run()'s
    // accuracy after each step is that of the traces' readout argmax at that step.
    const RunResult a = run(vnet, d, RunOptions{});
    std::vector<double> correct(static_cast<std::size_t>(a.steps), 0.0);
    for (std::size_t i = 0; i < d.count(); ++i) {
      const SampleTrace tr = simulate(vnet, d.sample(i), i);
      std::uint64_t sum = 0;
      for (auto x : tr.sops) sum += x;
      CHECK(sum == a.sample_sops[i]);
      REQUIRE(tr.readout.size() == correct.size());
      for (std::size_t t = 0; t < correct.size(); ++t) correct[t] += argmax(tr.readout[t]) == d.y[i] ? 1 : 0;
    }
    REQUIRE(a.accuracy.size() == correct.size());
    for (std::size_t t = 0; t < correct.size(); ++t) {
      CAPTURE(t);
      CHECK(a.accuracy[t] == doctest::Approx(correct[t] / static_cast<double>(d.count())));
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
