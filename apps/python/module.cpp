// _brisk: the C++ half of the brisk Python module (pybind11). It binds the experiments and
// conversion libraries, like the command line does, and takes only numpy arrays; the
// pure-Python half (apps/python/brisk/__init__.py) turns torch tensors and DataLoaders into
// them, builds models from PyTorch (exporter.py) and wraps the results.
//
// Samples are read in place when they arrive as C-contiguous float32 (NCHW) arrays: the
// engine and the ANN reference read the numpy buffer (experiments::SampleSet). The GIL is
// released while brisk computes; threads are oneTBB's, as in the CLI (0 = all cores).
// brisk::Error becomes brisk.Error and its subclasses (brisk/_errors.py) with the CLI's
// one-line message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/apps/experiments/files.hpp>
#include <brisk/apps/experiments/folder.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/apps/experiments/model_report.hpp>
#include <brisk/apps/experiments/plots.hpp>
#include <brisk/apps/experiments/sweep.hpp>
#include <brisk/conversion/convert.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/conversion/import/native_description.hpp>
#include <brisk/conversion/mapping.hpp>
#include <brisk/conversion/sha256.hpp>
#include <brisk/conversion/snn_file.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/shape.hpp>
#include <brisk/core/base/version.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/data/dataset.hpp>
#include <brisk/encoders/encoder.hpp>
#include <brisk/neurons/neuron.hpp>

namespace py = pybind11;

namespace brisk::python {

namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using LabelArray = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>;

// ---- errors -------------------------------------------------------------------------------

// brisk._errors' class for an error: NotFoundError for a missing file (a FileNotFoundError
// too), UsageError and InputError (ValueErrors), InternalError, Error for a failed check.
void raise_brisk_error(const Error& e) {
  const py::module_ errors = py::module_::import("brisk._errors");
  const std::string message = e.what();
  const char* name = "Error";
  switch (e.kind()) {
    case ErrorKind::Usage: name = "UsageError"; break;
    case ErrorKind::Input: {
      const std::string suffix = ": no such file";
      const bool missing = message.size() >= suffix.size() &&
                           message.compare(message.size() - suffix.size(), suffix.size(), suffix) == 0;
      name = missing ? "NotFoundError" : "InputError";
      break;
    }
    case ErrorKind::Internal: name = "InternalError"; break;
    case ErrorKind::Failure: name = "Error"; break;
  }
  PyErr_SetString(errors.attr(name).ptr(), message.c_str());
}

// ---- conversions ---------------------------------------------------------------------------

py::object to_python(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return py::none();
    case nlohmann::json::value_t::boolean: return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer: return py::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned: return py::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float: return py::float_(j.get<double>());
    case nlohmann::json::value_t::string: return py::str(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& v : j) out.append(to_python(v));
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (auto it = j.begin(); it != j.end(); ++it) out[py::str(it.key())] = to_python(it.value());
      return out;
    }
    default: return py::none();
  }
}

