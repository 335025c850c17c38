#include <brisk/apps/experiments/bitwise.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>

#include <brisk/apps/experiments/files.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/base/parallel.hpp>

namespace brisk::experiments {

Conversion convert_bitwise_model(const std::string& model_path, const InputOptions& o, Bitwise kind) {
  const ConversionInputs in = load_conversion_inputs(model_path, o, false);
  Conversion c = convert_bitwise(in.model, kind);
  c.provenance["source_model"] = in.model_path;
  c.provenance["source_sha256"] = in.model_sha256;
  return c;
}

Combine parse_combine(const std::string& name) {
  if (name == "logits") return Combine::Logits;
  if (name == "votes") return Combine::Votes;
  throw UsageError(fmt::format("--combine: expected logits or votes, got '{}'", name));
}

const char* combine_name(Combine c) { return c == Combine::Logits ? "logits" : "votes"; }

namespace {

// Adds one member's logits [sample][class] into the ensemble's score.
void combine_into(std::vector<double>& score, const std::vector<float>& logits, std::size_t classes,
                  Combine how) {
  for (std::size_t i = 0; i * classes < logits.size(); ++i) {
    const float* row = logits.data() + i * classes;
    if (how == Combine::Logits) {
      for (std::size_t k = 0; k < classes; ++k) score[i * classes + k] += row[k];
    } else {
      score[i * classes + static_cast<std::size_t>(std::max_element(row, row + classes) - row)] += 1.0;
    }
  }
}

std::vector<std::int32_t> argmax_rows(const std::vector<double>& score, std::size_t classes) {
  std::vector<std::int32_t> out(score.size() / classes);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double* row = score.data() + i * classes;
    out[i] = static_cast<std::int32_t>(std::max_element(row, row + classes) - row);
  }
  return out;
}

double accuracy_of(const std::vector<std::int32_t>& pred, const Dataset& d) {
  std::size_t correct = 0;
  for (std::size_t i = 0; i < pred.size(); ++i) correct += pred[i] == d.y[i] ? 1 : 0;
  return pred.empty() ? 0.0 : static_cast<double>(correct) / static_cast<double>(pred.size());
}

}  // namespace

Evaluation evaluate_ensemble(const Graph& model, Bitwise kind, const EnsembleOptions& eo,
                             const Dataset& d, int threads, const EnergyModel& energy,
                             std::uint64_t max_memory) {
  if (eo.members < 1 || eo.members > 4096)
    throw UsageError(fmt::format("--ensemble must be in [1, 4096], got {}", eo.members));
  if (d.count() == 0) throw InputError(fmt::format("{}: no samples", d.source));
  check_sample_shape(model, d.shape, d.source);
  check_labels(model, d);
  const std::size_t classes =
      shape_size(model.layers[static_cast<std::size_t>(model.output)].out_shape);
  std::vector<double> snn_score(d.count() * classes, 0.0), ann_score(d.count() * classes, 0.0);
  Evaluation e;
  e.data = d.source;
  e.samples = d.count();
  e.energy = energy;
  RunResult& total = e.result;
  for (int m = 0; m < eo.members; ++m) {
    const Conversion c = convert_bitwise(sample_member(model, eo.seed, static_cast<std::uint64_t>(m)), kind);
    const SpikingNetwork net = compile(c.graph, c.spec);
    RunOptions ro;
    ro.threads = threads;
    ro.max_memory = max_memory;
    ro.energy = energy;
    ro.keep_logits = true;
    RunResult r = run(net, DataView{d.x, d.y, c.ann.input_shape()}, ro);
    combine_into(snn_score, r.logits, classes, eo.combine);
    // The member's bitwise ANN (reference forward pass), combined the same way.
    std::vector<float> ann_logits(d.count() * classes);
    parallel_for(threads, d.count(), 16, [&](std::size_t begin, std::size_t end) {
      std::vector<std::vector<float>> buffers;
      for (std::size_t i = begin; i != end; ++i) {
        const auto y = forward(c.ann, d.sample(i), &buffers);
        std::copy(y.begin(), y.end(), ann_logits.begin() + static_cast<std::ptrdiff_t>(i * classes));
      }
    });
    combine_into(ann_score, ann_logits, classes, eo.combine);
    if (m == 0) {
      total = r;
      total.logits.clear();
      continue;
    }
    for (std::size_t l = 0; l < total.layers.size(); ++l) {
      total.layers[l].spikes += r.layers[l].spikes;
      total.layers[l].sops += r.layers[l].sops;
      total.layers[l].analog_macs += r.layers[l].analog_macs;
    }
    for (std::size_t i = 0; i < total.sample_spikes.size(); ++i) {
      total.sample_spikes[i] += r.sample_spikes[i];
      total.sample_sops[i] += r.sample_sops[i];
    }
    total.total_spikes += r.total_spikes;
    total.total_sops += r.total_sops;
    total.total_analog_macs += r.total_analog_macs;
    total.snn_energy_pj += r.snn_energy_pj;
    total.ann_energy_pj += r.ann_energy_pj;
    total.ann_macs += r.ann_macs;
    total.seconds += r.seconds;
  }
  total.predictions = argmax_rows(snn_score, classes);
  total.accuracy.assign(1, accuracy_of(total.predictions, d));
  total.steps = total.latency_steps = 1;
  const auto ann_pred = argmax_rows(ann_score, classes);
  e.ann_accuracy = e.ref_accuracy = accuracy_of(ann_pred, d);
  e.timesteps = 1;
  std::size_t agree = 0;
  for (std::size_t i = 0; i < d.count(); ++i) agree += total.predictions[i] == ann_pred[i] ? 1 : 0;
  e.agreement = static_cast<double>(agree) / static_cast<double>(d.count());
  return e;
}

