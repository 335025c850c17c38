#include "cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include <brisk/core/base/error.hpp>

namespace brisk::cli {

bool parse(int argc, char** argv, const CommandHelp& help, po::options_description& options,
           const po::positional_options_description* positional, po::variables_map& vm) {
  options.add_options()("help,h", "show this help and exit");
  try {
    po::command_line_parser parser(argc, argv);  // skips argv[0]
    parser.options(options);
    if (positional) parser.positional(*positional);
    else parser.positional(po::positional_options_description{});
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << help.usage << "\n\n" << help.summary << "\n\n" << options;
      if (help.examples && *help.examples) std::cout << "\nexamples:\n" << help.examples;
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(fmt::format("{}: {} (see 'brisk {} --help')", help.name, e.what(), help.name));
  }
  return true;
}

void add_data_options(po::options_description& options, const char* flag, bool required) {
  std::string name = flag;
  auto value = po::value<std::string>();
  if (required) value->required();
  options.add_options()
      (name.c_str(), value,
       "dataset spec: fashion-mnist[:train|:test], X.npz,Y.npz, IMAGES.gz,LABELS.gz (IDX), "
       "FILE.h5[:XNAME,YNAME]")
      ("samples", po::value<std::size_t>()->default_value(0), "take N samples (0 = all)")
      ("offset", po::value<std::size_t>()->default_value(0), "skip the first K samples")
      ("nhwc", po::bool_switch(), "the file's images are channels-last (N,H,W,C): transpose to NCHW")
      ("x-name", po::value<std::string>()->default_value("x_test"), "HDF5 dataset holding the samples")
      ("y-name", po::value<std::string>()->default_value("y_test"), "HDF5 dataset holding the labels");
}

Dataset load_data(const po::variables_map& vm, const char* flag) {
  LoadOptions o;
  o.samples = vm["samples"].as<std::size_t>();
  o.offset = vm["offset"].as<std::size_t>();
  o.nhwc = vm["nhwc"].as<bool>();
  o.x_name = vm["x-name"].as<std::string>();
  o.y_name = vm["y-name"].as<std::string>();
  return load_dataset(vm[flag].as<std::string>(), o);
}

void add_energy_options(po::options_description& options) {
  const EnergyModel defaults;
  options.add_options()
      ("pj-ac", po::value<double>()->default_value(defaults.pj_per_ac, fmt::format("{:g}", defaults.pj_per_ac)),
       "energy of one accumulate (one SOP), picojoules")
      ("pj-mac", po::value<double>()->default_value(defaults.pj_per_mac, fmt::format("{:g}", defaults.pj_per_mac)),
       "energy of one multiply-accumulate (ANN, analog input), picojoules");
}

EnergyModel energy_model(const po::variables_map& vm) {
  EnergyModel e;
  e.pj_per_ac = vm["pj-ac"].as<double>();
  e.pj_per_mac = vm["pj-mac"].as<double>();
  if (!(e.pj_per_ac >= 0) || !(e.pj_per_mac >= 0))
    throw UsageError(fmt::format("--pj-ac and --pj-mac must be >= 0, got {:g} and {:g}",
                                 e.pj_per_ac, e.pj_per_mac));
  return e;
}

void add_thread_option(po::options_description& options) {
  options.add_options()("threads", po::value<int>()->default_value(0),
                        "worker threads (0 = all cores)");
}

int thread_count(const po::variables_map& vm) {
  int t = vm["threads"].as<int>();
  if (t < 0) throw UsageError(fmt::format("--threads must be >= 0, got {}", t));
  if (t == 0) t = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return t;
}

}  // namespace brisk::cli