template <class T>
py::array_t<T> to_numpy(const std::vector<T>& v, std::vector<py::ssize_t> shape = {}) {
  if (shape.empty()) shape = {static_cast<py::ssize_t>(v.size())};
  py::array_t<T> out(shape);
  if (!v.empty()) std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

std::vector<py::ssize_t> with_batch(std::size_t n, const std::vector<int>& shape) {
  std::vector<py::ssize_t> out{static_cast<py::ssize_t>(n)};
  for (int s : shape) out.push_back(s);
  return out;
}

// Samples held by numpy arrays, checked the way the dataset readers check files: a batch
// dimension, labels matching the count, finite values.
experiments::SampleSet samples_of(const FloatArray& x, const std::optional<LabelArray>& y,
                                  const std::string& label) {
  if (x.ndim() < 2)
    throw InputError(fmt::format("{}: samples need a batch dimension, (N, C, H, W) or (N, features); "
                                 "got {} dimension(s)", label, x.ndim()));
  std::vector<int> shape;
  for (py::ssize_t i = 1; i < x.ndim(); ++i) {
    if (x.shape(i) > 1'000'000'000) throw InputError(fmt::format("{}: dimension {} is too large", label, x.shape(i)));
    shape.push_back(static_cast<int>(x.shape(i)));
  }
  const auto n = static_cast<std::size_t>(x.shape(0));
  const float* data = x.data();
  const std::size_t values = static_cast<std::size_t>(x.size());
  for (std::size_t i = 0; i < values; ++i)
    if (!std::isfinite(data[i]))
      throw InputError(fmt::format("{}: sample {} holds {} (not finite)", label, i / std::max<std::size_t>(values / std::max<std::size_t>(n, 1), 1), data[i]));
  std::span<const std::int32_t> labels;
  if (y) {
    if (y->ndim() != 1 || static_cast<std::size_t>(y->shape(0)) != n)
      throw InputError(fmt::format("{}: {} labels for {} samples (y must be one label per sample)", label,
                                   y->ndim() == 1 ? static_cast<std::size_t>(y->shape(0)) : static_cast<std::size_t>(y->size()), n));
    labels = {y->data(), n};
  }
  return experiments::SampleSet(std::span<const float>(data, values), labels, std::move(shape), label);
}

// A Dataset owning a copy (the calibration pool, whose Dataset the conversion keeps).
Dataset dataset_of(const FloatArray& x, const std::string& label) {
  const experiments::SampleSet s = samples_of(x, std::nullopt, label);
  Dataset d;
  d.x.assign(s.x.begin(), s.x.end());
  d.y.assign(static_cast<std::size_t>(x.shape(0)), 0);
  d.shape = s.shape;
  d.source = label;
  return d;
}

// ---- models --------------------------------------------------------------------------------

struct Model {
  Graph graph;
  std::string path;    // the file, or the in-memory model's label
  std::string sha256;  // of the file, or of the in-memory description
};

NativeAttribute attribute_of(const py::handle& v, const std::string& where) {
  NativeAttribute a;
  if (py::isinstance<py::str>(v)) {
    a.is_string = true;
    a.strings.push_back(v.cast<std::string>());
  } else if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) {
    a.is_string = true;
    for (const auto& s : v) {
      if (!py::isinstance<py::str>(s)) throw InputError(fmt::format("{}: a list attribute must hold strings", where));
      a.strings.push_back(s.cast<std::string>());
    }
  } else {
    const auto arr = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(v);
    if (!arr) throw InputError(fmt::format("{}: attribute is neither strings nor numbers", where));
    a.numbers.assign(arr.data(), arr.data() + arr.size());
  }
  return a;
}

// exporter.describe_model()'s {"objects": {path: {name: value}}, "datasets": {path: array}}.
NativeDescription description_of(const py::dict& d, const std::string& label) {
  NativeDescription out;
  out.label = label;
  if (!d.contains("objects") || !d.contains("datasets"))
    throw InputError(fmt::format("{}: a model description needs 'objects' and 'datasets'", label));
  for (const auto& [path, attrs] : d["objects"].cast<py::dict>()) {
    auto& object = out.objects[path.cast<std::string>()];
    for (const auto& [name, value] : attrs.cast<py::dict>())
      object[name.cast<std::string>()] =
          attribute_of(value, fmt::format("{}: {}: attribute '{}'", label, path.cast<std::string>(),
                                          name.cast<std::string>()));
  }
  for (const auto& [path, value] : d["datasets"].cast<py::dict>()) {
    const auto arr = FloatArray::ensure(value);
    if (!arr) throw InputError(fmt::format("{}: dataset '{}' is not numeric", label, path.cast<std::string>()));
    NativeArray& a = out.datasets[path.cast<std::string>()];
    a.data.assign(arr.data(), arr.data() + arr.size());
    for (py::ssize_t i = 0; i < arr.ndim(); ++i) a.shape.push_back(static_cast<int>(arr.shape(i)));
  }
  return out;
}

// SHA-256 of a canonical serialisation of the description: names, attribute values and
// the float32 bytes of every dataset, in path order.
std::string description_sha256(const NativeDescription& d) {
  std::string bytes;
  for (const auto& [path, attrs] : d.objects) {
    bytes += fmt::format("object {}\n", path);
    for (const auto& [name, a] : attrs) {
      bytes += fmt::format("attr {}=", name);
      if (a.is_string)
        for (const auto& s : a.strings) bytes += fmt::format("s{}:{}", s.size(), s);
      else
        for (double v : a.numbers) bytes += fmt::format("n{:a}", v);
      bytes += "\n";
    }
  }
  for (const auto& [path, a] : d.datasets) {
    bytes += "dataset " + path + " " + shape_str(a.shape) + "\n";
    bytes.append(reinterpret_cast<const char*>(a.data.data()), a.data.size() * sizeof(float));
  }
  return sha256_hex(bytes.data(), bytes.size());
}

py::list layer_table(const Graph& g) {
  py::list out;
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const Layer& l = g.layers[i];
    py::dict d;
    d["name"] = l.name;
    d["type"] = op_name(l.op);
    d["source_class"] = l.source_class;
    d["output_shape"] = py::tuple(py::cast(l.out_shape));
    d["activation"] = act_name(l.act);
    d["parameters"] = l.weight.size() + l.bias.size() + l.scale.size() + l.shift.size();
    d["macs"] = layer_macs(g, static_cast<int>(i));
    py::list inputs;
    for (int in : l.inputs) inputs.append(g.layers[static_cast<std::size_t>(in)].name);
    d["inputs"] = inputs;
    out.append(d);
  }
  return out;
}