std::vector<std::pair<std::string, std::vector<float>>> bitwise_preactivations(
    const Conversion& c, const Dataset& d, int threads) {
  check_sample_shape(c.ann, d.shape, d.source);
  std::vector<std::pair<std::string, std::vector<float>>> out;
  for (std::size_t i = 0; i < c.ann.layers.size(); ++i) {
    const Layer& a = c.ann.layers[i];
    if (a.bitwise == Bitwise::None) continue;
    Graph g = c.graph;
    g.layers.resize(i + 1);
    Layer& l = g.layers[i];
    l.weight = a.weight;  // the alphabet (the readout's graph weights carry its scale)
    l.bias.clear();
    // l.bitwise stays as in the run's graph, so that the layer runs on the same operator
    // (BitDense for a hidden bitwise layer fed by spikes) as in the full network.
    l.input_levels = 0;
    l.weight_scale.clear();
    l.latent_weight.clear();
    l.threshold_hi.clear();
    l.threshold_lo.clear();
    g.output = static_cast<int>(i);
    SnnSpec spec = c.spec;
    spec.layers.resize(i + 1);
    spec.layers[i] = LayerSpec{};
    spec.layers[i].neuron = NeuronKind::Readout;
    RunOptions ro;
    ro.threads = threads;
    ro.keep_logits = true;
    RunResult r = run(compile(g, spec), DataView{d.x, d.y, c.ann.input_shape()}, ro);
    out.emplace_back(a.name, std::move(r.logits));
  }
  return out;
}

namespace {

void write_npy_bytes(const std::string& path, const char* descr, const std::vector<std::size_t>& shape,
                     const void* data, std::size_t bytes) {
  std::string dims;
  for (std::size_t d : shape) dims += fmt::format("{},", d);
  if (shape.size() > 1) dims.pop_back();
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, dims);
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += static_cast<char>(1);
  out += static_cast<char>(0);
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>((header.size() >> 8) & 0xff);
  out += header;
  out.append(static_cast<const char*>(data), bytes);
  write_file_atomically(path, out);
}

}  // namespace

void write_npy(const std::string& path, const std::vector<std::int32_t>& values) {
  write_npy_bytes(path, "<i4", {values.size()}, values.data(), values.size() * sizeof(std::int32_t));
}

void write_npy(const std::string& path, const std::vector<float>& values, const std::vector<std::size_t>& shape) {
  write_npy_bytes(path, "<f4", shape, values.data(), values.size() * sizeof(float));
}

}  // namespace brisk::experiments
