// brisk compare DIR DIR2: the differences between two result folders (figures and input
// hashes; times ignored). Exit 0 when none, 1 when any figure or input hash differs.
#include <fmt/format.h>

#include <iostream>

#include "cli.hpp"
#include "commands.hpp"
#include <brisk/apps/experiments/compare.hpp>

namespace brisk::cli {

int cmd_compare(int argc, char** argv) {
  static const CommandHelp help{
      "compare", "brisk compare DIR DIR2",
      "Compare two result folders written by 'brisk sweep --out' or 'brisk run --out': every\n"
      "figure of results.json (accuracies, latencies, spikes, SOPs, energy; wall times and\n"
      "throughput are ignored) and the SHA-256 of every input in manifest.ini. Differences in\n"
      "the configuration are listed as information. Exit status 0 when the figures and the\n"
      "inputs are the same, 1 when any differs.",
      "  brisk sweep --config run1/manifest.ini --out run2 && brisk compare run1 run2\n"};
  po::options_description opts("options");
  opts.add_options()
      ("first", po::value<std::string>()->required(), "result folder (positional)")
      ("second", po::value<std::string>()->required(), "result folder (positional)");
  po::positional_options_description pos;
  pos.add("first", 1).add("second", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;
  const std::string a = vm["first"].as<std::string>(), b = vm["second"].as<std::string>();
  const experiments::Comparison c = experiments::compare_folders(a, b);
  for (const auto& line : c.inputs) std::cout << "input   " << line << "\n";
  for (const auto& line : c.figures) std::cout << "figure  " << line << "\n";
  for (const auto& line : c.config) std::cout << "config  " << line << "\n";
  if (c.same()) {
    std::cout << fmt::format("same: every figure and input of {} and {} is equal (times ignored{})\n", a, b,
                             c.config.empty() ? "" : "; configurations differ as listed");
    return 0;
  }
  std::cout << fmt::format("different: {} figure(s), {} input(s)\n", c.figures.size(), c.inputs.size());
  return 1;
}

}  // namespace brisk::cli
