// brisk sweep: the comparison tables — accuracy vs T for each method and each calibration
// stage on one model, written as Markdown, CSV and JSON.
#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <map>
#include <sstream>

#include "cli.hpp"
#include "commands.hpp"
#include "conversion_cli.hpp"
#include "plot_svg.hpp"
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

// Two panels: accuracy vs T, and accuracy vs SOPs per image (the accuracy/cost trade-off).
// One series per (method, stage); radix has a single run, drawn as a marker at its latency.
std::string svg_plot(const std::vector<Row>& rows, const std::string& model, const std::string& data) {
  const bool radix = std::any_of(rows.begin(), rows.end(), [](const Row& r) { return r.method == "radix"; });
  plot::Panel by_t{"(a) accuracy vs spike-train length",
                   {radix ? "timesteps T (radix: latency in steps)" : "timesteps T", plot::Scale::Log2},
                   {"SNN accuracy (%)", plot::Scale::Linear}, {}, {}};
  plot::Panel by_sops{"(b) accuracy vs synaptic operations",
                      {"synaptic operations per image (SOPs)", plot::Scale::Log10},
                      {"SNN accuracy (%)", plot::Scale::Linear}, {}, {}};
  for (const auto& r : rows) {
    const std::string name = r.method == "radix" ? r.method : fmt::format("{}, calibration: {}", r.method, r.stage);
    auto series_in = [&](plot::Panel& p) -> plot::Series& {
      for (auto& s : p.series)
        if (s.name == name) return s;
      return p.series.emplace_back(plot::Series{name, {}, r.method != "radix"});
    };
    const double t = r.method == "radix" ? r.latency : r.timesteps;
    series_in(by_t).points.emplace_back(t, 100 * r.snn);
    series_in(by_sops).points.emplace_back(r.sops, 100 * r.snn);
  }
  if (!rows.empty()) {
    const plot::HLine ann{fmt::format("ANN accuracy ({:.2f}%)", 100 * rows.front().ann), 100 * rows.front().ann};
    by_t.hlines.push_back(ann);
    by_sops.hlines.push_back(ann);
  }
  return plot::render_svg({fmt::format("brisk sweep: {} on {}", model, data), {by_t, by_sops}});
}

}  // namespace

int cmd_sweep(int argc, char** argv) {
  static const CommandHelp help{
      "sweep", "brisk sweep MODEL --data SPEC --out PREFIX [options]",
      "Convert MODEL with every requested method and calibration stage at every requested T,\n"
      "simulate each on --data, and write the comparison as PREFIX.md (one table per method:\n"
      "a row per calibration stage, a column per T), PREFIX.csv, PREFIX.json and PREFIX.svg\n"
      "(plots: accuracy vs T, and accuracy vs SOPs per image, a line per method and stage,\n"
      "the ANN accuracy dashed). Radix runs\n"
      "once (its T is K digits per layer, calibration does not apply). The conversion flags\n"
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
      ("out", po::value<std::string>()->required(), "output prefix: writes PREFIX.md, PREFIX.csv, PREFIX.json, PREFIX.svg")
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
  for (const auto& m : methods) {
    parse_method(m);  // UsageError for an unknown one
    if (base.encoder) check_encoder(*base.encoder, m == "radix", m);
  }
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

  std::string settings = fmt::format(
      "Balancing {}{}{}, V0 {}, calibration samples: {} from {} (seed {}), AugMapping coefficient "
      "{} bits, radix base {}.",
      balance_method_name(base.balance.method),
      base.balance.method == BalanceMethod::Percentile ? fmt::format(" (p = {})", base.balance.percentile) : "",
      base.balance.per_channel ? " per channel" : " per layer", base.mapping.half_v0 ? "θ/2" : "0",
      base.calib_samples, in.calib_label, base.seed, base.mapping.aug_bits, base.mapping.radix_base);
  if (base.encoder) settings += fmt::format(" Input encoder {}.", encoders::name(*base.encoder));
  write_text_atomically(prefix + ".md", markdown(rows, model, d.source, settings));
  write_text_atomically(prefix + ".csv", csv(rows));
  nlohmann::json j{{"model", model}, {"model_sha256", in.model_sha256}, {"data", d.source},
                   {"samples", d.count()}, {"calib_data", in.calib_label},
                   {"calib_samples", base.calib_samples}, {"seed", base.seed}, {"runs", json_rows(rows)}};
  if (base.encoder) j["encoder"] = encoders::name(*base.encoder);
  write_text_atomically(prefix + ".json", j.dump(2) + "\n");
  write_text_atomically(prefix + ".svg", svg_plot(rows, model, d.source));
  std::cout << fmt::format("wrote {0}.md, {0}.csv, {0}.json, {0}.svg ({1} runs)\n", prefix, rows.size());
  return 0;
}

}  // namespace brisk::cli