// ---- conversion options (the CLI's flags and defaults, conversion_cli.cpp) ------------------

template <class T>
T option(const py::dict& o, const char* key, T fallback) {
  if (!o.contains(key) || o[key].is_none()) return fallback;
  return o[key].cast<T>();
}

int checked_threads(int t) {
  if (t < 0) throw UsageError(fmt::format("--threads must be >= 0, got {}", t));
  return t;
}

ConvertOptions convert_options(const py::dict& d) {
  ConvertOptions o;
  o.mapping.method = parse_method(option<std::string>(d, "method", "rate"));
  o.mapping.timesteps = option<int>(d, "timesteps", 16);
  o.mapping.radix_base = option<int>(d, "radix_base", 2);
  o.mapping.radix_digits = option<int>(d, "radix_digits", 0);
  o.mapping.aug_bits = option<int>(d, "aug_bits", 4);
  o.mapping.half_v0 = parse_half_v0(option<std::string>(d, "v0", "half"));
  o.balance.method = parse_balance_method(option<std::string>(d, "balance", "mse"));
  o.balance.percentile = option<double>(d, "percentile", 99.9);
  o.balance.per_channel = option<bool>(d, "per_channel", false);
  const auto samples = option<std::int64_t>(d, "calib_samples", 1000);
  if (samples <= 0) throw UsageError("--calib-samples must be positive");
  o.calib_samples = static_cast<std::size_t>(samples);
  o.calibration = parse_stages(option<std::string>(d, "calibrate", "none"));
  o.calibration.ridge = option<double>(d, "ridge", 0.05);
  o.calibration.potential_scope = parse_potential_scope(option<std::string>(d, "potential_scope", "channel"));
  o.calibration.max_memory = option<std::uint64_t>(d, "max_memory", kDefaultMaxMemory);
  o.seed = option<std::uint64_t>(d, "seed", 1);
  if (d.contains("encoder") && !d["encoder"].is_none()) o.encoder = parse_encoder(d["encoder"].cast<std::string>());
  o.threads = checked_threads(option<int>(d, "threads", 0));
  check_options(o);
  return o;
}

