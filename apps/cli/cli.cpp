#include "cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <iostream>
#include <filesystem>
#include <thread>

#include "config_file.hpp"
#include <brisk/apps/experiments/files.hpp>

#include <brisk/core/base/error.hpp>

namespace brisk::cli {

bool parse(int argc, char** argv, const CommandHelp& help, po::options_description& options,
           const po::positional_options_description* positional, po::variables_map& vm) {
  options.add_options()("help,h", "show this help and exit")
      ("config", po::value<std::string>(),
       "read options from this INI file (keys = long option names; a [COMMAND] section applies to "
       "one command; the command line wins)");
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
    if (vm.count("config")) store_config_file(vm["config"].as<std::string>(), help.name, options, vm);
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
  add_input_limit_option(options);
}

void add_input_limit_option(po::options_description& options) {
  options.add_options()("max-input-bytes", po::value<std::string>()->default_value("4G"),
                        "refuse an input array (after decompression; data and calibration data) "
                        "larger than this: 4G, 512M, ...");
}

std::uint64_t parse_size(const std::string& text, const char* flag) {
  auto bad = [&] {
    return UsageError(fmt::format("--{}: '{}' is not a size (a positive number of bytes, optionally "
                                  "with K, M, G or T)",
                                  flag, text));
  };
  double v = 0;
  std::size_t used = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    throw bad();
  }
  std::string suffix = text.substr(used);
  if (!suffix.empty() && (suffix.back() == 'B' || suffix.back() == 'b')) suffix.pop_back();
  if (!suffix.empty() && (suffix.back() == 'i')) suffix.pop_back();
  double scale = 1;
  if (suffix.size() > 1) throw bad();
  if (!suffix.empty()) {
    switch (std::toupper(static_cast<unsigned char>(suffix[0]))) {
      case 'K': scale = 0x1p10; break;
      case 'M': scale = 0x1p20; break;
      case 'G': scale = 0x1p30; break;
      case 'T': scale = 0x1p40; break;
      default: throw bad();
    }
  }
  const double bytes = v * scale;
  if (!(bytes >= 1) || !std::isfinite(bytes) || bytes >= 0x1p63) throw bad();
  return static_cast<std::uint64_t>(bytes);
}

void add_memory_option(po::options_description& options) {
  options.add_options()("max-memory", po::value<std::string>()->default_value("8G"),
                        "refuse a simulation (also calibration's) whose estimated memory is beyond "
                        "this: 8G, 64G, ...");
}

std::uint64_t max_memory(const po::variables_map& vm) {
  return parse_size(vm["max-memory"].as<std::string>(), "max-memory");
}

Dataset load_data(const po::variables_map& vm, const char* flag) {
  LoadOptions o;
  o.samples = vm["samples"].as<std::size_t>();
  o.offset = vm["offset"].as<std::size_t>();
  o.nhwc = vm["nhwc"].as<bool>();
  o.x_name = vm["x-name"].as<std::string>();
  o.y_name = vm["y-name"].as<std::string>();
  o.max_input_bytes = parse_size(vm["max-input-bytes"].as<std::string>(), "max-input-bytes");
  return load_dataset(vm[flag].as<std::string>(), o);
}

void add_energy_options(po::options_description& options) {
  const EnergyModel defaults;
  options.add_options()
      ("pj-ac", po::value<double>()->default_value(defaults.pj_per_ac, fmt::format("{:g}", defaults.pj_per_ac)),
       "energy of one accumulate (one SOP), picojoules")
      ("pj-mac", po::value<double>()->default_value(defaults.pj_per_mac, fmt::format("{:g}", defaults.pj_per_mac)),
       "energy of one multiply-accumulate (ANN, analog input), picojoules")
      ("count", po::value<std::string>()->default_value("events"),
       "what one SOP is (energy follows): events (a delivered event x its fan-out, whatever it "
       "carries) or spikes (x its spike multiplicity: an augmented coefficient c or radix digit d "
       "counts |c| or d; a pooled cell, the spikes it pooled); docs/experiments.md");
}

SopConvention sop_convention(const po::variables_map& vm) {
  const std::string count = vm["count"].as<std::string>();
  const auto convention = parse_sop_convention(count);
  if (!convention) throw UsageError(fmt::format("--count: expected events or spikes, got '{}'", count));
  return *convention;
}

EnergyModel energy_model(const po::variables_map& vm) {
  EnergyModel e;
  e.pj_per_ac = vm["pj-ac"].as<double>();
  e.pj_per_mac = vm["pj-mac"].as<double>();
  e.sops = sop_convention(vm);
  if (!(e.pj_per_ac >= 0) || !(e.pj_per_mac >= 0))
    throw UsageError(fmt::format("--pj-ac and --pj-mac must be >= 0, got {:g} and {:g}",
                                 e.pj_per_ac, e.pj_per_mac));
  return e;
}

void add_force_option(po::options_description& options) {
  options.add_options()("force", po::bool_switch(), "replace output files that already exist");
}

std::vector<std::string> input_paths(const po::variables_map& vm, std::initializer_list<const char*> flags) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const char* flag : flags) {
    if (!vm.count(flag)) continue;
    const std::string value = vm[flag].as<std::string>();
    std::size_t start = 0;
    while (start <= value.size()) {
      std::size_t comma = value.find(',', start);
      std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      std::error_code ec;
      // FILE.h5:X (an HDF5 or NPZ member after a colon): the file is the part before it.
      if (!fs::exists(item, ec))
        if (auto colon = item.find(':'); colon != std::string::npos) item.resize(colon);
      if (!item.empty()) out.push_back(item);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

void check_output_flag(const po::variables_map& vm, const char* flag, const char* shown,
                       const std::vector<std::string>& inputs, const std::string& suffix) {
  if (!vm.count(flag)) return;
  const bool force = vm.count("force") && vm["force"].as<bool>();
  experiments::check_output(vm[flag].as<std::string>() + suffix, inputs, force, shown);
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
