// brisk inspect: describe a dataset (--data SPEC) or a model file (MODEL).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <vector>

#include "cli.hpp"
#include "commands.hpp"
#include <brisk/apps/experiments/model_report.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/graph/graph.hpp>

namespace brisk::cli {

namespace {

void inspect_dataset(const Dataset& d) {
  float lo = 0, hi = 0;
  if (!d.x.empty()) {
    auto [mn, mx] = std::minmax_element(d.x.begin(), d.x.end());
    lo = *mn;
    hi = *mx;
  }
  std::vector<std::size_t> hist(static_cast<std::size_t>(std::max(d.num_classes, 0)), 0);
  for (auto label : d.y) ++hist[static_cast<std::size_t>(label)];
  std::cout << fmt::format("dataset   {}\n", d.source);
  std::cout << fmt::format("samples   {}\n", d.count());
  std::cout << fmt::format("shape     {}{}\n", shape_str(d.shape),
                           d.shape.size() == 3 ? " (C x H x W)" : "");
  std::cout << fmt::format("values    [{:g}, {:g}]\n", lo, hi);
  std::cout << fmt::format("classes   {}\n", d.num_classes);
  std::cout << "class     count\n";
  for (std::size_t c = 0; c < hist.size(); ++c)
    std::cout << fmt::format("{:>5}     {}\n", c, hist[c]);
}

}  // namespace

int cmd_inspect(int argc, char** argv) {
  static const CommandHelp help{
      "inspect", "brisk inspect (--data SPEC | MODEL) [options]",
      "Describe a dataset (count, sample shape, value range, class histogram) or a model\n"
      "file (layer table).",
      "  brisk inspect --data fashion-mnist\n"
      "  brisk inspect --data fashion-mnist:train\n"
      "  brisk inspect --data x_test.npz,y_test.npz --samples 100\n"};
  po::options_description opts("options");
  add_data_options(opts, "data", /*required=*/false);
  opts.add_options()("model", po::value<std::string>(), "model file (also positional)")
      ("arch", po::value<std::string>(), "architecture JSON for a weights-only Keras model file");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;
  if (vm.count("data") && vm.count("model"))
    throw UsageError("inspect: give either --data SPEC or MODEL, not both");
  if (vm.count("data")) {
    inspect_dataset(load_data(vm));
    return 0;
  }
  if (vm.count("model")) {
    ImportOptions io;
    io.arch = vm.count("arch") ? vm["arch"].as<std::string>() : "";
    experiments::print_model_report(load_model(vm["model"].as<std::string>(), io), std::cout);
    return 0;
  }
  throw UsageError("inspect: give --data SPEC or MODEL (see 'brisk inspect --help')");
}

}  // namespace brisk::cli