// The calibration pool: a dataset spec (the CLI's --calib-data, default fashion-mnist:train,
// with calib_offset / calib_pool) or an array of samples (d["calib_x"]).
void load_calibration(const py::dict& d, experiments::ConversionInputs& in) {
  if (d.contains("calib_x") && !d["calib_x"].is_none()) {
    const auto x = d["calib_x"].cast<FloatArray>();
    in.calib_label = option<std::string>(d, "calib_label", "calib_data");
    in.calib = dataset_of(x, in.calib_label);
    conform_sample_shape(in.model, in.calib.shape, "calib_data " + in.calib_label);
    return;
  }
  experiments::InputOptions io;
  io.calib_data = option<std::string>(d, "calib_data", "fashion-mnist:train");
  const auto offset = option<std::int64_t>(d, "calib_offset", 0), pool = option<std::int64_t>(d, "calib_pool", 0);
  if (offset < 0 || pool < 0) throw UsageError("--calib-offset and --calib-pool must be >= 0");
  io.calib_offset = static_cast<std::size_t>(offset);
  io.calib_pool = static_cast<std::size_t>(pool);
  io.max_input_bytes = option<std::uint64_t>(d, "max_input_bytes", kDefaultMaxInputBytes);
  py::gil_scoped_release release;
  experiments::load_calibration_pool(io, in);
}

experiments::ConversionInputs conversion_inputs(const Model& m) {
  experiments::ConversionInputs in;
  in.model = m.graph;
  in.model_path = m.path;
  in.model_sha256 = m.sha256;
  return in;
}

EnergyModel energy_of(double pj_ac, double pj_mac) {
  EnergyModel e;
  e.pj_per_ac = pj_ac;
  e.pj_per_mac = pj_mac;
  if (!(e.pj_per_ac >= 0) || !(e.pj_per_mac >= 0))
    throw UsageError(fmt::format("--pj-ac and --pj-mac must be >= 0, got {:g} and {:g}", e.pj_per_ac,
                                 e.pj_per_mac));
  return e;
}

// ---- networks ------------------------------------------------------------------------------

struct Network {
  Conversion c;
  std::string path;  // the file it was read from or saved to ("" = in memory only)
};

Network convert_network(const Model& m, const py::dict& d) {
  const ConvertOptions opts = convert_options(d);
  experiments::ConversionInputs in = conversion_inputs(m);
  if (needs_calibration_data(prepare_for_conversion(in.model), opts)) load_calibration(d, in);
  Network n;
  py::gil_scoped_release release;
  n.c = experiments::convert_loaded(in, opts);
  return n;
}

py::list network_layers(const Network& n) {
  py::list out;
  for (std::size_t i = 0; i < n.c.graph.layers.size(); ++i) {
    const LayerSpec& s = n.c.spec.layers[i];
    py::dict d;
    d["name"] = n.c.graph.layers[i].name;
    d["neuron"] = s.neuron == NeuronKind::None ? "" : neurons::traits(s.neuron).label;
    d["threshold"] = to_numpy(s.threshold);
    d["v0"] = to_numpy(s.v0);
    d["output_shape"] = py::tuple(py::cast(n.c.graph.layers[i].out_shape));
    if (s.neuron == NeuronKind::Radix) d["radix_base"] = s.radix_base, d["radix_digits"] = s.radix_digits;
    if (s.neuron == NeuronKind::Augmented) d["max_coefficient"] = s.max_coefficient;
    out.append(d);
  }
  return out;
}

Record parse_record(const std::string& r) {
  if (r == "none") return Record::None;
  if (r == "rate") return Record::MeanRate;
  if (r == "counts" || r == "trains") return Record::Counts;
  throw UsageError(fmt::format("record: expected none, rate, counts or trains, got '{}'", r));
}

