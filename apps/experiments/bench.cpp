#include <brisk/apps/experiments/bench.hpp>

#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <span>

#include <brisk/conversion/convert.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/parallel.hpp>
#include <brisk/core/engine/ops/dense.hpp>

namespace brisk::experiments {

namespace {

Layer make_layer(std::string name, OpKind op, int from) {
  Layer l;
  l.name = std::move(name);
  l.op = op;
  l.inputs = {from};
  return l;
}

// He-uniform weights from a fixed seed.
std::vector<float> he_uniform(std::mt19937& rng, std::size_t n, int fan_in) {
  const float a = std::sqrt(6.0f / static_cast<float>(fan_in));
  std::uniform_real_distribution<float> d(-a, a);
  std::vector<float> w(n);
  for (auto& x : w) x = d(rng);
  return w;
}

}  // namespace

Graph builtin_fmnist_cnn() {
  std::mt19937 rng(2024);
  Graph g;
  Layer in;
  in.name = "input";
  in.op = OpKind::Input;
  in.out_shape = {1, 28, 28};
  g.layers.push_back(in);
  auto conv = [&](const char* name, int from, int cin, int cout) {
    Layer l = make_layer(name, OpKind::Conv2D, from);
    l.weight_shape = {cout, cin, 3, 3};
    l.weight = he_uniform(rng, static_cast<std::size_t>(cout) * cin * 9, cin * 9);
    l.bias.assign(static_cast<std::size_t>(cout), 0.01f);
    l.kernel_h = l.kernel_w = 3;
    l.act = Act::ReLU;
    g.layers.push_back(l);
  };
  auto pool = [&](const char* name, int from) {
    Layer l = make_layer(name, OpKind::AvgPool2D, from);
    l.kernel_h = l.kernel_w = l.stride_h = l.stride_w = 2;
    g.layers.push_back(l);
  };
  auto dense = [&](const char* name, int from, int nin, int nout, Act act) {
    Layer l = make_layer(name, OpKind::Dense, from);
    l.weight_shape = {nin, nout};
    l.weight = he_uniform(rng, static_cast<std::size_t>(nin) * nout, nin);
    l.bias.assign(static_cast<std::size_t>(nout), 0.01f);
    l.act = act;
    g.layers.push_back(l);
  };
  conv("conv1", 0, 1, 16);      // 16x26x26
  pool("pool1", 1);             // 16x13x13
  conv("conv2", 2, 16, 32);     // 32x11x11
  pool("pool2", 3);             // 32x5x5
  g.layers.push_back(make_layer("flatten", OpKind::Flatten, 4));
  dense("dense1", 5, 800, 128, Act::ReLU);
  dense("dense2", 6, 128, 10, Act::Linear);
  g.output = 7;
  g.meta["source"] = "built-in Fashion-MNIST CNN (deterministic weights)";
  validate(g);
  return g;
}

Method bench_method(const std::string& neuron) {
  if (neuron == "if") return Method::Rate;
  if (neuron == "radix") return Method::Radix;
  if (neuron == "augmented") return Method::AugMap;
  if (neuron == "dt") return Method::TerMap;
  throw UsageError("--neuron must be if, radix, augmented or dt");
}

BenchResult run_bench(const Graph& g, Dataset data, const BenchOptions& o) {
  if (o.timesteps < 1) throw UsageError("--timesteps must be >= 1");
  if (o.digits < 1 || o.digits > 24) throw UsageError("--digits must be in [1, 24]");
  if (!(o.percentile > 0 && o.percentile <= 100))
    throw UsageError(fmt::format("--percentile must be in (0, 100], got {}", o.percentile));
  if (o.calib == 0) throw UsageError("--calib must be >= 1");
  if (data.count() == 0) throw InputError(fmt::format("{}: no samples", data.source));
  conform_sample_shape(g, data.shape, data.source);

  // The conversion library's balancing, so bench and convert share one threshold convention.
  ConvertOptions co;
  co.mapping.method = bench_method(o.neuron);
  co.mapping.timesteps = o.timesteps;
  co.mapping.radix_digits = o.digits;
  co.balance.method = BalanceMethod::Percentile;
  co.balance.percentile = o.percentile;
  co.calib_samples = o.calib;
  co.threads = o.run.threads;
  // The benchmark's network as issue 3 measured it: V0 = 0, and radix input for radix
  // (`brisk convert --balance percentile --v0 zero [--encoder radix]`).
  co.mapping.half_v0 = false;
  if (co.mapping.method == Method::Radix) co.encoder = EncoderKind::Radix;
  BenchResult b;
  b.conversion = convert(g, &data, data.source, co);
  const SpikingNetwork net = compile(b.conversion.graph, b.conversion.spec);
  b.radix = net.is_radix();
  b.threads = resolve_threads(o.run.threads);
  b.result = run(net, DataView{data.x, data.y, b.conversion.ann.input_shape()}, o.run);
  return b;
}

nlohmann::json bench_json(const std::string& network, const BenchOptions& o, const BenchResult& b) {
  const RunResult& r = b.result;
  const double per = 1.0 / static_cast<double>(std::max<std::size_t>(r.samples, 1));
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& L : r.layers)
    layers.push_back({{"name", L.name}, {"seconds", L.seconds}, {"spikes", L.spikes}, {"sops", L.sops}});
  return {{"network", network}, {"neuron", o.neuron}, {"timesteps", o.timesteps}, {"digits", o.digits},
          {"steps", r.steps}, {"latency_steps", r.latency_steps}, {"threads", b.threads},
          {"samples", r.samples}, {"seconds", r.seconds}, {"images_per_s", r.images_per_second()},
          {"sops_per_s", r.sops_per_second()}, {"sops_per_s_per_thread", r.sops_per_second() / b.threads},
          {"accuracy", r.accuracy.empty() ? 0.0 : r.accuracy.back()}, {"accuracy_curve", r.accuracy},
          {"spikes_per_image", static_cast<double>(r.total_spikes) * per},
          {"sops_per_image", static_cast<double>(r.total_sops) * per}, {"ann_macs", r.ann_macs},
          {"snn_energy_uj", r.snn_energy_pj * 1e-6}, {"ann_energy_uj", r.ann_energy_pj * 1e-6},
          {"sop_convention", sop_convention_name(o.run.energy.sops)}, {"layers", layers}};
}

nlohmann::json micro_dense(int in, int out, double density, double seconds) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-0.1f, 0.1f);
  std::vector<float> w(static_cast<std::size_t>(in) * out), v(static_cast<std::size_t>(out), 0.0f);
  for (auto& x : w) x = u(rng);
  // 64 distinct steps of events (sorted ids), cycled.
  std::vector<std::vector<std::int32_t>> steps(64);
  std::bernoulli_distribution spike(density);
  for (auto& s : steps)
    for (int i = 0; i < in; ++i)
      if (spike(rng)) s.push_back(i);
  std::vector<float> ones(static_cast<std::size_t>(in), 1.0f);
  std::uint64_t sops = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  std::size_t iter = 0;
  while (elapsed < seconds) {
    for (int r = 0; r < 256; ++r, ++iter) {
      const auto& s = steps[iter % steps.size()];
      kernels::dense_scatter(v.data(), s, std::span<const float>(ones.data(), s.size()), w.data(), out);
      sops += s.size() * static_cast<std::uint64_t>(out);
    }
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  volatile float sink = v[0];
  (void)sink;
  return {{"in", in}, {"out", out}, {"density", density}, {"sops", sops}, {"seconds", elapsed},
          {"sops_per_s_per_core", static_cast<double>(sops) / elapsed}};
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace brisk::experiments
