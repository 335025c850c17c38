#pragma once
// Running a compiled SpikingNetwork over a Dataset.
//
//   SpikingNetwork net = compile(graph, spec);
//   RunOptions o; o.threads = 2; o.record = Record::MeanRate;
//   RunResult r = run(net, dataset, o);
//   r.accuracy.back();             // accuracy after the last step
//   r.layers[i].mean_output;       // per-neuron mean output of Graph layer i (calibration)
//
// Samples run in parallel (oneTBB, a task_arena of `threads` workers); each worker owns
// its buffers and allocates nothing per sample once warm. Results do not depend on the
// thread count: per-sample randomness is seeded from (spec.seed, sample index) and all
// reductions are over integers or in sample order.
#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <brisk/core/engine/metrics.hpp>
#include <brisk/core/engine/network.hpp>
#include <brisk/core/engine/spike_train.hpp>

namespace brisk {

enum class Schedule {
  LayerMajor,  // all steps of layer l, then layer l+1 (weights stay hot; feed-forward)
  TimeMajor,   // step t through all layers, then step t+1
};

enum class KernelPolicy {
  Auto,    // per step: dense kernel when the step's events are dense, else scatter
  Sparse,  // always scatter events
  Dense,   // always the dense kernel (densify the step's events first)
};

// What to record per layer besides the counters (costs memory and time).
enum class Record {
  None,
  MeanRate,  // per neuron: mean over samples of (sum of payloads) / T  -> mean_output
  Counts,    // MeanRate + per sample per neuron payload sums            -> counts
};

// The memory a run may take by default (--max-memory).
inline constexpr std::uint64_t kDefaultMaxMemory = std::uint64_t{8} << 30;  // 8 GiB

struct RunOptions {
  int threads = 0;        // 0 = all cores
  int timesteps = 0;      // 0 = spec.timesteps (ignored by radix networks: K per layer)
  Schedule schedule = Schedule::LayerMajor;
  KernelPolicy kernel = KernelPolicy::Auto;
  Record record = Record::None;
  std::vector<int> record_layers;  // empty = all layers (for MeanRate / Counts)
  bool keep_logits = false;        // RunResult::logits (final readout values)
  bool keep_step_predictions = false;  // RunResult::step_predictions (argmax after every step)
  // simulate() only: SampleTrace::membrane for the layers of record_layers (empty = all).
  bool keep_membrane = false;
  // Checked before each chunk of a few samples: once set, run() simulates no further
  // samples and returns with RunResult::interrupted (its figures are then partial).
  const std::atomic<bool>* stop = nullptr;
  std::atomic<std::uint64_t>* samples_done = nullptr;  // incremented per chunk (progress)
  bool time_layers = false;        // per-layer wall time (small overhead)
  EnergyModel energy;
  std::uint64_t max_memory = kDefaultMaxMemory;  // run() refuses a larger estimate (check_run_memory)
  // Index of the data's first sample in the whole set it was cut from: sample i is seeded
  // as sample first_sample + i (a block of a larger set, e.g. one MPI rank's, runs exactly
  // as those samples do in a run of the whole set).
  std::size_t first_sample = 0;
};

// An estimate of the memory run() takes for `samples` samples of `net` over `steps`
// steps on `threads` workers, computed in checked arithmetic (saturating at UINT64_MAX)
// before anything is allocated: per worker, every layer's state vectors, its spike train
// sized for a quarter of its neurons firing each step (the engine's own reservation rule,
// without its cap) and the per-step counters; plus the per-sample results.
std::uint64_t estimate_run_bytes(const SpikingNetwork& net, int steps, int threads, std::size_t samples);

// UsageError naming -T/--timesteps and --max-memory when estimate_run_bytes() exceeds
// `max_memory`. run() calls it first (so do conversions that simulate, e.g. calibration).
void check_run_memory(const SpikingNetwork& net, int steps, int threads, std::size_t samples,
                      std::uint64_t max_memory);

struct LayerResult {
  std::string name;
  NeuronKind neuron = NeuronKind::None;
  std::size_t neurons = 0;
  std::uint64_t spikes = 0;   // events emitted over all samples (a coefficient-c event is 1)
  std::uint64_t sops = 0;     // events received x fan-out, over all samples, counted in
                              // opts.energy.sops (SopConvention::Spikes: x multiplicity)
  std::uint64_t analog_macs = 0;  // constant-current MACs (direct input), over all samples
  double seconds = 0;         // summed worker time in this layer (time_layers only)
  // Record::MeanRate / Counts, Graph (channels-first) neuron order:
  std::vector<float> mean_output;  // mean over samples of sum(payload)/T, per neuron
  std::vector<float> counts;       // Record::Counts: [sample][neuron] sum(payload)
};

struct RunResult {
  std::size_t samples = 0;
  int steps = 0;                  // steps simulated per sample
  int latency_steps = 0;          // steps until the readout is final (radix: K per layer)
  std::vector<double> accuracy;   // accuracy[t] = accuracy of the argmax after t+1 steps
  std::vector<std::uint64_t> correct_at_step;  // its exact count: correct_at_step[t] / samples
  std::vector<std::int32_t> predictions;  // final prediction per sample
  std::vector<float> logits;      // keep_logits: [sample][class], readout after last step
  std::vector<std::int32_t> step_predictions;  // keep_step_predictions: [sample][step]
  bool interrupted = false;       // RunOptions::stop was set: some samples were not simulated
  std::vector<LayerResult> layers;  // indexed like Graph::layers
  std::vector<std::uint64_t> sample_spikes;  // per sample, all layers
  std::vector<std::uint64_t> sample_sops;    // per sample, all layers
  std::uint64_t total_spikes = 0, total_sops = 0, total_analog_macs = 0;
  double snn_energy_pj = 0;       // per sample (mean)
  double ann_energy_pj = 0;       // per sample: the ANN's MACs x pj_per_mac
  std::size_t ann_macs = 0;       // per sample
  double seconds = 0;             // wall time of the simulation
  double images_per_second() const { return seconds > 0 ? samples / seconds : 0; }
  double sops_per_second() const { return seconds > 0 ? total_sops / seconds : 0; }
};

// Samples as the engine sees them. The engine does not link data/: anything with members
// x (samples, channels first), y (labels) and shape (per-sample shape) converts, such as
// brisk::Dataset.
struct DataView {
  std::span<const float> x;          // count * sample size, channels first
  std::span<const std::int32_t> y;   // count labels (empty: accuracy is not computed)
  std::vector<int> shape;            // per-sample shape

