#include <brisk/apps/experiments/sweep.hpp>

#include <brisk/encoders/encoder.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/conversion/balance.hpp>
#include <brisk/conversion/mapping.hpp>

namespace brisk::experiments {

std::vector<SweepConfig> sweep_configs(const SweepOptions& o) {
  std::vector<SweepConfig> out;
  for (const auto& m : o.methods) {
    if (m == "radix") {
      out.push_back({m, "none", CalibrationOptions{}, o.base.mapping.timesteps, 0});
      continue;
    }
    if (bitwise_method(m)) {  // T = 1, no calibration; one run per ensemble size
      for (int n : o.ensembles)
        out.push_back({m, n == 0 ? "deterministic" : fmt::format("ensemble {}", n), CalibrationOptions{}, 1, n});
      continue;
    }
    for (const auto& [name, cal] : o.stages)
      for (int t : m == "augmap" ? o.aug_timesteps : o.timesteps) out.push_back({m, name, cal, t, 0});
  }
  return out;
}

ConvertOptions config_options(const SweepOptions& o, const SweepConfig& config) {
  ConvertOptions co = o.base;
  co.mapping.method = parse_method(config.method);
  co.mapping.timesteps = config.timesteps;
  co.calibration.weights = config.calibration.weights;  // the stages; ridge and scope: base's
  co.calibration.bias = config.calibration.bias;
  co.calibration.potential = config.calibration.potential;
  return co;
}

SweepRow row_of(const SweepConfig& config, const Evaluation& e, int timesteps,
                const std::string& calibration_report) {
  SweepRow r;
  const double n = static_cast<double>(e.samples);
  r.method = config.method;
  r.stage = config.stage;
  r.timesteps = timesteps;
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
  r.calibration_report = calibration_report;
  return r;
}

SweepRow sweep_row(const SweepConfig& config, const Conversion& c, const Evaluation& e) {
  return row_of(config, e, c.spec.timesteps, c.calibration_report);
}

SweepRow run_config(const ConversionInputs& in, const Dataset& d, const SweepOptions& o,
                    const SweepConfig& config, const SweepControl* control, bool* interrupted,
                    std::vector<std::int64_t>* calib_indices) {
  if (const auto kind = bitwise_method(config.method)) {  // binary / ternary (issue 10)
    const auto t0 = std::chrono::steady_clock::now();
    Evaluation e;
    std::string report;
    if (config.ensemble == 0) {
      const Conversion c = convert_bitwise(in.model, *kind);
      e = evaluate(c, d, 0, o.base.threads, o.energy, o.max_memory);
    } else {
      EnsembleOptions eo;
      eo.members = config.ensemble;
      eo.combine = o.combine;
      eo.seed = o.base.seed;
      e = evaluate_ensemble(in.model, *kind, eo, d, o.base.threads, o.energy, o.max_memory);
    }
    SweepRow r = row_of(config, e, 1, report);
    r.convert_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() - r.run_seconds;
    return r;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Conversion c = convert_loaded(in, config_options(o, config));
  const double convert_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (calib_indices) *calib_indices = c.calib_indices;
  EvaluateControl ec;
  if (control) ec.stop = control->stop, ec.samples_done = control->samples_done;
  const Evaluation e = evaluate(c, d, 0, o.base.threads, o.energy, o.max_memory, ec);
  if (interrupted) *interrupted = e.result.interrupted;
  SweepRow r = sweep_row(config, c, e);
  r.convert_seconds = convert_seconds;
  return r;
}

Sweep empty_sweep(const ConversionInputs& in, const Dataset& d, const SweepOptions& o, std::size_t total) {
  Sweep s;
  s.model = in.model_path;
  s.model_sha256 = in.model_sha256;
  s.data = d.source;
  s.calib_label = in.calib_label;
  s.samples = d.count();
  s.base = o.base;
  s.total = total;
  s.sop_convention = o.energy.sops;
  return s;
}

Sweep run_sweep(const ConversionInputs& in, const Dataset& d, const SweepOptions& o,
                const std::function<void(const Sweep&)>& on_row, const SweepControl* control) {
  const std::vector<SweepConfig> configs = sweep_configs(o);
  Sweep s = empty_sweep(in, d, o, configs.size());
  for (std::size_t i = 0; i < configs.size(); ++i) {
    const SweepConfig& config = configs[i];
    if (control) {
      const auto done = std::find_if(control->done.begin(), control->done.end(), [&](const SweepRow& r) {
        return r.method == config.method && r.stage == config.stage &&
               (r.timesteps == config.timesteps || config.method == "radix");
      });
      if (done != control->done.end()) {
        s.rows.push_back(*done);
        continue;
      }
      if (control->stop && control->stop->load()) {
        s.interrupted = true;
        break;
      }
      if (control->on_start) control->on_start(i, configs.size(), config);
    }
    bool interrupted = false;
    std::vector<std::int64_t> indices;
    SweepRow row = run_config(in, d, o, config, control, &interrupted, &indices);
    if (interrupted) {
      s.interrupted = true;
      break;
    }
    if (s.calib_indices.empty()) s.calib_indices = std::move(indices);
    s.rows.push_back(std::move(row));
    if (on_row) on_row(s);
  }
  return s;
}

namespace {

std::string settings_line(const Sweep& s) {
  const ConvertOptions& b = s.base;
  std::string line = fmt::format(
      "Balancing {}{}{}, V0 {}, calibration samples: {} from {} (seed {}), AugMapping coefficient "
      "{} bits, radix base {}.",
      balance_method_name(b.balance.method),
      b.balance.method == BalanceMethod::Percentile ? fmt::format(" (p = {})", b.balance.percentile) : "",
      b.balance.per_channel ? " per channel" : " per layer", b.mapping.half_v0 ? "θ/2" : "0",
      b.calib_samples, s.calib_label, b.seed, b.mapping.aug_bits, b.mapping.radix_base);
  if (b.encoder) line += fmt::format(" Input encoder {}.", encoders::name(*b.encoder));
  return line;
}

}  // namespace

std::string sweep_markdown(const Sweep& s) {
  const auto& rows = s.rows;
  std::string md = fmt::format("# brisk sweep: {} on {}\n\n{}\n\n", s.model, s.data, settings_line(s));
  md += fmt::format("SOPs counted as {}\n\n", sop_convention_text(s.sop_convention));
  if (!rows.empty()) md += fmt::format("ANN accuracy: {:.2f}%\n", 100 * rows.front().ann);
  // One table per method: a row per calibration stage, a column per T.
  std::vector<std::string> methods;
  for (const auto& r : rows)
    if (std::find(methods.begin(), methods.end(), r.method) == methods.end()) methods.push_back(r.method);
  for (const auto& m : methods) {
    std::vector<int> ts;
    std::vector<std::string> stages;
    std::map<std::pair<std::string, int>, const SweepRow*> cell;
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
    for (const auto& st : stages) {
      md += fmt::format("| {} |", st);
      for (int t : ts) {
        const auto it = cell.find({st, t});
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

std::string sweep_csv(const Sweep& s) {
  std::string out = "method,calibration,timesteps,latency,snn_accuracy,ann_accuracy,reference_accuracy,agreement,"
                    "spikes_per_sample,sops_per_sample,sop_convention,snn_energy_uj,ann_energy_uj,convert_seconds,run_seconds\n";
  for (const auto& r : s.rows)
    out += fmt::format("{},\"{}\",{},{},{:.6f},{:.6f},{:.6f},{:.6f},{:.2f},{:.2f},{},{:.6f},{:.6f},{:.3f},{:.3f}\n", r.method,
                       r.stage, r.timesteps, r.latency, r.snn, r.ann, r.reference, r.agreement, r.spikes, r.sops,
                       sop_convention_name(s.sop_convention), r.energy_uj, r.ann_energy_uj, r.convert_seconds,
                       r.run_seconds);
  return out;
}

nlohmann::json sweep_json(const Sweep& s) {
  nlohmann::json runs = nlohmann::json::array();
  for (const auto& r : s.rows) {
    nlohmann::json o{{"method", r.method}, {"calibration", r.stage}, {"timesteps", r.timesteps},
                     {"latency", r.latency}, {"snn_accuracy", r.snn}, {"ann_accuracy", r.ann},
                     {"reference_accuracy", r.reference}, {"agreement", r.agreement},
                     {"spikes_per_sample", r.spikes}, {"sops_per_sample", r.sops},
                     {"snn_energy_uj", r.energy_uj}, {"ann_energy_uj", r.ann_energy_uj},
                     {"convert_seconds", r.convert_seconds}, {"run_seconds", r.run_seconds}};
    if (!r.calibration_report.empty()) o["calibration_report"] = nlohmann::json::parse(r.calibration_report);
    runs.push_back(o);
  }
  nlohmann::json j{{"model", s.model}, {"model_sha256", s.model_sha256}, {"data", s.data},
                   {"samples", s.samples}, {"calib_data", s.calib_label},
                   {"calib_samples", s.base.calib_samples}, {"seed", s.base.seed},
                   {"sop_convention", sop_convention_name(s.sop_convention)}, {"runs", runs}};
  if (s.base.encoder) j["encoder"] = encoders::name(*s.base.encoder);
  return j;
}

}  // namespace brisk::experiments
