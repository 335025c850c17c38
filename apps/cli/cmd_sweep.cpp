// brisk sweep: the comparison tables — accuracy vs T for each method and each calibration
// stage on one model, written as Markdown, CSV and JSON.
#include <fmt/format.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "cli.hpp"
#include "commands.hpp"
#include "conversion_cli.hpp"
#include <brisk/core/base/error.hpp>

extern char** environ;

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

struct Row {
  std::string method, stage;
  int timesteps = 0;  // T (radix: K digits)
  int latency = 0;
  double ann = 0, reference = 0, snn = 0, agreement = 0;
  double spikes = 0, sops = 0, energy_uj = 0, ann_energy_uj = 0;
  double convert_seconds = 0, run_seconds = 0;
  std::string calibration_report;
};

std::string markdown(const std::vector<Row>& rows, const std::string& model, const std::string& data,
                     const std::string& settings) {
  std::string md = fmt::format("# brisk sweep: {} on {}\n\n{}\n\n", model, data, settings);
  if (!rows.empty()) md += fmt::format("ANN accuracy: {:.2f}%\n", 100 * rows.front().ann);
  // One table per method: a row per calibration stage, a column per T.
  std::vector<std::string> methods;
  for (const auto& r : rows)
    if (std::find(methods.begin(), methods.end(), r.method) == methods.end()) methods.push_back(r.method);
  for (const auto& m : methods) {
    std::vector<int> ts;
    std::vector<std::string> stages;
    std::map<std::pair<std::string, int>, const Row*> cell;
    for (const auto& r : rows) {
      if (r.method != m) continue;
      if (std::find(ts.begin(), ts.end(), r.timesteps) == ts.end()) ts.push_back(r.timesteps);
      if (std::find(stages.begin(), stages.end(), r.stage) == stages.end()) stages.push_back(r.stage);
      cell[{r.stage, r.timesteps}] = &r;
    }
    md += fmt::format("\n## {}\n\nSNN accuracy (difference to the ANN, points)\n\n| calibration |", m);
    for (int t : ts) md += fmt::format(" {} = {} |", m == "radix" ? "K" : "T", t);
    md += "\n|---|";
    for (std::size_t i = 0; i < ts.size(); ++i) md += "---:|";
    md += "\n";
    for (const auto& s : stages) {
      md += fmt::format("| {} |", s);
      for (int t : ts) {
        const auto it = cell.find({s, t});
        if (it == cell.end()) md += " |";
        else md += fmt::format(" {:.2f}% ({:+.2f}) |", 100 * it->second->snn, 100 * (it->second->snn - it->second->ann));
      }
      md += "\n";
    }
  }
  md += "\n## All runs\n\n| method | calibration | T | latency | SNN | ANN | reference | agreement | spikes/img | SOPs/img | energy uJ (ANN) | convert s |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& r : rows)
    md += fmt::format("| {} | {} | {} | {} | {:.2f}% | {:.2f}% | {:.2f}% | {:.2f}% | {:.0f} | {:.0f} | {:.3f} ({:.3f}) | {:.2f} |\n",
                      r.method, r.stage, r.timesteps, r.latency, 100 * r.snn, 100 * r.ann, 100 * r.reference,
                      100 * r.agreement, r.spikes, r.sops, r.energy_uj, r.ann_energy_uj, r.convert_seconds);
  return md;
}

std::string csv(const std::vector<Row>& rows) {
  std::string out = "method,calibration,timesteps,latency,snn_accuracy,ann_accuracy,reference_accuracy,agreement,"
                    "spikes_per_sample,sops_per_sample,snn_energy_uj,ann_energy_uj,convert_seconds,run_seconds\n";
  for (const auto& r : rows)
    out += fmt::format("{},\"{}\",{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.2f},{:.2f},{:.6f},{:.6f},{:.3f},{:.3f}\n", r.method,
                       r.stage, r.timesteps, r.latency, r.snn, r.ann, r.reference, r.agreement, r.spikes, r.sops,
                       r.energy_uj, r.ann_energy_uj, r.convert_seconds, r.run_seconds);
  return out;
}

