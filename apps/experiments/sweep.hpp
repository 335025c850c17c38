#pragma once
// A sweep: one model converted with every requested method and calibration stage at every
// requested T, each simulated on one dataset; the rows as Markdown, CSV and JSON tables.
#include <atomic>
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
  std::vector<std::pair<std::string, CalibrationOptions>> stages;  // name, stages (ridge and potential scope: base's)
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

// A configuration's conversion options: o.base with its method, T and stages (ridge and potential scope: base's).
ConvertOptions config_options(const SweepOptions& o, const SweepConfig& config);

// The row of a configuration from its conversion and evaluation (convert_seconds left 0).
SweepRow sweep_row(const SweepConfig& config, const Conversion& c, const Evaluation& e);

// How a sweep is driven (all optional): resumed rows, a stop flag (a signal handler sets
// it; checked between configurations and by the engine between chunks of samples), a
// progress counter, and callbacks.
struct SweepControl {
  std::vector<SweepRow> done;  // finished rows (resume): their configurations are skipped
  const std::atomic<bool>* stop = nullptr;
  std::atomic<std::uint64_t>* samples_done = nullptr;  // samples simulated in the running configuration
  // Before configuration `index` (0-based) of `total` starts (skipped ones are not shown).
  std::function<void(std::size_t index, std::size_t total, const SweepConfig&)> on_start;
};

// One configuration. `interrupted` (optional) is set when the stop flag cut the simulation
// short; the row is then partial and must be discarded.
SweepRow run_config(const ConversionInputs& in, const Dataset& d, const SweepOptions& o,
                    const SweepConfig& config, const SweepControl* control = nullptr,
                    bool* interrupted = nullptr, std::vector<std::int64_t>* calib_indices = nullptr);
// The row of a configuration from its evaluation (convert_seconds left 0).
SweepRow row_of(const SweepConfig& config, const Evaluation& e, int timesteps,
                const std::string& calibration_report);

struct Sweep {
  std::string model, model_sha256, data, calib_label;
  std::size_t samples = 0;
  ConvertOptions base;
  std::vector<SweepRow> rows;
  std::size_t total = 0;       // configurations requested
  bool interrupted = false;    // the stop flag ended the sweep before every configuration ran
  std::vector<std::int64_t> calib_indices;  // of the first conversion that drew any
  SopConvention sop_convention = SopConvention::Events;  // the rows' SOPs and energy
};

// Runs every configuration (those of control->done are taken as they are, in their
// place); `on_row` (optional) sees the sweep after each new row (write the folder there).
// A sweep of `total` configurations with its inputs recorded and no rows yet (run_sweep and the
// MPI sweep both start from it).
Sweep empty_sweep(const ConversionInputs& in, const Dataset& d, const SweepOptions& o, std::size_t total);

Sweep run_sweep(const ConversionInputs& in, const Dataset& d, const SweepOptions& o,
                const std::function<void(const Sweep&)>& on_row = {}, const SweepControl* control = nullptr);

// One table per method (a row per calibration stage, a column per T), then all runs.
std::string sweep_markdown(const Sweep& s);
std::string sweep_csv(const Sweep& s);
nlohmann::json sweep_json(const Sweep& s);

}  // namespace brisk::experiments
