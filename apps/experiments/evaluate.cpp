#include <brisk/apps/experiments/evaluate.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include <brisk/core/base/shape.hpp>

#include <brisk/core/base/error.hpp>
#include <brisk/core/base/parallel.hpp>
#include <brisk/conversion/import/load_model.hpp>

namespace brisk::experiments {

std::vector<int> ann_predictions(const Graph& g, const Dataset& d, int threads) {
  std::vector<int> predicted(d.count(), -1);
  parallel_for(threads, d.count(), 16, [&](std::size_t begin, std::size_t end) {
    std::vector<std::vector<float>> buffers;  // reused across the chunk
    for (std::size_t i = begin; i != end; ++i) {
      const auto logits = forward(g, d.sample(i), &buffers);
      predicted[i] =
          static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    }
  });
  return predicted;
}

double ann_accuracy(const Graph& g, const Dataset& d, int threads, std::vector<int>* predictions) {
  std::vector<int> pred = ann_predictions(g, d, threads);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < d.count(); ++i) correct += pred[i] == d.y[i] ? 1 : 0;
  if (predictions) *predictions = std::move(pred);
  return d.count() ? static_cast<double>(correct) / static_cast<double>(d.count()) : 0.0;
}

void check_labels(const Graph& g, const Dataset& d) {
  if (g.output < 0 || static_cast<std::size_t>(g.output) >= g.layers.size()) return;
  const std::size_t classes = shape_size(g.layers[static_cast<std::size_t>(g.output)].out_shape);
  for (std::size_t i = 0; i < d.y.size(); ++i)
    if (d.y[i] < 0 || static_cast<std::size_t>(d.y[i]) >= classes)
      throw InputError(fmt::format("{}: label {} (sample {}) is not one of the model's {} classes "
                                   "(0 to {}): wrong label file or wrong model",
                                   d.source, d.y[i], i, classes, classes - 1));
}

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

Evaluation evaluate(const Conversion& c, const Dataset& d, int timesteps, int threads,
                    const EnergyModel& energy, std::uint64_t max_memory) {
  if (d.count() == 0) throw InputError(fmt::format("{}: no samples", d.source));
  check_sample_shape(c.ann, d.shape, d.source);
  check_labels(c.ann, d);
  // Before anything is simulated or allocated for the run.
  const SpikingNetwork net = compile(c.graph, c.spec);
  check_run_memory(net, net.is_radix() || timesteps <= 0 ? net.total_steps() : timesteps,
                   resolve_threads(threads), d.count(), max_memory);
  Evaluation e;
  e.data = d.source;
  e.samples = d.count();
  std::vector<int> ann_pred, ref_pred;
  e.ann_accuracy = ann_accuracy(c.ann, d, threads, &ann_pred);
  e.quantized_reference = c.spec.method == "radix";
  if (e.quantized_reference) e.ref_accuracy = ann_accuracy(reference_ann(c), d, threads, &ref_pred);
  else e.ref_accuracy = e.ann_accuracy, ref_pred = ann_pred;
  RunOptions ro;
  ro.threads = threads;
  ro.timesteps = timesteps;
  ro.energy = energy;
  e.energy = energy;
  // The model's input shape: a vector-input model reads image samples flattened.
  e.result = run(net, DataView{d.x, d.y, c.ann.input_shape()}, ro);
  e.timesteps = e.result.steps;
  std::size_t agree = 0;
  for (std::size_t i = 0; i < d.count(); ++i) agree += e.result.predictions[i] == ref_pred[i] ? 1 : 0;
  e.agreement = static_cast<double>(agree) / static_cast<double>(d.count());
  return e;
}

nlohmann::json evaluation_json(const Evaluation& e) {
  const RunResult& r = e.result;
  const double n = static_cast<double>(std::max<std::size_t>(e.samples, 1));
  nlohmann::json j;
  j["data"] = e.data;
  j["samples"] = e.samples;
  j["timesteps"] = e.timesteps;
  j["latency_steps"] = r.latency_steps;
  j["ann_accuracy"] = e.ann_accuracy;
  j["reference_accuracy"] = e.ref_accuracy;
  j["reference"] = e.quantized_reference ? "quantized_ann" : "ann";
  j["snn_accuracy"] = r.accuracy.empty() ? 0.0 : r.accuracy.back();
  j["agreement_with_reference"] = e.agreement;
  j["accuracy_at_step"] = r.accuracy;
  j["spikes_per_sample"] = static_cast<double>(r.total_spikes) / n;
  j["sops_per_sample"] = static_cast<double>(r.total_sops) / n;
  j["analog_macs_per_sample"] = static_cast<double>(r.total_analog_macs) / n;
  j["snn_energy_uj_per_sample"] = r.snn_energy_pj * 1e-6;
  j["energy_model"] = {{"pj_per_ac", e.energy.pj_per_ac}, {"pj_per_mac", e.energy.pj_per_mac}};
  j["ann_energy_uj_per_sample"] = r.ann_energy_pj * 1e-6;
  j["ann_macs_per_sample"] = r.ann_macs;
  j["images_per_second"] = r.images_per_second();
  j["seconds"] = r.seconds;
  for (const auto& l : r.layers)
    j["layers"].push_back({{"name", l.name},
                           {"spikes_per_sample", static_cast<double>(l.spikes) / n},
                           {"sops_per_sample", static_cast<double>(l.sops) / n}});
  return j;
}

}  // namespace brisk::experiments
