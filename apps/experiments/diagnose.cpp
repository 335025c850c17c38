#include <brisk/apps/experiments/diagnose.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/parallel.hpp>
#include <brisk/core/base/shape.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/neurons/neuron.hpp>

namespace brisk::experiments {

namespace {

float channel_theta(const std::vector<float>& theta, std::size_t channel) {
  return theta.size() == 1 ? theta[0] : theta[channel];
}

}  // namespace

Diagnosis diagnose(const Conversion& c, const Dataset& d, int timesteps, int threads) {
  if (d.count() == 0) throw InputError(fmt::format("{}: no samples", d.source));
  check_sample_shape(c.ann, d.shape, d.source);
  check_labels(c.ann, d);
  const SpikingNetwork net = compile(c.graph, c.spec);
  const std::size_t nl = c.graph.layers.size();
  std::vector<int> layers;  // graph layers with neurons (spiking or readout)
  for (std::size_t l = 0; l < nl; ++l)
    if (c.spec.layers[l].neuron != NeuronKind::None) layers.push_back(static_cast<int>(l));
  RunOptions ro;
  ro.threads = threads;
  ro.timesteps = timesteps;
  ro.record = Record::Counts;
  ro.record_layers = layers;
  ro.keep_logits = true;
  const RunResult r = run(net, DataView{d.x, d.y, c.ann.input_shape()}, ro);
  const std::size_t n = d.count();
  const bool radix = net.is_radix();
  const float inv_t = radix ? 1.0f : 1.0f / static_cast<float>(r.steps);

  // The ANN's activations of every layer, per sample.
  std::vector<std::vector<std::vector<float>>> acts(n);
  std::vector<int> ann_pred(n);
  parallel_for(threads, n, 16, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i != e; ++i) {
      const auto logits = forward(c.ann, d.sample(i), &acts[i]);
      ann_pred[i] = static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin());
    }
  });
  Diagnosis g;
  g.method = c.spec.method;
  g.timesteps = r.steps;
  g.samples = n;
  std::size_t correct = 0;
  for (std::size_t i = 0; i < n; ++i) correct += ann_pred[i] == d.y[i] ? 1 : 0;
  g.ann_accuracy = static_cast<double>(correct) / static_cast<double>(n);
  g.snn_accuracy = r.accuracy.empty() ? 0 : r.accuracy.back();

  for (int li : layers) {
    const auto l = static_cast<std::size_t>(li);
    const Layer& layer = c.graph.layers[l];
    const LayerSpec& s = c.spec.layers[l];
    const bool readout = s.neuron == NeuronKind::Readout;
    const std::size_t size = shape_size(layer.out_shape);
    const std::size_t channels = layer.out_shape.empty() ? 1 : static_cast<std::size_t>(layer.out_shape[0]);
    const std::size_t spatial = std::max<std::size_t>(1, size / std::max<std::size_t>(channels, 1));
    LayerDiagnosis ld;
    ld.name = layer.name;
    ld.neuron = neurons::traits(s.neuron).label;
    ld.neurons = size;
    double se = 0, sa = 0, sum_a = 0, sum_s = 0, saa = 0, sss = 0, sas = 0;
    std::size_t sat = 0, clip = 0;
    std::vector<char> fired(size, 0), positive(size, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const std::vector<float>& a = acts[i][l];
      for (std::size_t k = 0; k < size; ++k) {
        double snn = 0;
        const float theta = readout ? 1.0f : channel_theta(s.threshold, k / spatial);
        if (readout) snn = r.logits[i * size + k];
        else snn = static_cast<double>(r.layers[l].counts[i * size + k]) * theta * inv_t;
        const double ann = a[k];
        se += (snn - ann) * (snn - ann);
        sa += ann * ann;
        sum_a += ann, sum_s += snn, saa += ann * ann, sss += snn * snn, sas += ann * snn;
        if (!readout) {
          if (snn >= theta * (1 - 1e-6)) ++sat;
          if (ann > theta) ++clip;
          if (snn != 0) fired[k] = 1;
          if (ann > 0) positive[k] = 1;
        }
      }
    }
    const double m = static_cast<double>(n * size);
    ld.ann_mean = sum_a / m;
    ld.snn_mean = sum_s / m;
    ld.relative_error = sa > 0 ? std::sqrt(se / sa) : (se > 0 ? 1.0 : 0.0);
    const double cov = sas / m - ld.ann_mean * ld.snn_mean;
    const double va = saa / m - ld.ann_mean * ld.ann_mean, vs = sss / m - ld.snn_mean * ld.snn_mean;
    ld.correlation = va > 0 && vs > 0 ? cov / std::sqrt(va * vs) : 0.0;
    ld.saturated = static_cast<double>(sat) / m;
    ld.clipped = static_cast<double>(clip) / m;
    std::size_t dead = 0, live = 0;
    for (std::size_t k = 0; k < size; ++k)
      if (positive[k]) ++live, dead += fired[k] ? 0 : 1;
    ld.dead = live ? static_cast<double>(dead) / static_cast<double>(live) : 0.0;
    g.layers.push_back(ld);
  }
  // The first layer where the relative error jumps: at least 0.2 above the layer before
  // and at least twice it; else the largest increase, when it is above 0.1.
  double prev = 0, best = 0.1;
  int largest = -1;
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const double e = g.layers[i].relative_error;
    if (g.jump < 0 && e - prev >= 0.2 && e >= 2 * prev) g.jump = static_cast<int>(i);
    if (e - prev > best) best = e - prev, largest = static_cast<int>(i);
    prev = e;
  }
  if (g.jump < 0) g.jump = largest;
  if (g.jump < 0) {
    g.hint = "no layer stands out: the SNN follows the ANN layer by layer";
  } else {
    const LayerDiagnosis& j = g.layers[static_cast<std::size_t>(g.jump)];
    if (j.saturated > 0.05 || j.clipped > 0.05)
      g.hint = fmt::format("{}: {:.0f}% of its outputs sit at the threshold: thresholds too low; use a higher "
                           "--percentile, --balance mse or --per-channel",
                           j.name, 100 * std::max(j.saturated, j.clipped));
    else if (j.dead > 0.2 || (j.ann_mean > 0 && j.snn_mean < 0.5 * j.ann_mean))
      g.hint = fmt::format("{}: the SNN loses activity ({:.0f}% of its active neurons never fire, mean output "
                           "{:.3g} vs the ANN's {:.3g}): thresholds too high for T = {}; use more steps (-T), "
                           "--balance mse or a lower --percentile, --v0 half, or --calibrate all",
                           j.name, 100 * j.dead, j.snn_mean, j.ann_mean, g.timesteps);
    else
      g.hint = fmt::format("{}: quantisation error at T = {}: use more steps (-T), --per-channel thresholds, or "
                           "--calibrate all (bias and potential correct the mean error)",
                           j.name, g.timesteps);
  }
  return g;
}

nlohmann::json diagnosis_json(const Diagnosis& g) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : g.layers)
    layers.push_back({{"name", l.name}, {"neuron", l.neuron}, {"neurons", l.neurons}, {"ann_mean", l.ann_mean},
                      {"snn_mean", l.snn_mean}, {"relative_error", l.relative_error},
                      {"correlation", l.correlation}, {"saturated", l.saturated}, {"clipped", l.clipped},
                      {"dead", l.dead}});
  return {{"diagnose", true},
          {"method", g.method},
          {"timesteps", g.timesteps},
          {"samples", g.samples},
          {"ann_accuracy", g.ann_accuracy},
          {"snn_accuracy", g.snn_accuracy},
          {"layers", layers},
          {"jump_layer", g.jump >= 0 ? nlohmann::json(g.layers[static_cast<std::size_t>(g.jump)].name) : nlohmann::json()},
          {"hint", g.hint}};
}

}  // namespace brisk::experiments
