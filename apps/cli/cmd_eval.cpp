// brisk eval: the imported ANN as a float network on a dataset — the baseline every SNN
// figure is compared with.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/apps/experiments/files.hpp>
#include <brisk/apps/experiments/predictions.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/conversion/passes/fold_batchnorm.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/graph/graph.hpp>

namespace brisk::cli {

int cmd_eval(int argc, char** argv) {
  static const CommandHelp help{
      "eval", "brisk eval MODEL --data SPEC [options]",
      "Run the imported ANN as a float network and print its accuracy: the baseline that\n"
      "every SNN figure is compared with. MODEL is a Keras HDF5 / .keras file or a brisk ANN\n"
      "HDF5 file (tools/brisk_torch.py).",
      "  brisk eval lenet.h5 --data x_test.npz,y_test.npz\n"
      "  brisk eval weights.h5 --arch model.json --data fashion-mnist --samples 1000\n"
      "  brisk eval net.h5 --data fashion-mnist --json eval.json --threads 2\n"};
  po::options_description opts("options");
  add_data_options(opts, "data", /*required=*/true);
  add_thread_option(opts);
  opts.add_options()
      ("model", po::value<std::string>()->required(), "model file (also positional)")
      ("arch", po::value<std::string>()->default_value(""), "architecture JSON for a weights-only Keras file")
      ("theano-flip", po::value<std::string>()->default_value("auto"),
       "rotate convolution kernels of Theano-trained files: auto, flip, no-flip")
      ("fold-bn", po::bool_switch(), "fold BatchNorm layers into the preceding Dense/Conv2D first")
      ("json", po::value<std::string>(), "also write the results to this JSON file")
      ("predictions", po::value<std::string>(),
       "write per-sample label, predicted class and logits (.npy or .csv)");
  add_force_option(opts);
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;
  const int threads = thread_count(vm);
  check_output_flag(vm, "json", "--json", input_paths(vm, {"model", "data", "arch"}));
  check_output_flag(vm, "predictions", "--predictions", input_paths(vm, {"model", "data", "arch"}));
  if (vm.count("predictions")) experiments::check_predictions_path(vm["predictions"].as<std::string>());
  ImportOptions io;
  io.arch = vm["arch"].as<std::string>();
  io.theano_flip = parse_theano_flip(vm["theano-flip"].as<std::string>());
  const std::string model_path = vm["model"].as<std::string>();

  Graph g = load_model(model_path, io);
  int folded = vm["fold-bn"].as<bool>() ? fold_batchnorm(g) : 0;
  const Dataset d = load_data(vm);
  check_sample_shape(g, d.shape, d.source);
  experiments::check_labels(g, d);
  if (d.count() == 0) throw InputError(fmt::format("{}: no samples", d.source));

  const auto start = std::chrono::steady_clock::now();
  const auto predicted = experiments::ann_predictions(g, d, threads);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::size_t correct = 0;
  for (std::size_t i = 0; i < d.count(); ++i) correct += predicted[i] == d.y[i] ? 1 : 0;
  const double accuracy = static_cast<double>(correct) / static_cast<double>(d.count());
  const std::size_t macs = graph_macs(g);

  std::cout << fmt::format("accuracy {:.2f}% ({}/{})\n", 100.0 * accuracy, correct, d.count());
  if (vm.count("predictions")) {
    experiments::Predictions p;
    p.first_sample = vm["offset"].as<std::size_t>();
    p.labels = d.y;
    p.predicted.assign(predicted.begin(), predicted.end());
    p.logits = experiments::ann_logits(g, d, threads, &p.classes);
    experiments::write_predictions(vm["predictions"].as<std::string>(), p);
  }
  std::cout << fmt::format("model    {} ({}, {} layers, {} MACs per sample{})\n", model_path,
                           g.meta["format"], g.layers.size(), macs,
                           folded ? fmt::format(", {} BatchNorm folded", folded) : "");
  std::cout << fmt::format("speed    {:.0f} samples/s on {} threads\n",
                           static_cast<double>(d.count()) / std::max(seconds, 1e-9), threads);
  if (vm.count("json")) {
    nlohmann::json j;
    j["model"] = model_path;
    j["data"] = d.source;
    j["samples"] = d.count();
    j["correct"] = correct;
    j["accuracy"] = accuracy;
    j["macs_per_sample"] = macs;
    j["layers"] = g.layers.size();
    j["batchnorm_folded"] = folded;
    j["threads"] = threads;
    j["seconds"] = seconds;
    j["meta"] = g.meta;
    experiments::write_file_atomically(vm["json"].as<std::string>(), j.dump(2) + "\n");
  }
  return 0;
}

}  // namespace brisk::cli
