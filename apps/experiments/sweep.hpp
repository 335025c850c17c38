#pragma once
// A sweep: one model converted with every requested method and calibration stage at every
// requested T, each simulated on one dataset; the rows as Markdown, CSV and JSON tables.
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include <brisk/apps/experiments/bitwise.hpp>
#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/conversion/convert.hpp>
#include <brisk/core/engine/metrics.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::experiments {

struct SweepOptions {
  ConvertOptions base;  // every run's options, with method / T / calibration stages replaced
  EnergyModel energy;
  std::vector<std::string> methods;  // "rate", "termap", "augmap", "radix"
  std::vector<std::pair<std::string, CalibrationOptions>> stages;  // name, stages (ridge: base's)
  std::vector<int> timesteps;      // rate and termap
  std::vector<int> aug_timesteps;  // augmap
  std::uint64_t max_memory = kDefaultMaxMemory;  // per run (evaluate)
  // binary / ternary: one run per value, 0 = the deterministic network, N = an ensemble of
  // N members (evaluate_ensemble) combined by `combine`, seeded from base.seed.
  std::vector<int> ensembles{0};
  Combine combine = Combine::Logits;
};

// One conversion + simulation.
struct SweepConfig {
  std::string method, stage;
  CalibrationOptions calibration;
  int timesteps = 0;
  int ensemble = 0;  // binary / ternary: 0 deterministic, else members
};

// Radix runs once (stage "none", T = base's, calibration does not apply); the others run
// every stage at every T of their list, in the order given.
std::vector<SweepConfig> sweep_configs(const SweepOptions& o);

struct SweepRow {
  std::string method, stage;
  int timesteps = 0;  // T (radix: K digits)
  int latency = 0;
  double ann = 0, reference = 0, snn = 0, agreement = 0;
  double spikes = 0, sops = 0, energy_uj = 0, ann_energy_uj = 0;
  double convert_seconds = 0, run_seconds = 0;
  std::string calibration_report;
};

SweepRow run_config(const ConversionInputs& in, const Dataset& d, const SweepOptions& o,
                    const SweepConfig& config);
SweepRow row_of(const SweepConfig& config, const Evaluation& e, int timesteps,
                const std::string& calibration_report);

struct Sweep {
  std::string model, model_sha256, data, calib_label;
  std::size_t samples = 0;
  ConvertOptions base;
  std::vector<SweepRow> rows;
};

// Runs every configuration; `on_row` (optional) sees each row as it is done.
Sweep run_sweep(const ConversionInputs& in, const Dataset& d, const SweepOptions& o,
                const std::function<void(const SweepRow&)>& on_row = {});

// One table per method (a row per calibration stage, a column per T), then all runs.
std::string sweep_markdown(const Sweep& s);
std::string sweep_csv(const Sweep& s);
nlohmann::json sweep_json(const Sweep& s);

}  // namespace brisk::experiments