nlohmann::json json_rows(const std::vector<Row>& rows) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& r : rows) {
    nlohmann::json o{{"method", r.method}, {"calibration", r.stage}, {"timesteps", r.timesteps},
                     {"latency", r.latency}, {"snn_accuracy", r.snn}, {"ann_accuracy", r.ann},
                     {"reference_accuracy", r.reference}, {"agreement", r.agreement},
                     {"spikes_per_sample", r.spikes}, {"sops_per_sample", r.sops},
                     {"snn_energy_uj", r.energy_uj}, {"ann_energy_uj", r.ann_energy_uj},
                     {"convert_seconds", r.convert_seconds}, {"run_seconds", r.run_seconds}};
    if (!r.calibration_report.empty()) o["calibration_report"] = nlohmann::json::parse(r.calibration_report);
    j.push_back(o);
  }
  return j;
}

// The interpreter that runs the plot script: $BRISK_PYTHON, else the build's BRISK_PYTHON.
std::string plot_python() {
  const char* env = std::getenv("BRISK_PYTHON");
  return env && *env ? std::string(env) : std::string(BRISK_PYTHON);
}

// tools/brisk_plot.py: installed next to the binary (BRISK_PLOT_SCRIPT_RELATIVE from the
// executable's folder), else in the source tree this binary was built from.
std::optional<std::filesystem::path> plot_script() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path() / BRISK_PLOT_SCRIPT_RELATIVE;
    if (fs::is_regular_file(installed, ec)) return installed.lexically_normal();
  }
  const fs::path source = BRISK_PLOT_SCRIPT_SOURCE;
  if (fs::is_regular_file(source, ec)) return source;
  return std::nullopt;
}

