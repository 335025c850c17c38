// brisk bench: throughput of the simulation core on a network, encoder and T.
//
// Without MODEL it builds the Fashion-MNIST CNN in code (conv 16@3x3 -> avgpool 2
// -> conv 32@3x3 -> avgpool 2 -> dense 128 -> dense 10, valid padding like the bundled
// models/fmnist_cnn.h5) with deterministic weights. Either way thresholds come from a quick
// activation percentile on a few samples (not the conversion pipeline's balancing), so the
// spike densities are plausible; use `brisk run` for accuracy work.
#include <fmt/format.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "cli.hpp"
#include "commands.hpp"
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/scan.hpp>
#include <brisk/core/engine/kernels/vector.hpp>
#include <brisk/core/engine/ops/conv2d.hpp>
#include <brisk/core/engine/ops/dense.hpp>
#include <brisk/neurons/kernels.hpp>

namespace brisk::cli {

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

Graph fmnist_cnn() {
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

bool weightless(OpKind op) {
  return op == OpKind::Input || op == OpKind::Flatten || op == OpKind::Reshape ||
         op == OpKind::MaxPool2D || op == OpKind::AvgPool2D || op == OpKind::ZeroPad2D ||
         op == OpKind::GlobalAvgPool2D;
}

// Per layer: the p-th percentile of the positive ANN activations over `samples` samples
// (weightless layers inherit their input's scale). Thresholds become lambda_l /
// lambda_{l-1} in the units of the incoming events, biases are scaled by 1 / lambda_{l-1}.
SnnSpec quick_spec(const Graph& g, const Dataset& data, const std::string& neuron, int T, int K,
                   double percentile, std::size_t samples) {
  const std::size_t n = g.layers.size();
  std::vector<std::vector<float>> pos(n);
  samples = std::min(samples, data.count());
  for (std::size_t i = 0; i < samples; ++i) {
    std::vector<std::vector<float>> acts;
    forward(g, data.sample(i), &acts);
    for (std::size_t l = 0; l < n; ++l)
      for (float v : acts[l])
        if (v > 0) pos[l].push_back(v);
  }
  std::vector<float> lambda(n, 1.0f);
  for (std::size_t l = 1; l < n; ++l) {
    const Layer& L = g.layers[l];
    const float in_scale = lambda[static_cast<std::size_t>(L.inputs.front())];
    if (weightless(L.op) || static_cast<int>(l) == g.output || pos[l].empty()) {
      lambda[l] = in_scale;
      continue;
    }
    auto& v = pos[l];
    const auto k = static_cast<std::size_t>(percentile / 100.0 * static_cast<double>(v.size() - 1));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    lambda[l] = v[k];
  }
  SnnSpec s;
  s.timesteps = T;
  s.method = "bench-percentile";
  const bool radix = neuron == "radix";
  NeuronKind kind = NeuronKind::IF;
  if (radix) kind = NeuronKind::Radix;
  else if (neuron == "augmented") kind = NeuronKind::Augmented;
  else if (neuron == "dt") kind = NeuronKind::DoubleThreshold;
  else if (neuron != "if") throw UsageError("--neuron must be if, radix, augmented or dt");
  s.encoder = radix ? EncoderKind::Radix : EncoderKind::Direct;
  s.input_radix_digits = K;
  for (std::size_t l = 0; l < n; ++l) {
    const Layer& L = g.layers[l];
    LayerSpec ls;
    ls.radix_digits = K;
    if (weightless(L.op)) {
      ls.neuron = NeuronKind::None;
    } else {
      const float in_scale = lambda[static_cast<std::size_t>(L.inputs.front())];
      ls.neuron = static_cast<int>(l) == g.output ? NeuronKind::Readout : kind;
      ls.threshold = {lambda[l] / in_scale};
      ls.bias_scale = 1.0f / in_scale;
    }
    s.layers.push_back(ls);
  }
  return s;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// Dense layer scattering events at a given density, one thread: SOPs per second.
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

}  // namespace

int cmd_bench(int argc, char** argv) {
  static const CommandHelp help{
      "bench", "brisk bench [MODEL] --data SPEC [options]",
      "Throughput of the simulation core: images/s, SOPs/s and time per layer for a network,\n"
      "neuron model and T over a dataset, plus a dense-layer scatter micro-benchmark (SOPs/s\n"
      "per core at a given event density). Without MODEL it builds the Fashion-MNIST CNN\n"
      "conv16-avgpool-conv32-avgpool-dense128-dense10 in code with deterministic weights.\n"
      "Thresholds: a quick activation percentile on --calib samples (not `brisk convert`).",
      "  brisk bench --data fashion-mnist --neuron if --timesteps 32\n"
      "  brisk bench --data fashion-mnist --neuron radix --digits 8 --threads 2 --json out.json\n"
      "  brisk bench models/fmnist_cnn.h5 --data fashion-mnist --samples 1000\n"
      "  brisk bench --micro-only\n"};
  po::options_description opts("options");
  add_data_options(opts, "data", /*required=*/false);
  add_thread_option(opts);
  opts.add_options()
      ("model", po::value<std::string>(), "model file (also positional); default: built-in CNN")
      ("neuron", po::value<std::string>()->default_value("if"), "if | radix | augmented | dt")
      ("timesteps,T", po::value<int>()->default_value(32), "T (rate-like neurons)")
      ("digits,K", po::value<int>()->default_value(8), "K digits per layer (radix)")
      ("percentile", po::value<double>()->default_value(99.9, "99.9"), "activation percentile for thresholds")
      ("calib", po::value<std::size_t>()->default_value(50), "samples used for the percentile")
      ("schedule", po::value<std::string>()->default_value("layer"), "layer | time")
      ("kernel", po::value<std::string>()->default_value("auto"), "auto | sparse | dense")
      ("micro-density", po::value<double>()->default_value(0.1, "0.1"), "event density of the micro-benchmark")
      ("micro-seconds", po::value<double>()->default_value(1.0, "1"), "duration of the micro-benchmark (0 = skip)")
      ("micro-only", "run only the dense-scatter micro-benchmark")
      ("json", po::value<std::string>(), "also write the figures as JSON to FILE");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;

  nlohmann::json out;
  const double micro_seconds = vm["micro-seconds"].as<double>();
  const double density = vm["micro-density"].as<double>();
  if (!(density > 0 && density <= 1)) throw UsageError("--micro-density must be in (0, 1]");
  if (vm.count("micro-only") == 0) {
    if (!vm.count("data")) throw UsageError("bench: --data SPEC is required (e.g. --data fashion-mnist)");
    const int T = vm["timesteps"].as<int>(), K = vm["digits"].as<int>();
    if (T < 1) throw UsageError("--timesteps must be >= 1");
    if (K < 1 || K > 24) throw UsageError("--digits must be in [1, 24]");
    const Dataset data = load_data(vm);
    const Graph g = vm.count("model") ? load_model(vm["model"].as<std::string>()) : fmnist_cnn();
    const std::string neuron = vm["neuron"].as<std::string>();
    const SnnSpec spec = quick_spec(g, data, neuron, T, K, vm["percentile"].as<double>(),
                                    vm["calib"].as<std::size_t>());
    const SpikingNetwork net = compile(g, spec);
    RunOptions ro;
    ro.threads = thread_count(vm);
    ro.time_layers = true;
    const std::string sched = vm["schedule"].as<std::string>(), kern = vm["kernel"].as<std::string>();
    if (sched == "time") ro.schedule = Schedule::TimeMajor, ro.time_layers = false;
    else if (sched != "layer") throw UsageError("--schedule must be layer or time");
    if (kern == "sparse") ro.kernel = KernelPolicy::Sparse;
    else if (kern == "dense") ro.kernel = KernelPolicy::Dense;
    else if (kern != "auto") throw UsageError("--kernel must be auto, sparse or dense");
    const RunResult r = run(net, data, ro);
    const int threads = ro.threads > 0 ? ro.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const double per = 1.0 / static_cast<double>(std::max<std::size_t>(r.samples, 1));
    std::cout << fmt::format("network    {}\n", vm.count("model") ? vm["model"].as<std::string>() : g.meta.at("source"));
    std::cout << fmt::format("neuron     {}  encoder {}  steps {} (latency {})\n", neuron,
                             net.is_radix() ? "radix" : "direct", r.steps, r.latency_steps);
    std::cout << fmt::format("samples    {}  threads {}\n", r.samples, threads);
    std::cout << fmt::format("accuracy   {:.4f} (after the last step)\n", r.accuracy.empty() ? 0.0 : r.accuracy.back());
    std::cout << fmt::format("images/s   {:.1f}\n", r.images_per_second());
    std::cout << fmt::format("SOPs/s     {:.3e}  ({:.3e} per thread)\n", r.sops_per_second(), r.sops_per_second() / threads);
    std::cout << fmt::format("per image  {:.0f} spikes, {:.0f} SOPs, {:.0f} analog MACs; ANN {} MACs\n",
                             static_cast<double>(r.total_spikes) * per, static_cast<double>(r.total_sops) * per,
                             static_cast<double>(r.total_analog_macs) * per, r.ann_macs);
    std::cout << fmt::format("energy     SNN {:.3f} uJ/image, ANN {:.3f} uJ/image\n", r.snn_energy_pj * 1e-6, r.ann_energy_pj * 1e-6);
    double total_layer_s = 0;
    for (const auto& l : r.layers) total_layer_s += l.seconds;
    std::cout << "layer            time%    spikes/img      SOPs/img\n";
    nlohmann::json layers = nlohmann::json::array();
    for (std::size_t l = 0; l < r.layers.size(); ++l) {
      const auto& L = r.layers[l];
      std::cout << fmt::format("{:<14} {:>6.1f}% {:>13.0f} {:>13.0f}\n", L.name,
                               total_layer_s > 0 ? 100.0 * L.seconds / total_layer_s : 0.0,
                               static_cast<double>(L.spikes) * per, static_cast<double>(L.sops) * per);
      layers.push_back({{"name", L.name}, {"seconds", L.seconds}, {"spikes", L.spikes}, {"sops", L.sops}});
    }
    out = {{"network", vm.count("model") ? vm["model"].as<std::string>() : "builtin-fmnist-cnn"},
           {"neuron", neuron}, {"timesteps", T}, {"digits", K}, {"steps", r.steps},
           {"latency_steps", r.latency_steps}, {"threads", threads}, {"samples", r.samples},
           {"seconds", r.seconds}, {"images_per_s", r.images_per_second()},
           {"sops_per_s", r.sops_per_second()}, {"sops_per_s_per_thread", r.sops_per_second() / threads},
           {"accuracy", r.accuracy.empty() ? 0.0 : r.accuracy.back()}, {"accuracy_curve", r.accuracy},
           {"spikes_per_image", static_cast<double>(r.total_spikes) * per},
           {"sops_per_image", static_cast<double>(r.total_sops) * per}, {"ann_macs", r.ann_macs},
           {"snn_energy_uj", r.snn_energy_pj * 1e-6}, {"ann_energy_uj", r.ann_energy_pj * 1e-6},
           {"layers", layers}};
  }
  if (micro_seconds > 0) {
    nlohmann::json micro = nlohmann::json::array();
    for (auto [in, o] : {std::pair{800, 128}, std::pair{1024, 1024}}) {
      auto m = micro_dense(in, o, density, micro_seconds);
      std::cout << fmt::format("micro      dense {}x{} scatter at {:.0f}% density: {:.3e} SOPs/s per core\n",
                               in, o, 100 * density, m["sops_per_s_per_core"].get<double>());
      micro.push_back(m);
    }
    out["micro_dense"] = micro;
  }
  out["peak_rss_mb"] = peak_rss_mb();
  std::cout << fmt::format("peak RSS   {:.1f} MB\n", peak_rss_mb());
  if (vm.count("json")) {
    const std::string path = vm["json"].as<std::string>();
    const std::string tmp = path + ".tmp";
    {
      std::ofstream f(tmp);
      if (!f) throw InputError(fmt::format("cannot write '{}'", path));
      f << out.dump(2) << '\n';
      if (!f) throw InputError(fmt::format("cannot write '{}'", path));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw InputError(fmt::format("cannot write '{}'", path));
  }
  return 0;
}

}  // namespace brisk::cli
