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

SampleSet::SampleSet(std::span<const float> x_, std::span<const std::int32_t> y_, std::vector<int> shape_,
                     std::string source_)
    : x(x_), y(y_), shape(std::move(shape_)), source(std::move(source_)) {}

SampleSet::SampleSet(const Dataset& d) : x(d.x), y(d.y), shape(d.shape), source(d.source) {}

std::size_t SampleSet::sample_size() const { return shape_size(shape); }

std::vector<int> ann_predictions(const Graph& g, const SampleSet& d, int threads) {
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

double ann_accuracy(const Graph& g, const SampleSet& d, int threads, std::vector<int>* predictions) {
  std::vector<int> pred = ann_predictions(g, d, threads);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < d.count(); ++i) correct += pred[i] == d.y[i] ? 1 : 0;
  if (predictions) *predictions = std::move(pred);
  return d.count() ? static_cast<double>(correct) / static_cast<double>(d.count()) : 0.0;
}

void check_labels(const Graph& g, const SampleSet& d) {
  if (g.output < 0 || static_cast<std::size_t>(g.output) >= g.layers.size()) return;
  const std::size_t classes = shape_size(g.layers[static_cast<std::size_t>(g.output)].out_shape);
  for (std::size_t i = 0; i < d.y.size(); ++i)
    if (d.y[i] < 0 || static_cast<std::size_t>(d.y[i]) >= classes)
      throw InputError(fmt::format("{}: label {} (sample {}) is not one of the model's {} classes "
                                   "(0 to {}): wrong label file or wrong model",
                                   d.source, d.y[i], i, classes, classes - 1));
}

Evaluation evaluate(const Conversion& c, const SampleSet& d, int timesteps, int threads,
                    const EnergyModel& energy, std::uint64_t max_memory, const EvaluateControl& control) {
  RunOptions ro;
  ro.threads = threads;
  ro.timesteps = timesteps;
  ro.max_memory = max_memory;
  ro.energy = energy;
  ro.stop = control.stop;
  ro.samples_done = control.samples_done;
  ro.keep_step_predictions = control.step_predictions;
  ro.keep_logits = control.logits;
  return evaluate(c, d, ro);
}

Evaluation evaluate(const Conversion& c, const SampleSet& d, const RunOptions& ro) {
  const int timesteps = ro.timesteps, threads = ro.threads;
  const std::uint64_t max_memory = ro.max_memory;
  if (d.count() == 0) throw InputError(fmt::format("{}: no samples", d.source));
  check_sample_shape(c.ann, d.shape, d.source);
  check_labels(c.ann, d);
  // Before anything is simulated or allocated for the run.
  const SpikingNetwork net = compile(c.graph, c.spec);
  check_run_memory(net, net.is_radix() || timesteps <= 0 ? net.total_steps() : timesteps,
                   resolve_threads(threads), d.count(), max_memory);  // before the ANN's pass too
  Evaluation e;
  e.data = d.source;
  e.samples = d.count();
  std::vector<int> ann_pred, ref_pred;
  e.ann_accuracy = ann_accuracy(c.ann, d, threads, &ann_pred);
  e.quantized_reference = c.spec.method == "radix";
  if (e.quantized_reference) e.ref_accuracy = ann_accuracy(reference_ann(c), d, threads, &ref_pred);
  else e.ref_accuracy = e.ann_accuracy, ref_pred = ann_pred;
  e.energy = ro.energy;
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
  j["sop_convention"] = sop_convention_name(e.energy.sops);
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