// Runs `python brisk_plot.py PREFIX.json PREFIX`, which writes PREFIX.png and PREFIX.svg.
// Returns an empty string on success, else why the plots were not written (the script's
// last stderr line, or why it could not run).
std::string write_plots(const std::string& prefix) {
  const auto script = plot_script();
  if (!script) return fmt::format("brisk_plot.py not found (installed or in {})", BRISK_PLOT_SCRIPT_SOURCE);
  std::string python = plot_python(), script_path = script->string(), json = prefix + ".json",
              out_prefix = prefix;
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return fmt::format("pipe: {}", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);  // the copy is not close-on-exec
  std::vector<char*> argv{python.data(), script_path.data(), json.data(), out_prefix.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err[1]);
  if (rc != 0) {
    ::close(err[0]);
    return fmt::format("cannot run {}: {}", python, std::strerror(rc));
  }
  std::string messages;
  char buf[4096];
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    messages.append(buf, static_cast<std::size_t>(n));
  }
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  while (!messages.empty() && (messages.back() == '\n' || messages.back() == '\r')) messages.pop_back();
  const std::string last = messages.substr(messages.find_last_of('\n') + 1);
  const std::string how = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                            : fmt::format("signal {}", WTERMSIG(status));
  return last.empty() ? fmt::format("{} {}: {}", python, script_path, how) : fmt::format("{}: {}", how, last);
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
      "      --timesteps-list 4,8 --out quick\n"};
  po::options_description opts("options");
  opts.add_options()
      ("model", po::value<std::string>()->required(), "trained ANN file (also positional)")
      ("out", po::value<std::string>()->required(), "output prefix: writes PREFIX.md, PREFIX.csv, PREFIX.json, PREFIX.png, PREFIX.svg")
      ("methods", po::value<std::string>()->default_value("rate,termap,augmap,radix"), "methods to compare")
      ("stages", po::value<std::string>()->default_value("none,bias,potential,weights,bias+potential,all"),
       "calibration stages (a '+' joins stages in one run)")
      ("timesteps-list", po::value<std::string>()->default_value("4,8,16,32"), "T values for rate and termap")
      ("aug-timesteps", po::value<std::string>()->default_value("1,2,4"), "T values for augmap");
  add_data_options(opts, "data", /*required=*/true);
  add_conversion_options(opts);
  add_thread_option(opts);
  add_energy_options(opts);
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse(argc, argv, help, opts, &pos, vm)) return 0;

  const ConvertOptions base = conversion_options(vm);
  const EnergyModel energy = energy_model(vm);
  const auto methods = parse_list(vm["methods"].as<std::string>());
  for (const auto& m : methods) parse_method(m);  // UsageError for an unknown one
  std::vector<std::pair<std::string, CalibrationOptions>> stages;
  for (const auto& s : parse_list(vm["stages"].as<std::string>())) {
    std::string commas = s;
    std::replace(commas.begin(), commas.end(), '+', ',');
    stages.emplace_back(s, parse_stages(commas));
  }
  const auto ts = parse_int_list(vm["timesteps-list"].as<std::string>(), "timesteps-list");
  const auto aug_ts = parse_int_list(vm["aug-timesteps"].as<std::string>(), "aug-timesteps");
  const std::string model = vm["model"].as<std::string>();
  const std::string prefix = vm["out"].as<std::string>();

  const ConversionInputs in = load_conversion_inputs(vm, model, true);
  const Dataset d = load_data(vm);
  std::vector<Row> rows;
  auto one = [&](const std::string& method, const std::string& stage, const CalibrationOptions& cal, int t) {
    ConvertOptions o = base;
    o.mapping.method = parse_method(method);
    o.mapping.timesteps = t;
    const double ridge = o.calibration.ridge;
    o.calibration = cal;
    o.calibration.ridge = ridge;
    const auto t0 = std::chrono::steady_clock::now();
    const Conversion c = convert_loaded(in, o);
    Row r;
    r.convert_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const Evaluation e = evaluate(c, d, 0, base.threads, energy);
    const double n = static_cast<double>(e.samples);
    r.method = method;
    r.stage = stage;
    r.timesteps = c.spec.timesteps;
    r.latency = e.result.latency_steps;
    r.ann = e.ann_accuracy;
    r.reference = e.ref_accuracy;
    r.snn = e.result.accuracy.back();
    r.agreement = e.agreement;
    r.spikes = static_cast<double>(e.result.total_spikes) / n;
    r.sops = static_cast<double>(e.result.total_sops) / n;
    r.energy_uj = e.result.snn_energy_pj * 1e-6;
    r.ann_energy_uj = e.result.ann_energy_pj * 1e-6;
    r.run_seconds = e.result.seconds;
    r.calibration_report = c.calibration_report;
    std::cout << fmt::format("{:<7} {:<16} T={:<3} SNN {:.2f}% (ANN {:.2f}%)  convert {:.2f} s, run {:.2f} s\n",
                             method, stage, r.timesteps, 100 * r.snn, 100 * r.ann, r.convert_seconds,
                             r.run_seconds)
              << std::flush;
    rows.push_back(r);
  };
  for (const auto& m : methods) {
    if (m == "radix") {
      one(m, "none", CalibrationOptions{}, base.mapping.timesteps);
      continue;
    }
    for (const auto& [name, cal] : stages)
      for (int t : m == "augmap" ? aug_ts : ts) one(m, name, cal, t);
  }

  const std::string settings = fmt::format(
      "Balancing {}{}{}, V0 {}, calibration samples: {} from {} (seed {}), AugMapping coefficient "
      "{} bits, radix base {}.",
      balance_method_name(base.balance.method),
      base.balance.method == BalanceMethod::Percentile ? fmt::format(" (p = {})", base.balance.percentile) : "",
      base.balance.per_channel ? " per channel" : " per layer", base.mapping.half_v0 ? "θ/2" : "0",
      base.calib_samples, in.calib_label, base.seed, base.mapping.aug_bits, base.mapping.radix_base);
  write_text_atomically(prefix + ".md", markdown(rows, model, d.source, settings));
  write_text_atomically(prefix + ".csv", csv(rows));
  nlohmann::json j{{"model", model}, {"model_sha256", in.model_sha256}, {"data", d.source},
                   {"samples", d.count()}, {"calib_data", in.calib_label},
                   {"calib_samples", base.calib_samples}, {"seed", base.seed}, {"runs", json_rows(rows)}};
  write_text_atomically(prefix + ".json", j.dump(2) + "\n");
  std::cout << fmt::format("wrote {0}.md, {0}.csv, {0}.json ({1} runs)\n", prefix, rows.size()) << std::flush;
  // The plots are a convenience: without Python or matplotlib the tables still stand.
  if (const std::string why = write_plots(prefix); why.empty())
    std::cout << fmt::format("wrote {0}.png, {0}.svg\n", prefix);
  else
    std::cerr << fmt::format("brisk: warning: plots not written ({})\n", why);
  return 0;
}

}  // namespace brisk::cli
