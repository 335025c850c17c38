// brisk sweep: the comparison tables — accuracy vs T for each method and each calibration
// stage on one model, written as Markdown, CSV, JSON (experiments/sweep) and PNG/SVG plots (experiments/plots).
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "errors.hpp"
#include "commands.hpp"
#include "conversion_cli.hpp"
#include "folder_cli.hpp"
#include "signals.hpp"
#include <brisk/apps/experiments/distributed.hpp>
#include <brisk/apps/experiments/files.hpp>
#include <brisk/apps/experiments/folder.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/apps/experiments/plots.hpp>
#include <brisk/apps/experiments/sweep.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::cli {

namespace {

std::vector<int> parse_int_list(const std::string& text, const char* flag) {
  std::vector<int> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      std::size_t used = 0;
      const int v = std::stoi(item, &used);
      if (used != item.size() || v <= 0) throw std::invalid_argument(item);
      out.push_back(v);
    } catch (const std::exception&) {
      throw UsageError(fmt::format("--{}: '{}' is not a positive integer", flag, item));
    }
  }
  if (out.empty()) throw UsageError(fmt::format("--{}: empty list", flag));
  return out;
}

std::vector<std::string> parse_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

int sweep_command(experiments::Communicator& comm, int argc, char** argv) {
  static const CommandHelp help{
      "sweep", "brisk sweep MODEL --data SPEC --out DIR [options]",
      "Convert MODEL with every requested method and calibration stage at every requested T,\n"
      "simulate each on --data, and write the comparison into the folder DIR: results.md (one\n"
      "table per method: a row per calibration stage, a column per T), results.csv and\n"
      "results.json (a row per configuration: accuracy, latency, spikes, SOPs, energy, times),\n"
      "results.png and results.svg (accuracy vs T, and accuracy vs SOPs per image, a line per\n"
      "method and stage, the ANN accuracy dashed; drawn with matplotlib by brisk_plot.py under\n"
      "$BRISK_PYTHON, default " BRISK_PYTHON "; without them the tables are still written), and\n"
      "manifest.ini (the effective configuration, version, git revision, SHA-256 of every input,\n"
      "seeds, calibration samples, threads, CPU, start and end time).\n"
      "Each finished configuration is added to the results at once (atomically). Ctrl-C\n"
      "(SIGINT) or SIGTERM stops after the running configuration's current batch of samples,\n"
      "keeps what finished and exits with 130; --resume completes the folder. An existing\n"
      "non-empty DIR is refused without --force or --resume. `brisk sweep --config\n"
      "DIR/manifest.ini --out DIR2` reruns it; `brisk compare DIR DIR2` checks the figures.\n"
      "Radix runs once (its T is K digits per layer, calibration does not apply). The conversion flags\n"
      "of 'brisk convert' apply to every run (their --method/--timesteps/--calibrate are\n"
      "replaced by the lists below).",
      "  brisk sweep models/fmnist_cnn.h5 --data fashion-mnist --out sweep_fmnist\n"
      "  brisk sweep models/fmnist_cnn.h5 --data fashion-mnist --methods rate --stages none,all \\\n"
      "      --timesteps-list 4,8 --out quick\n"
      "  brisk sweep --config quick/manifest.ini --out quick2 && brisk compare quick quick2\n"
      "  brisk sweep --config experiment.ini --out run1 --resume\n"};
  po::options_description opts("options");
  opts.add_options()
      ("model", po::value<std::string>()->required(), "trained ANN file (also positional)")
      ("out", po::value<std::string>()->required(),
       "output folder: results.csv, results.json, results.md, results.png, results.svg, manifest.ini")
      ("resume", po::bool_switch(), "complete the interrupted sweep in --out (same configuration)")
      ("methods", po::value<std::string>()->default_value("rate,termap,augmap,radix"), "methods to compare")
      ("stages", po::value<std::string>()->default_value("none,bias,potential,weights,bias+potential,all"),
       "calibration stages (a '+' joins stages in one run)")
      ("timesteps-list", po::value<std::string>()->default_value("4,8,16,32"), "T values for rate and termap")
      ("aug-timesteps", po::value<std::string>()->default_value("1,2,4"), "T values for augmap")
      ("ensemble-list", po::value<std::string>()->default_value("0"),
       "binary / ternary methods: ensemble sizes, 0 = the deterministic network (e.g. 0,1,2,4,8,16)")
      ("combine", po::value<std::string>()->default_value("logits"), "ensembles: logits or votes");
  add_data_options(opts, "data", /*required=*/true);
  add_conversion_options(opts);
  add_thread_option(opts);
  add_memory_option(opts);
  add_force_option(opts);
  add_energy_options(opts);
  add_progress_options(opts);
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;

  experiments::SweepOptions so;
  so.base = conversion_options(vm);
  so.energy = energy_model(vm);
  so.max_memory = max_memory(vm);
  so.methods = parse_list(vm["methods"].as<std::string>());
  for (const auto& m : so.methods) {
    if (bitwise_method(m)) continue;  // binary / ternary: a bitwise model, T = 1
    parse_method(m);  // UsageError for an unknown one
    if (m == "radix" && so.base.balance.per_channel)
      throw UsageError("--per-channel: radix needs one clip value per layer; leave radix out of --methods "
                       "or drop --per-channel");
    if (so.base.encoder) check_encoder(*so.base.encoder, m == "radix", m);
  }
  for (const auto& s : parse_list(vm["stages"].as<std::string>())) {
    std::string commas = s;
    std::replace(commas.begin(), commas.end(), '+', ',');
    so.stages.emplace_back(s, parse_stages(commas));
  }
  so.timesteps = parse_int_list(vm["timesteps-list"].as<std::string>(), "timesteps-list");
  so.aug_timesteps = parse_int_list(vm["aug-timesteps"].as<std::string>(), "aug-timesteps");
  so.ensembles.clear();
  for (const auto& n : parse_list(vm["ensemble-list"].as<std::string>())) {
    std::size_t used = 0;
    int v = -1;
    try {
      v = std::stoi(n, &used);
    } catch (const std::exception&) {
    }
    if (used != n.size() || v < 0 || v > 4096)
      throw UsageError(fmt::format("--ensemble-list: '{}' is not an ensemble size in [0, 4096]", n));
    so.ensembles.push_back(v);
  }
  so.combine = experiments::parse_combine(vm["combine"].as<std::string>());
  const std::string model = vm["model"].as<std::string>();
  const std::string dir = vm["out"].as<std::string>();
  const experiments::FolderMode mode = folder_mode(vm);
  if (vm["resume"].as<bool>() && vm["force"].as<bool>()) throw UsageError("--resume and --force exclude each other");
  const auto inputs = input_paths(vm, {"model", "data", "arch", "calib-data"});
  // Under mpirun (docs/mpi.md) rank 0 alone writes the folder, once every row is in.
  if (comm.size() > 1 && mode == experiments::FolderMode::Resume)
    throw UsageError("--resume: not available under mpirun (resume the sweep in one process)");
  if (comm.root()) experiments::prepare_output_folder(dir, mode, inputs, "--out");

  experiments::Manifest manifest = start_manifest("sweep", vm, so.base.threads);
  experiments::SweepControl control;
  if (mode == experiments::FolderMode::Resume) {
    // The folder's configuration must be this one (threads and display flags aside).
    const std::string mpath = experiments::folder_file(dir, "manifest.ini");
    const experiments::Ini old = experiments::read_ini(mpath);
    const experiments::KeyValues* was = old.section("sweep");
    if (!was) throw InputError(fmt::format("{}: no [sweep] section (not a sweep folder)", mpath));
    for (const auto& [k, v] : manifest.config) {
      if (k == "threads") continue;
      const std::string* w = old.find("sweep", k);
      if (!w && k == "count" && v == "events") continue;  // folders from before --count: events
      if (!w || *w != v)
        throw UsageError(fmt::format("--resume: {} was made with {} = {}, not {} (resume with the same "
                                     "options, e.g. --config {})",
                                     dir, k, w ? *w : "(not set)", v, mpath));
    }
    if (const std::string* s = old.find("manifest", "start")) manifest.start = *s;
    if (std::filesystem::exists(experiments::folder_file(dir, "results.json")))
      control.done = experiments::read_sweep_rows(dir);
    if (const std::string* idx = old.find("manifest", "calib_indices")) {
      std::stringstream ss(*idx);
      std::string item;
      while (std::getline(ss, item, ',')) manifest.calib_indices.push_back(std::stoll(item));
    }
  }
  manifest.total = experiments::sweep_configs(so).size();
  manifest.finished = control.done.size();
  manifest.calib_rule = fmt::format(
      "draw_indices(pool size, calib-samples = {}, seed = {}) over the pool of calib-data (from "
      "calib-offset, calib-pool samples; 0 = all); indices are positions in the pool",
      so.base.calib_samples, so.base.seed);
  if (comm.root()) experiments::write_manifest(dir, manifest);

  const experiments::ConversionInputs in = experiments::load_conversion_inputs(model, input_options(vm), true);
  const Dataset d = load_data(vm);
  StopOnSignal signals;
  experiments::Sweep sweep;
  auto print_row = [](const experiments::SweepRow& r) {
    std::cout << fmt::format("{:<7} {:<16} T={:<3} SNN {:.2f}% (ANN {:.2f}%)  convert {:.2f} s, run {:.2f} s\n",
                             r.method, r.stage, r.timesteps, 100 * r.snn, 100 * r.ann, r.convert_seconds,
                             r.run_seconds)
              << std::flush;
  };
  if (comm.size() > 1) {
    sweep = experiments::run_sweep_distributed(comm, in, d, so, print_row);
    if (!comm.root()) return 0;  // rank 0 alone writes
  } else {
    experiments::Progress progress(std::cerr, progress_mode(vm));
    control.stop = signals.flag();
    control.samples_done = progress.counter();
    control.on_start = [&](std::size_t i, std::size_t n, const experiments::SweepConfig& c) {
      progress.begin(fmt::format("{} {} T={}", c.method, c.stage, c.timesteps), i, n, d.count());
    };
    for (const auto& r : control.done)
      std::cout << fmt::format("{:<7} {:<16} T={:<3} SNN {:.2f}% (ANN {:.2f}%)  (finished before, kept)\n", r.method,
                               r.stage, r.timesteps, 100 * r.snn, 100 * r.ann);
    sweep = experiments::run_sweep(in, d, so, [&](const experiments::Sweep& s) {
      progress.end();
      const experiments::SweepRow& r = s.rows.back();
      // The row is in the folder before it is reported.
      experiments::write_sweep_results(dir, s);
      manifest.finished = s.rows.size();
      if (manifest.calib_indices.empty()) manifest.calib_indices = s.calib_indices;
      experiments::write_manifest(dir, manifest);
      print_row(r);
    }, &control);
    progress.end();
  }

  experiments::write_sweep_results(dir, sweep);
  manifest.finished = sweep.rows.size();
  if (manifest.calib_indices.empty()) manifest.calib_indices = sweep.calib_indices;
  manifest.end = experiments::utc_now();
  manifest.status = sweep.interrupted ? "interrupted" : "complete";
  experiments::write_manifest(dir, manifest);
  if (sweep.interrupted) {
    std::cout << fmt::format("interrupted: {} of {} configurations finished, written to {}\n", sweep.rows.size(),
                             sweep.total, dir)
              << std::flush;
    std::cerr << fmt::format("brisk: interrupted by signal {}; complete the sweep with: brisk sweep --config "
                             "{} --out {} --resume\n",
                             signals.signal(), experiments::folder_file(dir, "manifest.ini"), dir);
    return kExitInterrupted;
  }
  // The per-method tables (results.md without its list of all runs).
  const std::string md = experiments::sweep_markdown(sweep);
  std::cout << "\n" << md.substr(0, md.find("\n## All runs")) << "\n\n";
  std::cout << fmt::format("wrote {0}/results.md, results.csv, results.json, manifest.ini ({1} runs)\n", dir,
                           sweep.rows.size())
            << std::flush;
  // The plots are a convenience: without Python or matplotlib the tables still stand.
  if (const std::string why = experiments::write_sweep_plots(dir); why.empty())
    std::cout << fmt::format("wrote {0}/results.png, results.svg\n", dir);
  else
    std::cerr << fmt::format("brisk: warning: plots not written ({})\n", why);
  return 0;
}

}  // namespace

// Under mpirun every rank runs the command (docs/mpi.md); one process otherwise.
int cmd_sweep(int argc, char** argv) {
  return on_ranks([&](experiments::Communicator& comm) { return sweep_command(comm, argc, argv); });
}

}  // namespace brisk::cli