// net.run(): evaluate() beside the ANN when labels are given (the figures of `brisk run
// --json`), the engine alone otherwise. Returns a dict the Python RunResult wraps.
py::dict run_network(Network& n, const FloatArray& x, const std::optional<LabelArray>& y, int timesteps,
                     int threads, const std::string& record, const std::vector<std::string>& record_layers,
                     const std::vector<std::int64_t>& record_samples, double pj_ac, double pj_mac,
                     std::uint64_t max_memory, std::optional<std::uint64_t> seed, const std::string& label,
                     bool record_membrane, const std::string& sop_count) {
  if (record_membrane && record != "trains")
    throw UsageError("record_membrane: needs record=\"trains\" (the potentials of the recorded samples)");
  if (timesteps < 0) throw UsageError(fmt::format("--timesteps must be positive, got {}", timesteps));
  Conversion& c = n.c;
  if (seed) c.spec.seed = *seed;
  const experiments::SampleSet s = samples_of(x, y, label);
  RunOptions ro;
  ro.threads = checked_threads(threads);
  ro.timesteps = timesteps;
  ro.energy = energy_of(pj_ac, pj_mac);
  const auto convention = parse_sop_convention(sop_count);
  if (!convention) throw UsageError(fmt::format("count: expected events or spikes, got '{}'", sop_count));
  ro.energy.sops = *convention;
  ro.max_memory = max_memory;
  ro.keep_logits = true;
  ro.record = parse_record(record);
  for (const auto& name : record_layers) {
    bool found = false;
    for (std::size_t i = 0; i < c.graph.layers.size(); ++i)
      if (c.graph.layers[i].name == name) ro.record_layers.push_back(static_cast<int>(i)), found = true;
    if (!found) throw UsageError(fmt::format("record_layers: no layer '{}'", name));
  }
  for (std::int64_t i : record_samples)
    if (i < 0 || i >= static_cast<std::int64_t>(x.shape(0)))
      throw UsageError(fmt::format("record_samples: sample {} is not in [0, {})", i, x.shape(0)));

  experiments::Evaluation e;
  {
    py::gil_scoped_release release;
    if (y) {
      e = experiments::evaluate(c, s, ro);
    } else {
      if (x.shape(0) == 0) throw InputError(fmt::format("{}: no samples", label));
      check_sample_shape(c.ann, s.shape, label);
      const SpikingNetwork net = compile(c.graph, c.spec);
      e.data = label;
      e.samples = static_cast<std::size_t>(x.shape(0));
      e.energy = ro.energy;
      e.quantized_reference = c.spec.method == "radix";
      e.result = run(net, DataView{s.x, {}, c.ann.input_shape()}, ro);
      e.timesteps = e.result.steps;
    }
  }
  const RunResult& r = e.result;
  const std::size_t count = e.samples;
  nlohmann::json j = experiments::evaluation_json(e);
  j["network"] = n.path.empty() ? (c.provenance.count("source_model") ? c.provenance.at("source_model") : "")
                                : n.path;
  j["method"] = c.spec.method;
  j["converted_timesteps"] = c.spec.timesteps;
  j["encoder"] = encoders::name(c.spec.encoder);
  j["input_scale"] = c.spec.input_scale;
  j["seed"] = c.spec.seed;
  j["provenance"] = c.provenance;
  if (!c.calibration_report.empty()) j["calibration"] = nlohmann::json::parse(c.calibration_report);
  if (!y)
    for (const char* key : {"ann_accuracy", "reference_accuracy", "snn_accuracy", "agreement_with_reference",
                            "accuracy_at_step"})
      j.erase(key);

  py::dict out;
  out["json"] = to_python(j);
  out["labelled"] = y.has_value();
  out["accuracy_at_step"] = to_numpy(r.accuracy);
  out["predictions"] = to_numpy(r.predictions);
  const std::size_t classes = count ? r.logits.size() / count : 0;
  out["logits"] = to_numpy(r.logits, {static_cast<py::ssize_t>(count), static_cast<py::ssize_t>(classes)});
  out["sample_spikes"] = to_numpy(r.sample_spikes);
  out["sample_sops"] = to_numpy(r.sample_sops);
  py::list names;
  std::vector<std::uint64_t> spikes, sops, macs;
  py::dict mean_rate, counts, trains;
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const LayerResult& l = r.layers[i];
    names.append(l.name);
    spikes.push_back(l.spikes), sops.push_back(l.sops), macs.push_back(l.analog_macs);
    const auto& shape = c.graph.layers[i].out_shape;
    if (!l.mean_output.empty())
      mean_rate[py::str(l.name)] = to_numpy(l.mean_output, std::vector<py::ssize_t>(shape.begin(), shape.end()));
    if (!l.counts.empty() && record == "counts") counts[py::str(l.name)] = to_numpy(l.counts, with_batch(count, shape));
  }
  out["layers"] = names;
  out["spikes"] = to_numpy(spikes);
  out["sops"] = to_numpy(sops);
  out["analog_macs"] = to_numpy(macs);
  out["mean_rate"] = mean_rate;
  out["counts"] = counts;

  // Spike trains of the chosen samples: simulate() keeps every layer's train (one sample,
  // one thread, the sample's own seed, so its counts are the run's).
  if (record == "trains") {
    std::vector<std::int64_t> chosen = record_samples;
    if (chosen.empty())
      for (std::size_t i = 0; i < std::min<std::size_t>(count, 10); ++i) chosen.push_back(static_cast<std::int64_t>(i));
    std::vector<int> layers = ro.record_layers;
    if (layers.empty())
      for (std::size_t i = 0; i < c.graph.layers.size(); ++i) layers.push_back(static_cast<int>(i));
    std::vector<SampleTrace> traces;
    py::dict membrane;
    const SpikingNetwork net = compile(c.graph, c.spec);
    {
      py::gil_scoped_release release;
      RunOptions so = ro;
      so.record = Record::None;
      so.threads = 1;
      so.keep_membrane = record_membrane;
      for (std::int64_t i : chosen) traces.push_back(simulate(net, s.sample(static_cast<std::size_t>(i)), static_cast<std::size_t>(i), so));
    }
    for (int li : layers) {
      const PlanLayer& pl = net.layer(li);
      py::list per_sample;
      for (const SampleTrace& t : traces) {
        const SpikeTrain& train = t.trains[static_cast<std::size_t>(li)];
        std::vector<std::int32_t> step, neuron;
        std::vector<float> payload;
        for (int k = 0; k < train.closed_steps(); ++k) {
          const auto ids = train.ids(k);
          const auto pay = train.payload(k);
          for (std::size_t e2 = 0; e2 < ids.size(); ++e2) {
            step.push_back(k);
            neuron.push_back(pl.to_graph.empty() ? ids[e2] : pl.to_graph[static_cast<std::size_t>(ids[e2])]);
            payload.push_back(pay[e2]);
          }
        }
        per_sample.append(py::make_tuple(to_numpy(step), to_numpy(neuron), to_numpy(payload)));
      }
      trains[py::str(c.graph.layers[static_cast<std::size_t>(li)].name)] = per_sample;
      // record_membrane: [steps][neurons] per sample (layers with a population only).
      if (record_membrane && !traces.empty() && !traces.front().membrane[static_cast<std::size_t>(li)].empty()) {
        py::list potentials;
        for (const SampleTrace& t : traces) {
          const auto& v = t.membrane[static_cast<std::size_t>(li)];
          potentials.append(to_numpy(v, {static_cast<py::ssize_t>(v.size() / pl.size()), static_cast<py::ssize_t>(pl.size())}));
        }
        membrane[py::str(c.graph.layers[static_cast<std::size_t>(li)].name)] = potentials;
      }
    }
    out["trains"] = trains;
    out["membrane"] = membrane;
    out["trained_samples"] = to_numpy(chosen);
  }
  return out;
}

