#include <brisk/conversion/bitwise.hpp>

#include <fmt/format.h>

#include <brisk/core/base/error.hpp>
#include <brisk/core/base/seed.hpp>
#include <brisk/core/base/version.hpp>

namespace brisk {

std::optional<Bitwise> bitwise_method(const std::string& name) {
  if (name == "binary") return Bitwise::Binary;
  if (name == "ternary") return Bitwise::Ternary;
  return std::nullopt;
}

bool has_bitwise_layers(const Graph& g) {
  for (const auto& l : g.layers)
    if (l.bitwise != Bitwise::None) return true;
  return false;
}

Conversion convert_bitwise(const Graph& model, Bitwise kind) {
  const std::string method(bitwise_name(kind));
  if (!has_bitwise_layers(model))
    throw UsageError(fmt::format("--method {}: the model has no binary or ternary layers (see "
                                 "docs/native-schema.md, 'Bitwise layers'; tools/train_bitwise.py "
                                 "trains such models)", method));
  Conversion c;
  c.ann = model;
  c.graph = model;
  c.spec.layers.resize(model.layers.size());
  c.spec.method = method;
  c.spec.encoder = EncoderKind::Direct;
  c.spec.input_scale = 1.0f;
  c.spec.timesteps = 1;
  c.lambda.resize(model.layers.size());
  for (std::size_t i = 0; i < model.layers.size(); ++i) {
    const Layer& l = model.layers[i];
    LayerSpec& s = c.spec.layers[i];
    s.neuron = NeuronKind::None;
    if (l.bitwise == Bitwise::None) {
      if (l.op == OpKind::Input || l.op == OpKind::Flatten || l.op == OpKind::Reshape) continue;
      throw InputError(fmt::format("layer '{}' ({}): a {} network holds only bitwise Dense layers "
                                   "and Flatten/Reshape", l.name, op_name(l.op), method));
    }
    if (l.bitwise != kind)
      throw UsageError(fmt::format("--method {}: layer '{}' is {}", method, l.name, bitwise_name(l.bitwise)));
    if (l.input_levels > 0) {
      if (c.spec.input_levels > 0 && c.spec.input_levels != l.input_levels)
        throw InputError(fmt::format("layer '{}': input_levels {} differs from another layer's {}",
                                     l.name, l.input_levels, c.spec.input_levels));
      c.spec.input_levels = l.input_levels;
    }
    Layer& g = c.graph.layers[i];
    const std::size_t n_in = static_cast<std::size_t>(l.weight_shape[0]);
    const std::size_t n_out = static_cast<std::size_t>(l.weight_shape[1]);
    if (static_cast<int>(i) == model.output) {
      // The readout: weight_scale * w per event (dyadic in the bundled models), the bias.
      s.neuron = NeuronKind::Readout;
      for (std::size_t k = 0; k < n_in; ++k)
        for (std::size_t o = 0; o < n_out; ++o) g.weight[k * n_out + o] *= l.weight_scale[o];
      g.bitwise = Bitwise::None;
      g.input_levels = 0;
      g.weight_scale.clear();
      g.latent_weight.clear();
      continue;
    }
    s.neuron = NeuronKind::DoubleThreshold;
    s.negative_only_if_positive = false;
    s.reset = ResetMode::Subtract;
    s.threshold.resize(n_out);
    s.v0.resize(n_out);
    for (std::size_t o = 0; o < n_out; ++o) {
      const float hi = l.threshold_hi[o];
      const float lo = kind == Bitwise::Ternary ? l.threshold_lo[o] : hi - 1.0f;
      s.threshold[o] = (hi - lo) / 2.0f;  // exact: integers below 2^24, halved
      s.v0[o] = -(hi + lo) / 2.0f;
    }
    c.lambda[i].assign(1, 1.0f);  // an event is one +-1 activation
  }
  c.provenance["brisk_version"] = std::string(kVersion);
  c.provenance["method"] = method;
  c.provenance["calibration"] = std::string("none");
  c.provenance["calib_samples"] = std::string("0");
  return c;
}

Graph sample_member(const Graph& model, std::uint64_t seed, std::uint64_t member) {
  Graph g = model;
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    Layer& l = g.layers[i];
    if (l.bitwise == Bitwise::None) continue;
    if (l.latent_weight.empty())
      throw InputError(fmt::format("layer '{}': no 'latent_weight' to sample ensemble members from",
                                   l.name));
    // One stream per (seed, member, layer): the member's weights do not depend on how many
    // members or threads there are.
    SplitMix64 rng(seed ^ (0x51ED270B27C8A0F1ull * (i + 1)), member);
    const bool ternary = l.bitwise == Bitwise::Ternary;
    for (std::size_t k = 0; k < l.weight.size(); ++k) {
      const float lat = l.latent_weight[k];
      const float u = rng.uniform();
      if (ternary) {
        const float mag = lat < 0 ? -lat : lat;
        l.weight[k] = u < mag ? (lat < 0 ? -1.0f : 1.0f) : 0.0f;
      } else {
        l.weight[k] = u < (1.0f + lat) * 0.5f ? 1.0f : -1.0f;
      }
    }
  }
  return g;
}

}  // namespace brisk