  DataView(std::span<const float> x_, std::span<const std::int32_t> y_, std::vector<int> shape_)
      : x(x_), y(y_), shape(std::move(shape_)) {}
  template <class D>
    requires requires(const D& d) { d.x; d.y; d.shape; }
  DataView(const D& d) : x(d.x), y(d.y), shape(d.shape) {}  // NOLINT: implicit on purpose
};

// Runs every sample. Throws InputError when the sample shape does not match the
// network's input, UsageError for bad options.
RunResult run(const SpikingNetwork& net, const DataView& data, const RunOptions& opts = {});

// One sample, single-threaded, keeping every layer's spike train (tests, calibration,
// debugging). `index` seeds the sample's randomness like run() does.
struct SampleTrace {
  std::vector<std::vector<float>> readout;  // readout values after each step [t][class]
  std::vector<SpikeTrain> trains;           // per layer, internal ids (see network.hpp)
  std::vector<std::uint64_t> sops;          // per layer
  // keep_membrane: per layer, the potentials after every step (after the step's integrate,
  // fire and reset), [step][neuron] in Graph (channels-first) order; empty for layers not
  // chosen and for layers without a population (the input, weightless layers, analog ones).
  std::vector<std::vector<float>> membrane;
};
SampleTrace simulate(const SpikingNetwork& net, std::span<const float> input,
                     std::size_t index = 0, const RunOptions& opts = {});

}  // namespace brisk
