#include <brisk/conversion/convert.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include <brisk/core/base/error.hpp>
#include <brisk/core/base/version.hpp>
#include <brisk/encoders/encoder.hpp>

namespace brisk {

namespace {

// splitmix64: a tiny portable generator, so a seed draws the same samples everywhere
// (std::shuffle and the std distributions are implementation-defined).
std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// A layer whose clip value is fixed by the model: radix coding of a K-bit clip-floor layer,
// and a QCFS layer for every method: its trained threshold λ is θ (Bu et al. 2022; rate
// coding with V0 = θ/2 then matches the ANN's 1/2 shift), no balancing.
bool model_fixes_lambda(const Layer& l, const MappingOptions& o) {
  if (l.act == Act::QCFS) return true;
  return o.method == Method::Radix && l.act == Act::ClippedReLU && l.act_bits > 0;
}

Dataset subset(const Dataset& pool, const std::vector<std::int64_t>& indices) {
  Dataset d;
  d.shape = pool.shape;
  d.num_classes = pool.num_classes;
  d.source = pool.source;
  const std::size_t n = pool.sample_size();
  d.x.reserve(indices.size() * n);
  for (std::int64_t i : indices) {
    const auto s = pool.sample(static_cast<std::size_t>(i));
    d.x.insert(d.x.end(), s.begin(), s.end());
    d.y.push_back(pool.y[static_cast<std::size_t>(i)]);
  }
  return d;
}

std::string stages_label(const CalibrationOptions& c) {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ',';
    s += name;
  };
  add(c.weights, "weights");
  add(c.bias, "bias");
  add(c.potential, "potential");
  return s.empty() ? "none" : s;
}

}  // namespace

std::vector<std::int64_t> draw_indices(std::size_t pool, std::size_t count, std::uint64_t seed) {
  count = std::min(count, pool);
  std::vector<std::int64_t> all(pool);
  std::iota(all.begin(), all.end(), 0);
  std::uint64_t state = seed;
  for (std::size_t i = 0; i < count; ++i) {  // partial Fisher-Yates
    const std::size_t j = i + static_cast<std::size_t>(splitmix64(state) % (pool - i));
    std::swap(all[i], all[j]);
  }
  all.resize(count);
  std::sort(all.begin(), all.end());
  return all;
}

bool needs_calibration_data(const Graph& prepared, const ConvertOptions& opts) {
  const auto roles = layer_roles(prepared);
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (roles[i] == Role::Neurons && !model_fixes_lambda(prepared.layers[i], opts.mapping)) return true;
  return opts.calibration.weights || opts.calibration.bias || opts.calibration.potential;
}