// ---- sweep ---------------------------------------------------------------------------------

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(item);
  return out;
}

py::tuple sweep(const Model& m, const FloatArray& x, const LabelArray& y, const py::dict& d,
                const std::vector<std::string>& methods, const std::vector<std::string>& stages,
                const std::vector<int>& timesteps, const std::vector<int>& aug_timesteps, double pj_ac,
                double pj_mac, std::uint64_t max_memory, const std::string& out, bool force,
                const std::string& label, const std::string& sop_count) {
  experiments::SweepOptions so;
  so.base = convert_options(d);
  so.energy = energy_of(pj_ac, pj_mac);
  const auto convention = parse_sop_convention(sop_count);
  if (!convention) throw UsageError(fmt::format("count: expected events or spikes, got '{}'", sop_count));
  so.energy.sops = *convention;
  so.max_memory = max_memory;
  so.methods = methods;
  for (const auto& method : methods) {
    parse_method(method);
    if (so.base.encoder) check_encoder(*so.base.encoder, method == "radix", method);
  }
  for (const auto& stage : stages) {
    std::string commas = stage;
    std::replace(commas.begin(), commas.end(), '+', ',');
    so.stages.emplace_back(stage, parse_stages(commas));
  }
  for (const auto* list : {&timesteps, &aug_timesteps}) {
    if (list->empty()) throw UsageError(fmt::format("--{}: empty list", list == &timesteps ? "timesteps-list" : "aug-timesteps"));
    for (int t : *list)
      if (t <= 0)
        throw UsageError(fmt::format("--{}: '{}' is not a positive integer",
                                     list == &timesteps ? "timesteps-list" : "aug-timesteps", t));
  }
  so.timesteps = timesteps;
  so.aug_timesteps = aug_timesteps;
  std::vector<std::string> inputs{m.path};
  if (d.contains("calib_data") && !d["calib_data"].is_none())
    for (const auto& p : split(d["calib_data"].cast<std::string>())) inputs.push_back(p);
  if (!out.empty())  // a result folder, as `brisk sweep --out DIR`
    experiments::prepare_output_folder(out, force ? experiments::FolderMode::Force : experiments::FolderMode::New,
                                       inputs, "out");
  const experiments::SampleSet s = samples_of(x, y, label);
  experiments::ConversionInputs in = conversion_inputs(m);
  load_calibration(d, in);
  std::string plots;
  nlohmann::json j;
  {
    py::gil_scoped_release release;
    const Dataset data{std::vector<float>(s.x.begin(), s.x.end()), std::vector<std::int32_t>(s.y.begin(), s.y.end()),
                       s.shape, 0, s.source};
    const experiments::Sweep result = experiments::run_sweep(in, data, so);
    j = experiments::sweep_json(result);
    if (!out.empty()) {
      experiments::write_sweep_results(out, result);
      plots = experiments::write_sweep_plots(out);
    }
  }
  return py::make_tuple(to_python(j), plots);
}

}  // namespace

}  // namespace brisk::python

