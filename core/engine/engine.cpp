// The engine's driver: samples over oneTBB workers (each owns its buffers), and the
// reductions of their counters into a RunResult; simulate() for one traced sample. The
// simulation of a sample is sim::Simulator (core/engine/sim/).
#include <brisk/core/engine/engine.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include <brisk/core/base/shape.hpp>

#include <brisk/core/base/error.hpp>
#include <brisk/core/base/parallel.hpp>
#include <brisk/core/engine/sim/simulator.hpp>

namespace brisk {

using sim::LayerState;
using sim::Simulator;
using sim::Worker;
using Clock = std::chrono::steady_clock;

std::uint64_t estimate_run_bytes(const SpikingNetwork& net, int steps, int threads, std::size_t samples) {
  constexpr std::uint64_t kSaturated = UINT64_MAX;
  std::optional<std::uint64_t> total = 0;
  auto add = [&](std::optional<std::uint64_t> v) { total = total && v ? checked_add(*total, *v) : std::nullopt; };
  auto mul = [](std::optional<std::uint64_t> a, std::uint64_t b) { return a ? checked_mul(*a, b) : std::nullopt; };
  const auto t = static_cast<std::uint64_t>(std::max(steps, 1));
  // Per worker.
  std::optional<std::uint64_t> worker = 0;
  auto add_w = [&](std::optional<std::uint64_t> v) { worker = worker && v ? checked_add(*worker, *v) : std::nullopt; };
  for (const auto& p : net.layers()) {
    const std::uint64_t n = p.size();
    add_w(checked_mul(n, 6 * sizeof(float)));                      // v, aux, drive, analog, acc, ...
    add_w(mul(checked_mul(n / 4 + 1, t), 2 * sizeof(std::int32_t)));  // spike train: ids + payload
    add_w(checked_mul(t, sizeof(std::uint32_t)));                   // its step offsets
    add_w(checked_mul(n / 16 + 1, t * sizeof(std::uint16_t)));      // IF firing bits per step
  }
  add_w(checked_mul(t, sizeof(std::uint64_t)));                     // correct-at-step counters
  const std::uint64_t workers =
      std::max<std::uint64_t>(1, std::min<std::uint64_t>(static_cast<std::uint64_t>(std::max(threads, 1)),
                                                         (samples + 3) / 4));
  add(mul(worker, workers));
  add(checked_mul(samples, 3 * sizeof(std::uint64_t)));             // predictions, spikes, SOPs
  add(checked_mul(t, 2 * sizeof(double)));                          // accuracy at step
  return total.value_or(kSaturated);
}

void check_run_memory(const SpikingNetwork& net, int steps, int threads, std::size_t samples,
                      std::uint64_t max_memory) {
  const std::uint64_t need = estimate_run_bytes(net, steps, threads, samples);
  if (need <= max_memory) return;
  auto gib = [](std::uint64_t b) { return static_cast<double>(b) / static_cast<double>(1ull << 30); };
  throw UsageError(fmt::format("-T/--timesteps: a run of T = {} steps on {} worker thread(s) needs an "
                               "estimated {} GiB, beyond --max-memory {:.3g} GiB (lower -T/--timesteps "
                               "or --threads, or raise --max-memory)",
                               steps, std::max(threads, 1),
                               need == UINT64_MAX ? std::string("> 16 EiB") : fmt::format("{:.3g}", gib(need)),
                               gib(max_memory)));
}

RunResult run(const SpikingNetwork& net, const DataView& data, const RunOptions& opts) {
  if (data.shape != net.input_shape())
    throw InputError(fmt::format("data: samples of shape {} do not fit the network input {}",
                                 shape_str(data.shape), shape_str(net.input_shape())));
  const std::size_t sample_size = shape_size(data.shape);
  const std::size_t count = sample_size ? data.x.size() / sample_size : 0;
  if (!data.y.empty() && data.y.size() != count)
    throw InputError("data: label count differs from the sample count");
  const auto& plan = net.layers();
  const std::size_t nl = plan.size();

  std::vector<bool> recorded(nl, opts.record != Record::None && opts.record_layers.empty());
  for (int l : opts.record_layers) {
    if (l < 0 || static_cast<std::size_t>(l) >= nl) throw UsageError(fmt::format("record layer {} does not exist", l));
    recorded[static_cast<std::size_t>(l)] = opts.record != Record::None;
  }
  check_run_memory(net, net.is_radix() || opts.timesteps <= 0 ? net.total_steps() : opts.timesteps,
                   resolve_threads(opts.threads), count, opts.max_memory);
  const Simulator sim(net, opts, recorded, /*digit_level=*/false);

  RunResult r;
  r.samples = count;
  r.steps = sim.steps();
  r.latency_steps = sim.steps();
  r.predictions.assign(count, -1);
  r.sample_spikes.assign(count, 0);
  r.sample_sops.assign(count, 0);
  const std::size_t classes = plan[static_cast<std::size_t>(net.output())].size();
  if (opts.keep_logits) r.logits.assign(count * classes, 0.0f);
  if (opts.keep_step_predictions) r.step_predictions.assign(count * static_cast<std::size_t>(sim.steps()), -1);
  std::atomic<bool> stopped{false};
  r.layers.resize(nl);
  for (std::size_t l = 0; l < nl; ++l) {
    r.layers[l].name = plan[l].name;
    r.layers[l].neuron = plan[l].neuron;
    r.layers[l].neurons = plan[l].size();
    if (opts.record == Record::Counts && recorded[l]) r.layers[l].counts.assign(count * plan[l].size(), 0.0f);
  }

  const float inv_t = 1.0f / static_cast<float>(sim.steps());
  const auto t0 = Clock::now();
  auto make_worker = [&] {
    Worker w;
    sim.init(w);
    for (std::size_t l = 0; l < nl; ++l)
      if (recorded[l]) w.layers[l].out_sum.assign(plan[l].size(), 0.0);
    return w;
  };
  const auto workers = parallel_for_workers<Worker>(
      opts.threads, count, 4, make_worker, [&](Worker& w, std::size_t begin, std::size_t end) {
        std::vector<float> scratch;  // per chunk, only when recording
        if (opts.stop && opts.stop->load(std::memory_order_relaxed)) {
          stopped.store(true, std::memory_order_relaxed);
          return;
        }
        std::vector<std::vector<float>> trace;  // keep_step_predictions only
        w.trace = opts.keep_step_predictions ? &trace : nullptr;
        for (std::size_t i = begin; i != end; ++i) {
          const std::int32_t label = data.y.empty() ? -1 : data.y[i];
          trace.clear();
          sim.sample(w, data.x.subspan(i * sample_size, sample_size), opts.first_sample + i, label);
          if (opts.keep_step_predictions) {
            const auto steps = static_cast<std::size_t>(sim.steps());
            for (std::size_t t = 0; t < steps && t < trace.size(); ++t)
              r.step_predictions[i * steps + t] = argmax(trace[t]);  // as w.prediction
          }
          r.predictions[i] = w.prediction;
          std::uint64_t spikes = 0, sops = 0;
          for (const auto& s : w.layers) spikes += s.spikes, sops += s.sops;
          r.sample_spikes[i] = spikes;
          r.sample_sops[i] = sops;
          if (opts.keep_logits) {
            const auto& p = plan[static_cast<std::size_t>(net.output())];
            for (std::size_t c = 0; c < classes; ++c)
              r.logits[i * classes + static_cast<std::size_t>(p.to_graph[c])] =
                  net.is_radix() ? w.logits[c] : w.logits[c] * inv_t;
          }
          for (std::size_t l = 0; l < nl; ++l) {
            if (!recorded[l]) continue;
            scratch.resize(plan[l].size());
            sim.layer_output(w, static_cast<int>(l), scratch);
            auto& sum = w.layers[l].out_sum;
            for (std::size_t k = 0; k < scratch.size(); ++k) sum[k] += scratch[k];
            if (opts.record == Record::Counts)
              std::copy(scratch.begin(), scratch.end(), r.layers[l].counts.begin() + static_cast<std::ptrdiff_t>(i * scratch.size()));
          }
        }
        w.trace = nullptr;
        if (opts.samples_done) opts.samples_done->fetch_add(end - begin, std::memory_order_relaxed);
      });
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.interrupted = stopped.load();

  r.accuracy.assign(static_cast<std::size_t>(sim.steps()), 0.0);
  std::vector<std::uint64_t> correct(static_cast<std::size_t>(sim.steps()), 0);
  std::vector<std::vector<double>> sums(nl);
  for (std::size_t l = 0; l < nl; ++l)
    if (recorded[l]) sums[l].assign(plan[l].size(), 0.0);
  for (const Worker& w : workers) {
    for (std::size_t t = 0; t < correct.size(); ++t) correct[t] += w.correct[t];
    for (std::size_t l = 0; l < nl; ++l) {
      const LayerState& s = w.layers[l];
      r.layers[l].spikes += s.total_spikes;
      r.layers[l].sops += s.total_sops;
      r.layers[l].analog_macs += s.total_analog_macs;
      r.layers[l].seconds += s.seconds;
      for (std::size_t k = 0; k < sums[l].size(); ++k) sums[l][k] += s.out_sum[k];
    }
  }
  if (!data.y.empty() && count > 0)
    for (std::size_t t = 0; t < correct.size(); ++t)
      r.accuracy[t] = static_cast<double>(correct[t]) / static_cast<double>(count);
  r.correct_at_step = std::move(correct);
  for (std::size_t l = 0; l < nl; ++l) {
    auto& L = r.layers[l];
    r.total_spikes += L.spikes;
    r.total_sops += L.sops;
    r.total_analog_macs += L.analog_macs;
    if (recorded[l] && count > 0) {
      L.mean_output.resize(sums[l].size());
      for (std::size_t k = 0; k < sums[l].size(); ++k)
        L.mean_output[k] = static_cast<float>(sums[l][k] / static_cast<double>(count)) *
                           (net.is_radix() ? 1.0f : inv_t);
    }
  }
  r.ann_macs = net.ann_macs();
  if (count > 0) {
    r.snn_energy_pj = snn_energy_pj(opts.energy, static_cast<double>(r.total_sops),
                                    static_cast<double>(r.total_analog_macs)) /
                      static_cast<double>(count);
  }
  r.ann_energy_pj = ann_energy_pj(opts.energy, static_cast<double>(r.ann_macs));
  return r;
}

SampleTrace simulate(const SpikingNetwork& net, std::span<const float> input, std::size_t index,
                     const RunOptions& opts) {
  if (input.size() != shape_size(net.input_shape()))
    throw InputError(fmt::format("input of {} values does not fit the network input {}",
                                 input.size(), shape_str(net.input_shape())));
  // Every train is kept, so the digit-level path runs (no value links).
  const Simulator sim(net, opts, std::vector<bool>(net.layers().size(), false), /*digit_level=*/true);
  Worker w;
  sim.init(w);
  SampleTrace tr;
  w.trace = &tr.readout;
  const auto& plan = net.layers();
  std::vector<std::vector<float>> membrane;  // internal order
  if (opts.keep_membrane) {
    membrane.resize(plan.size());
    for (std::size_t l = 1; l < plan.size(); ++l) {
      const bool chosen = opts.record_layers.empty() ||
                          std::find(opts.record_layers.begin(), opts.record_layers.end(),
                                    static_cast<int>(l)) != opts.record_layers.end();
      if (chosen && plan[l].model && !plan[l].analog)
        membrane[l].assign(plan[l].size() * static_cast<std::size_t>(sim.steps()), 0.0f);
    }
    w.membrane = &membrane;
  }
  sim.sample(w, input, index, -1);
  for (auto& s : w.layers) {
    tr.trains.push_back(std::move(s.train));
    tr.sops.push_back(s.sops);
  }
  if (opts.keep_membrane) {
    tr.membrane.resize(plan.size());
    for (std::size_t l = 0; l < plan.size(); ++l) {
      if (membrane[l].empty()) continue;
      const std::size_t n = plan[l].size();
      const auto& to_graph = plan[l].to_graph;
      tr.membrane[l].resize(membrane[l].size());
      for (std::size_t t = 0; t < static_cast<std::size_t>(sim.steps()); ++t)
        for (std::size_t i = 0; i < n; ++i)
          tr.membrane[l][t * n + (to_graph.empty() ? i : static_cast<std::size_t>(to_graph[i]))] =
              membrane[l][t * n + i];
    }
  }
  return tr;
}

}  // namespace brisk
