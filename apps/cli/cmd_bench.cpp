// brisk bench: throughput of the simulation core on a network, encoder and T.
//
// Without MODEL it uses the experiments library's built-in Fashion-MNIST CNN (conv 16@3x3
// -> avgpool 2 -> conv 32@3x3 -> avgpool 2 -> dense 128 -> dense 10, deterministic
// weights). Either way thresholds come from the conversion library's percentile balancing
// on a few samples (the convention of `brisk convert --balance percentile`), so the spike
// densities are plausible; use `brisk run` for accuracy work.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include <brisk/apps/experiments/bench.hpp>
#include <brisk/apps/experiments/files.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::cli {

int cmd_bench(int argc, char** argv) {
  static const CommandHelp help{
      "bench", "brisk bench [MODEL] --data SPEC [options]",
      "Throughput of the simulation core: images/s, SOPs/s and time per layer for a network,\n"
      "neuron model and T over a dataset, plus a dense-layer scatter micro-benchmark (SOPs/s\n"
      "per core at a given event density). Without MODEL it builds the Fashion-MNIST CNN\n"
      "conv16-avgpool-conv32-avgpool-dense128-dense10 in code with deterministic weights.\n"
      "Thresholds: the conversion library's percentile balancing on --calib samples drawn from\n"
      "--data, V0 = 0, radix input for radix (as `brisk convert --balance percentile --v0 zero`).",
      "  brisk bench --data fashion-mnist --neuron if --timesteps 32\n"
      "  brisk bench --data fashion-mnist --neuron radix --digits 8 --threads 2 --json out.json\n"
      "  brisk bench models/fmnist_cnn.h5 --data fashion-mnist --samples 1000\n"
      "  brisk bench --micro-only\n"};
  po::options_description opts("options");
  add_data_options(opts, "data", /*required=*/false);
  add_thread_option(opts);
  add_memory_option(opts);
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
      ("count", po::value<std::string>()->default_value("events"),
       "what one SOP is: events or spikes (see 'brisk run --help')")
      ("json", po::value<std::string>(), "also write the figures as JSON to FILE");
  add_force_option(opts);
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;

  check_output_flag(vm, "json", "--json", input_paths(vm, {"model", "data"}));
  nlohmann::json out;
  const double micro_seconds = vm["micro-seconds"].as<double>();
  const double density = vm["micro-density"].as<double>();
  if (!(density > 0 && density <= 1)) throw UsageError("--micro-density must be in (0, 1]");
  if (vm.count("micro-only") == 0) {
    if (!vm.count("data")) throw UsageError("bench: --data SPEC is required (e.g. --data fashion-mnist)");
    experiments::BenchOptions bo;
    bo.neuron = vm["neuron"].as<std::string>();
    bo.timesteps = vm["timesteps"].as<int>();
    bo.digits = vm["digits"].as<int>();
    bo.percentile = vm["percentile"].as<double>();
    bo.calib = vm["calib"].as<std::size_t>();
    bo.run.threads = thread_count(vm);
    bo.run.max_memory = max_memory(vm);
    bo.run.time_layers = true;
    bo.run.energy.sops = sop_convention(vm);
    const std::string sched = vm["schedule"].as<std::string>(), kern = vm["kernel"].as<std::string>();
    if (sched == "time") bo.run.schedule = Schedule::TimeMajor, bo.run.time_layers = false;
    else if (sched != "layer") throw UsageError("--schedule must be layer or time");
    if (kern == "sparse") bo.run.kernel = KernelPolicy::Sparse;
    else if (kern == "dense") bo.run.kernel = KernelPolicy::Dense;
    else if (kern != "auto") throw UsageError("--kernel must be auto, sparse or dense");
    experiments::bench_method(bo.neuron);  // UsageError before any loading
    if (bo.timesteps < 1) throw UsageError("--timesteps must be >= 1");
    if (bo.digits < 1 || bo.digits > 24) throw UsageError("--digits must be in [1, 24]");
    const Graph g = vm.count("model") ? load_model(vm["model"].as<std::string>())
                                      : experiments::builtin_fmnist_cnn();
    const experiments::BenchResult b = experiments::run_bench(g, load_data(vm), bo);
    const RunResult& r = b.result;
    const int threads = b.threads;
    const double per = 1.0 / static_cast<double>(std::max<std::size_t>(r.samples, 1));
    std::cout << fmt::format("network    {}\n", vm.count("model") ? vm["model"].as<std::string>() : g.meta.at("source"));
    std::cout << fmt::format("neuron     {}  encoder {}  steps {} (latency {})\n", bo.neuron,
                             b.radix ? "radix" : "direct", r.steps, r.latency_steps);
    std::cout << fmt::format("samples    {}  threads {}\n", r.samples, threads);
    std::cout << fmt::format("accuracy   {:.4f} (after the last step)\n", r.accuracy.empty() ? 0.0 : r.accuracy.back());
    std::cout << fmt::format("images/s   {:.1f}\n", r.images_per_second());
    std::cout << fmt::format("SOPs/s     {:.3e}  ({:.3e} per thread)\n", r.sops_per_second(), r.sops_per_second() / threads);
    std::cout << fmt::format("per image  {:.0f} spikes, {:.0f} SOPs, {:.0f} analog MACs; ANN {} MACs\n",
                             static_cast<double>(r.total_spikes) * per, static_cast<double>(r.total_sops) * per,
                             static_cast<double>(r.total_analog_macs) * per, r.ann_macs);
    std::cout << fmt::format("SOPs       counted as {}\n", sop_convention_text(bo.run.energy.sops));
    std::cout << fmt::format("energy     SNN {:.3f} uJ/image, ANN {:.3f} uJ/image\n", r.snn_energy_pj * 1e-6, r.ann_energy_pj * 1e-6);
    double total_layer_s = 0;
    for (const auto& l : r.layers) total_layer_s += l.seconds;
    std::cout << "layer            time%    spikes/img      SOPs/img\n";
    for (const auto& L : r.layers)
      std::cout << fmt::format("{:<14} {:>6.1f}% {:>13.0f} {:>13.0f}\n", L.name,
                               total_layer_s > 0 ? 100.0 * L.seconds / total_layer_s : 0.0,
                               static_cast<double>(L.spikes) * per, static_cast<double>(L.sops) * per);
    out = experiments::bench_json(vm.count("model") ? vm["model"].as<std::string>() : "builtin-fmnist-cnn", bo, b);
  }
  if (micro_seconds > 0) {
    nlohmann::json micro = nlohmann::json::array();
    for (auto [in, o] : {std::pair{800, 128}, std::pair{1024, 1024}}) {
      auto m = experiments::micro_dense(in, o, density, micro_seconds);
      std::cout << fmt::format("micro      dense {}x{} scatter at {:.0f}% density: {:.3e} SOPs/s per core\n",
                               in, o, 100 * density, m["sops_per_s_per_core"].get<double>());
      micro.push_back(m);
    }
    out["micro_dense"] = micro;
  }
  out["peak_rss_mb"] = experiments::peak_rss_mb();
  std::cout << fmt::format("peak RSS   {:.1f} MB\n", experiments::peak_rss_mb());
  if (vm.count("json")) {
    experiments::write_file_atomically(vm["json"].as<std::string>(), out.dump(2) + "\n");
  }
  return 0;
}

}  // namespace brisk::cli
