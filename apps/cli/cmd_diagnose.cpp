// brisk diagnose: where a converted network loses its accuracy, layer by layer
// (experiments/diagnose).
#include <fmt/format.h>

#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include "conversion_cli.hpp"
#include <brisk/apps/experiments/diagnose.hpp>
#include <brisk/apps/experiments/files.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/apps/experiments/plots.hpp>
#include <brisk/conversion/snn_file.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::cli {

int cmd_diagnose(int argc, char** argv) {
  static const CommandHelp help{
      "diagnose", "brisk diagnose (NET.h5 | MODEL --method M) --data SPEC [options]",
      "Compare, layer by layer, the ANN's activations with the SNN's decoded outputs on the\n"
      "same samples (payload sums x threshold / T, in the ANN's units; the readout's\n"
      "logits): relative error, correlation, the fraction of saturated outputs (at the\n"
      "threshold) and of ANN values above it, the fraction of dead neurons (never fire where\n"
      "the ANN is positive), and name the first layer where the error jumps, with a hint.\n"
      "MODEL is converted in memory with the conversion flags (see 'brisk convert --help').\n"
      "Every layer of every sample is recorded: use --samples (a few hundred suffice).",
      "  brisk diagnose models/fmnist_cnn.h5 --method rate -T 4 --balance max --data fashion-mnist --samples 500\n"
      "  brisk diagnose cnn_rate16.h5 --data fashion-mnist --samples 500 --json diag.json --plot\n"};
  po::options_description opts("options");
  opts.add_options()
      ("network", po::value<std::string>()->required(), "converted network or trained ANN (also positional)")
      ("json", po::value<std::string>(), "also write the figures to this JSON file")
      ("plot", po::bool_switch(), "with --json X.json: also draw X.png and X.svg (per-layer error, correlation)");
  add_data_options(opts, "data", /*required=*/true);
  add_conversion_options(opts);
  add_thread_option(opts);
  add_force_option(opts);
  po::positional_options_description pos;
  pos.add("network", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;
  const std::string path = vm["network"].as<std::string>();
  const int threads = thread_count(vm);
  const auto inputs = input_paths(vm, {"network", "data", "arch", "calib-data"});
  check_output_flag(vm, "json", "--json", inputs);
  const bool plot = vm["plot"].as<bool>();
  std::string prefix;
  if (plot) {
    if (!vm.count("json")) throw UsageError("--plot needs --json X.json (the plots are X.png and X.svg)");
    prefix = vm["json"].as<std::string>();
    if (!prefix.ends_with(".json")) throw UsageError(fmt::format("--plot: --json {} must end in .json", prefix));
    prefix.resize(prefix.size() - 5);
    check_output_flag(vm, "json", "--plot", inputs, ".png");
    check_output_flag(vm, "json", "--plot", inputs, ".svg");
  }
  Conversion c;
  int timesteps = 0;
  if (is_snn_file(path)) {
    c = read_snn(path);
    if (!vm["timesteps"].defaulted()) timesteps = vm["timesteps"].as<int>();
  } else {
    c = experiments::convert_model(path, input_options(vm), conversion_options(vm));
  }
  const Dataset d = load_data(vm);
  const experiments::Diagnosis g = experiments::diagnose(c, d, timesteps, threads);

  std::cout << fmt::format("network   {} ({}, T = {}, {} samples of {})\n", path, g.method, g.timesteps, g.samples,
                           d.source);
  std::cout << fmt::format("accuracy  ANN {:.2f}%, SNN {:.2f}%\n", 100 * g.ann_accuracy, 100 * g.snn_accuracy);
  std::cout << fmt::format("{:<16} {:<8} {:>10} {:>10} {:>9} {:>8} {:>9} {:>8} {:>7}\n", "layer", "neuron",
                           "ANN mean", "SNN mean", "rel err", "corr", "saturated", "clipped", "dead");
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const auto& l = g.layers[i];
    std::cout << fmt::format("{:<16} {:<8} {:>10.4g} {:>10.4g} {:>9.3f} {:>8.3f} {:>8.1f}% {:>7.1f}% {:>6.1f}%{}\n",
                             l.name, l.neuron, l.ann_mean, l.snn_mean, l.relative_error, l.correlation,
                             100 * l.saturated, 100 * l.clipped, 100 * l.dead,
                             static_cast<int>(i) == g.jump ? "  <- the error jumps here" : "");
  }
  std::cout << "hint      " << g.hint << "\n";
  if (vm.count("json")) {
    nlohmann::json j = experiments::diagnosis_json(g);
    j["network"] = path;
    j["data"] = d.source;
    experiments::write_file_atomically(vm["json"].as<std::string>(), j.dump(2) + "\n");
  }
  if (plot) {
    if (const std::string why = experiments::write_plots(prefix); why.empty())
      std::cout << fmt::format("wrote {0}.png, {0}.svg\n", prefix);
    else
      std::cerr << fmt::format("brisk: warning: plots not written ({})\n", why);
  }
  return 0;
}

}  // namespace brisk::cli
