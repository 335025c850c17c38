#include "folder_cli.hpp"

#include <unistd.h>

#include "config_file.hpp"

namespace brisk::cli {

void add_progress_options(po::options_description& options) {
  options.add_options()
      ("quiet", po::bool_switch(), "no progress on stderr")
      ("progress", po::bool_switch(),
       "progress as log lines on stderr when it is not a terminal (a terminal gets a progress bar anyway)");
}

experiments::ProgressMode progress_mode(const po::variables_map& vm) {
  if (vm["quiet"].as<bool>()) return experiments::ProgressMode::Off;
  if (::isatty(STDERR_FILENO)) return experiments::ProgressMode::Bar;
  return vm["progress"].as<bool>() ? experiments::ProgressMode::Log : experiments::ProgressMode::Off;
}

experiments::FolderMode folder_mode(const po::variables_map& vm) {
  if (vm.count("resume") && vm["resume"].as<bool>()) return experiments::FolderMode::Resume;
  if (vm.count("force") && vm["force"].as<bool>()) return experiments::FolderMode::Force;
  return experiments::FolderMode::New;
}

experiments::Manifest start_manifest(const std::string& command, const po::variables_map& vm, int threads) {
  experiments::Manifest m;
  m.command = command;
  m.config = effective_config(vm, {"out", "force", "resume", "quiet", "progress", "json", "save", "predictions",
                                   "predictions-steps", "record", "record-layers", "record-samples",
                                   "record-membrane"});
  std::vector<std::pair<std::string, std::string>> specs;
  for (const char* role : {"model", "network", "data", "calib-data", "arch"})
    if (vm.count(role)) specs.emplace_back(role, vm[role].as<std::string>());
  // The calibration pool is read only by conversions that calibrate or balance on data;
  // a converted network file needs none.
  m.inputs = experiments::input_files(specs);
  if (vm.count("seed")) m.seed = vm["seed"].as<std::uint64_t>();
  m.threads = threads;
  m.start = experiments::utc_now();
  return m;
}

}  // namespace brisk::cli