Conversion convert(const Graph& model, const Dataset* calib, const std::string& calib_label,
                   const ConvertOptions& opts) {
  const bool any_stage = opts.calibration.weights || opts.calibration.bias || opts.calibration.potential;
  if (opts.mapping.method == Method::Radix && any_stage)
    throw UsageError("--calibrate: radix networks are exact by construction; calibration "
                     "applies to rate, termap and augmap");
  const EncoderKind encoder = opts.encoder.value_or(default_encoder(opts.mapping.method));
  check_encoder(encoder, opts.mapping.method == Method::Radix, method_name(opts.mapping.method));
  const Graph ann = prepare_for_conversion(model);
  const auto roles = layer_roles(ann);
  const bool need = needs_calibration_data(ann, opts);
  if (need && (calib == nullptr || calib->count() == 0))
    throw UsageError("--calib-data: this conversion needs calibration samples (balancing or "
                     "calibration); give e.g. --calib-data fashion-mnist:train");
  if (opts.calib_samples == 0) throw UsageError("--calib-samples must be positive");
  if (calib && calib->shape != ann.input_shape())
    throw InputError(fmt::format("--calib-data: samples of shape {} do not fit the model input {}",
                                 shape_str(calib->shape), shape_str(ann.input_shape())));

  // ANN activations on the calibration samples: spiking layers, weighted layers' inputs.
  std::vector<std::int64_t> indices;
  Dataset samples;
  AnnCache cache;
  if (need && calib && calib->count() > 0) {  // unused data is not recorded as used
    indices = draw_indices(calib->count(), opts.calib_samples, opts.seed);
    samples = subset(*calib, indices);
    std::vector<char> keep(ann.layers.size(), 0);
    for (std::size_t i = 0; i < roles.size(); ++i) {
      if (roles[i] != Role::Neurons && roles[i] != Role::Readout) continue;
      keep[i] = 1;
      for (int in : ann.layers[i].inputs) keep[static_cast<std::size_t>(in)] = 1;  // all branches
    }
    cache = ann_activations(ann, samples, keep, opts.threads);
  }

  // Balancing: λ per spiking layer.
  const int digits = resolved_radix_digits(ann, opts.mapping);
  BalanceOptions bal = opts.balance;
  bal.quantizer = method_quantizer(opts.mapping, digits);
  std::vector<std::vector<float>> lambda(ann.layers.size());
  for (std::size_t i = 0; i < roles.size(); ++i) {
    if (roles[i] != Role::Neurons) continue;
    const Layer& l = ann.layers[i];
    if (model_fixes_lambda(l, opts.mapping)) {
      lambda[i] = {l.act_max};
      continue;
    }
    const std::size_t channels = static_cast<std::size_t>(l.out_shape[0]);
    lambda[i] = balance(ActivationView{cache.acts[i], samples.count(), channels,
                                       shape_size(l.out_shape) / channels},
                        bal);
    // A clipped ReLU never exceeds its ceiling: no threshold above it is useful.
    if (l.act == Act::ClippedReLU)
      for (float& v : lambda[i]) v = std::min(v, l.act_max);
  }

  Conversion c = map_network(ann, lambda, opts.mapping);
  c.spec.seed = opts.seed;
  float input_max = 0.0f;
  for (float v : samples.x) input_max = std::max(input_max, std::fabs(v));
  if (encoder != EncoderKind::Direct) set_encoder(c, encoder, input_max, opts.mapping.aug_bits);
  c.calib_indices = indices;
  auto& p = c.provenance;
  p["brisk_version"] = kVersion;
  p["method"] = method_name(opts.mapping.method);
  p["balance"] = balance_method_name(opts.balance.method);
  if (opts.balance.method == BalanceMethod::Percentile)
    p["percentile"] = fmt::format("{}", opts.balance.percentile);
  p["per_channel"] = opts.balance.per_channel ? "true" : "false";
  p["seed"] = std::to_string(opts.seed);
  p["calib_data"] = indices.empty() ? "" : calib_label;
  p["calib_samples"] = std::to_string(indices.size());
  p["calibration"] = stages_label(opts.calibration);
  if (opts.calibration.weights) p["ridge"] = fmt::format("{}", opts.calibration.ridge);
  if (opts.calibration.potential)
    p["potential_scope"] = opts.calibration.potential_scope == PotentialScope::Neuron ? "neuron" : "channel";
  if (!indices.empty()) p["input_max"] = fmt::format("{}", input_max);

  if (!indices.empty() && opts.mapping.method != Method::Radix) {
    CalibrationOptions co = opts.calibration;
    co.threads = opts.threads;
    c.calibration_report = calibrate(c, samples, cache, co).to_json();
  }
  return c;
}

CalibrationOptions parse_stages(const std::string& text) {
  CalibrationOptions c;
  if (text == "none") return c;
  if (text == "all") {
    c.weights = c.bias = c.potential = true;
    return c;
  }
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item == "weights") c.weights = true;
    else if (item == "bias") c.bias = true;
    else if (item == "potential") c.potential = true;
    else
      throw UsageError(fmt::format(
          "--calibrate: unknown stage '{}' (expected none, all, or weights,bias,potential)", item));
  }
  return c;
}

EncoderKind parse_encoder(const std::string& name) {
  if (const auto e = encoders::from_name(name)) return *e;
  std::string names;
  for (const auto& t : encoders::kEncoders) names += std::string(names.empty() ? "" : ", ") + t.name;
  throw UsageError(fmt::format("--encoder: unknown encoder '{}' (expected {})", name, names));
}

bool parse_half_v0(const std::string& text) {
  if (text != "half" && text != "zero") throw UsageError(fmt::format("--v0: expected half or zero, got '{}'", text));
  return text == "half";
}

PotentialScope parse_potential_scope(const std::string& text) {
  if (text == "channel") return PotentialScope::Channel;
  if (text == "neuron") return PotentialScope::Neuron;
  throw UsageError(fmt::format("--potential-scope: expected channel or neuron, got '{}'", text));
}

void check_options(const ConvertOptions& o) {
  if (!(o.balance.percentile > 0 && o.balance.percentile <= 100))
    throw UsageError(fmt::format("--percentile must be in (0, 100], got {}", o.balance.percentile));
  if (o.calib_samples == 0) throw UsageError("--calib-samples must be positive");
  if (!(o.calibration.ridge >= 0)) throw UsageError("--ridge must be >= 0");
  if (o.mapping.method == Method::Radix && (o.calibration.weights || o.calibration.bias || o.calibration.potential))
    throw UsageError("--calibrate: radix networks are exact by construction; calibration applies to "
                     "rate, termap and augmap");
  if (o.mapping.timesteps <= 0)
    throw UsageError(fmt::format("--timesteps must be positive, got {}", o.mapping.timesteps));
}

}  // namespace brisk
