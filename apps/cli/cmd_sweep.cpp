// brisk sweep: the comparison tables — accuracy vs T for each method and each calibration
// stage on one model, written as Markdown, CSV, JSON (experiments/sweep) and PNG/SVG plots (experiments/plots).
#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "cli.hpp"
#include "commands.hpp"
#include "conversion_cli.hpp"
#include <brisk/apps/experiments/files.hpp>
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

}  // namespace

int cmd_sweep(int argc, char** argv) {
  static const CommandHelp help{
      "sweep", "brisk sweep MODEL --data SPEC --out PREFIX [options]",
      "Convert MODEL with every requested method and calibration stage at every requested T,\n"
      "simulate each on --data, and write the comparison as PREFIX.md (one table per method:\n"
      "a row per calibration stage, a column per T), PREFIX.csv and PREFIX.json, and plots as\n"
      "PREFIX.png and PREFIX.svg (accuracy vs T, and accuracy vs SOPs per image, a line per\n"
      "method and stage, the ANN accuracy dashed), drawn with matplotlib by brisk_plot.py under\n"
      "$BRISK_PYTHON (default " BRISK_PYTHON "); without them the tables are still written.\n"
      "Radix runs once (its T is K digits per layer, calibration does not apply). The conversion flags\n"
      "of 'brisk convert' apply to every run (their --method/--timesteps/--calibrate are\n"
      "replaced by the lists below).",
      "  brisk sweep models/fmnist_cnn.h5 --data fashion-mnist --out docs/sweep_fmnist\n"
      "  brisk sweep models/fmnist_cnn.h5 --data fashion-mnist --methods rate --stages none,all \\\n"
      "      --timesteps-list 4,8 --out quick\n"
      "  brisk sweep models/fmnist_cnn.h5 --data fashion-mnist --methods rate --encoder rate \\\n"
      "      --stages none,all --timesteps-list 16,32 --out rate_input\n"};
  po::options_description opts("options");
  opts.add_options()
      ("model", po::value<std::string>()->required(), "trained ANN file (also positional)")
      ("out", po::value<std::string>()->required(), "output prefix: writes PREFIX.md, PREFIX.csv, PREFIX.json, PREFIX.png, PREFIX.svg")
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
  const std::string prefix = vm["out"].as<std::string>();
  const auto inputs = input_paths(vm, {"model", "data", "arch", "calib-data"});
  for (const char* ext : {".md", ".csv", ".json", ".png", ".svg"})
    check_output_flag(vm, "out", "--out", inputs, ext);

  const experiments::ConversionInputs in = experiments::load_conversion_inputs(model, input_options(vm), true);
  const Dataset d = load_data(vm);
  const experiments::Sweep sweep = experiments::run_sweep(in, d, so, [](const experiments::SweepRow& r) {
    std::cout << fmt::format("{:<7} {:<16} T={:<3} SNN {:.2f}% (ANN {:.2f}%)  convert {:.2f} s, run {:.2f} s\n",
                             r.method, r.stage, r.timesteps, 100 * r.snn, 100 * r.ann, r.convert_seconds,
                             r.run_seconds)
              << std::flush;
  });

  experiments::write_file_atomically(prefix + ".md", experiments::sweep_markdown(sweep));
  experiments::write_file_atomically(prefix + ".csv", experiments::sweep_csv(sweep));
  experiments::write_file_atomically(prefix + ".json", experiments::sweep_json(sweep).dump(2) + "\n");
  std::cout << fmt::format("wrote {0}.md, {0}.csv, {0}.json ({1} runs)\n", prefix, sweep.rows.size())
            << std::flush;
  // The plots are a convenience: without Python or matplotlib the tables still stand.
  if (const std::string why = experiments::write_plots(prefix); why.empty())
    std::cout << fmt::format("wrote {0}.png, {0}.svg\n", prefix);
  else
    std::cerr << fmt::format("brisk: warning: plots not written ({})\n", why);
  return 0;
}

}  // namespace brisk::cli