PYBIND11_MODULE(_brisk, m) {
  using namespace brisk;
  using namespace brisk::python;
  m.doc() = "brisk's C++ core (use the brisk package, not this module)";
  m.attr("__version__") = std::string(kVersion);

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      raise_brisk_error(e);
    }
  });

  py::class_<Model>(m, "_Model")
      .def_property_readonly("source", [](const Model& x) { return x.path; })
      .def_property_readonly("sha256", [](const Model& x) { return x.sha256; })
      .def_property_readonly("input_shape", [](const Model& x) { return py::tuple(py::cast(x.graph.input_shape())); })
      .def_property_readonly("output_shape", [](const Model& x) {
        return py::tuple(py::cast(x.graph.layers.at(static_cast<std::size_t>(x.graph.output)).out_shape));
      })
      .def_property_readonly("meta", [](const Model& x) { return x.graph.meta; })
      .def_property_readonly("macs", [](const Model& x) { return graph_macs(x.graph); })
      .def("layers", [](const Model& x) { return layer_table(x.graph); })
      .def("summary", [](const Model& x) {
        std::ostringstream out;
        experiments::print_model_report(x.graph, out);
        return out.str();
      })
      .def("evaluate", [](const Model& x, const FloatArray& xs, const LabelArray& ys, int threads, const std::string& label) {
        const experiments::SampleSet s = samples_of(xs, ys, label);
        check_sample_shape(x.graph, s.shape, s.source);
        experiments::check_labels(x.graph, s);
        if (s.count() == 0) throw InputError(fmt::format("{}: no samples", s.source));
        std::vector<int> predicted;
        {
          py::gil_scoped_release release;
          predicted = experiments::ann_predictions(x.graph, s, checked_threads(threads));
        }
        std::size_t correct = 0;
        for (std::size_t i = 0; i < s.count(); ++i) correct += predicted[i] == s.y[i] ? 1 : 0;
        py::dict d;
        d["accuracy"] = static_cast<double>(correct) / static_cast<double>(s.count());
        d["correct"] = correct;
        d["samples"] = s.count();
        d["macs_per_sample"] = graph_macs(x.graph);
        d["predictions"] = to_numpy(predicted);
        return d;
      });

  m.def("load_model", [](const std::string& path, const std::string& arch, const std::string& theano_flip) {
    ImportOptions io;
    io.arch = arch;
    io.theano_flip = parse_theano_flip(theano_flip);
    Model x;
    {
      py::gil_scoped_release release;
      x.graph = load_model(path, io);
      x.sha256 = sha256_file(path);
    }
    x.path = path;
    return x;
  });
  m.def("model_from_description", [](const py::dict& d, const std::string& label) {
    const NativeDescription desc = description_of(d, label);
    Model x;
    x.graph = load_native_description(desc);
    x.path = label;
    x.sha256 = description_sha256(desc);
    return x;
  });

  py::class_<Network>(m, "_Network")
      .def_property_readonly("method", [](const Network& n) { return n.c.spec.method; })
      .def_property_readonly("timesteps", [](const Network& n) { return n.c.spec.timesteps; })
      .def_property_readonly("encoder", [](const Network& n) { return std::string(encoders::name(n.c.spec.encoder)); })
      .def_property_readonly("seed", [](const Network& n) { return n.c.spec.seed; })
      .def_property_readonly("path", [](const Network& n) { return n.path; })
      .def_property_readonly("provenance", [](const Network& n) { return n.c.provenance; })
      .def_property_readonly("calibration", [](const Network& n) {
        return n.c.calibration_report.empty() ? py::object(py::none())
                                              : to_python(nlohmann::json::parse(n.c.calibration_report));
      })
      .def_property_readonly("input_shape", [](const Network& n) { return py::tuple(py::cast(n.c.ann.input_shape())); })
      .def("layers", &network_layers)
      .def("save", [](Network& n, const std::string& path, bool force) {
        std::vector<std::string> inputs;
        if (!n.path.empty()) inputs.push_back(n.path);
        if (n.c.provenance.count("source_model")) inputs.push_back(n.c.provenance.at("source_model"));
        experiments::check_output(path, inputs, force, "path");
        {
          py::gil_scoped_release release;
          write_snn(n.c, path);
        }
        n.path = path;
      })
      .def("run", &run_network);

  m.def("convert", &convert_network);
  m.def("load_network", [](const std::string& path) {
    Network n;
    {
      py::gil_scoped_release release;
      n.c = read_snn(path);
    }
    n.path = path;
    return n;
  });
  m.def("sweep", &sweep);
  m.def("load_data", [](const std::string& spec, std::int64_t samples, std::int64_t offset, bool nhwc,
                        const std::string& x_name, const std::string& y_name) {
    if (samples < 0 || offset < 0) throw UsageError("--samples and --offset must be >= 0");
    LoadOptions o;
    o.samples = static_cast<std::size_t>(samples);
    o.offset = static_cast<std::size_t>(offset);
    o.nhwc = nhwc;
    o.x_name = x_name;
    o.y_name = y_name;
    Dataset d;
    {
      py::gil_scoped_release release;
      d = load_dataset(spec, o);
    }
    return py::make_tuple(to_numpy(d.x, with_batch(d.count(), d.shape)), to_numpy(d.y), d.source);
  });
  m.def("plot_interpreter", &experiments::plot_interpreter);
}
