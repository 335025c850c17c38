// Binary / ternary layers of the graph IR: names, validation and the reference forward pass
// (integer arithmetic carried in float: every value is an integer below 2^24, or for the
// readout a multiple of one power of two, so it is exact in any order).
#include <brisk/core/graph/graph.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include <brisk/core/base/error.hpp>

namespace brisk {

const char* bitwise_name(Bitwise b) {
  switch (b) {
    case Bitwise::None: return "none";
    case Bitwise::Binary: return "binary";
    case Bitwise::Ternary: return "ternary";
  }
  return "?";
}

std::optional<Bitwise> bitwise_from_name(std::string_view name) {
  for (Bitwise b : {Bitwise::None, Bitwise::Binary, Bitwise::Ternary})
    if (name == bitwise_name(b)) return b;
  return std::nullopt;
}

namespace {

[[noreturn]] void bad(const Layer& l, const std::string& what) {
  throw InputError(fmt::format("layer '{}' ({}): {}", l.name, bitwise_name(l.bitwise), what));
}

void per_output(const Layer& l, const std::vector<float>& v, const char* what, std::size_t n) {
  if (v.empty()) bad(l, fmt::format("'{}' is missing", what));
  if (v.size() != n) bad(l, fmt::format("'{}' has {} values, the layer has {} outputs", what, v.size(), n));
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) bad(l, fmt::format("{}[{}] is {} (not finite)", what, i, v[i]));
}

// The layer's input through Flatten / Reshape.
const Layer& producer(const Graph& g, const Layer& l) {
  const Layer* p = &g.layers[static_cast<std::size_t>(l.inputs.front())];
  while ((p->op == OpKind::Flatten || p->op == OpKind::Reshape) && !p->inputs.empty())
    p = &g.layers[static_cast<std::size_t>(p->inputs.front())];
  return *p;
}

constexpr float kMaxExact = 16777216.0f;  // 2^24

}  // namespace

void validate_bitwise(const Graph& g) {
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const Layer& l = g.layers[i];
    if (l.bitwise == Bitwise::None) {
      if (l.input_levels != 0 || !l.threshold_hi.empty() || !l.threshold_lo.empty() ||
          !l.weight_scale.empty() || !l.latent_weight.empty())
        throw InputError(fmt::format("layer '{}': bitwise attributes (weight_scale, thresholds, "
                                     "latent_weight, input_levels) on a layer that is not bitwise",
                                     l.name));
      continue;
    }
    if (l.op != OpKind::Dense) bad(l, fmt::format("bitwise {} layers are not supported (Dense only)", op_name(l.op)));
    if (l.act != Act::Linear) bad(l, fmt::format("activation '{}' (a bitwise layer's activation is its thresholds)", act_name(l.act)));
    const bool output = static_cast<int>(i) == g.output;
    const std::size_t n_in = static_cast<std::size_t>(l.weight_shape.at(0));
    const std::size_t n_out = static_cast<std::size_t>(l.weight_shape.at(1));
    const bool ternary = l.bitwise == Bitwise::Ternary;
    for (std::size_t k = 0; k < l.weight.size(); ++k) {
      const float w = l.weight[k];
      if (!(w == 1.0f || w == -1.0f || (ternary && w == 0.0f)))
        bad(l, fmt::format("weight[{}][{}] is {}, outside the alphabet {}", k / n_out, k % n_out, w,
                           ternary ? "{-1, 0, +1}" : "{-1, +1}"));
    }
    per_output(l, l.weight_scale, "weight_scale", n_out);
    for (std::size_t o = 0; o < n_out; ++o)
      if (!(l.weight_scale[o] > 0))
        bad(l, fmt::format("weight_scale[{}] is {} (must be positive)", o, l.weight_scale[o]));
    if (!l.latent_weight.empty()) {
      if (l.latent_weight.size() != l.weight.size())
        bad(l, fmt::format("'latent_weight' has {} values, 'weight' {}", l.latent_weight.size(), l.weight.size()));
      for (std::size_t k = 0; k < l.latent_weight.size(); ++k)
        if (!(std::fabs(l.latent_weight[k]) <= 1.0f))
          bad(l, fmt::format("latent_weight[{}][{}] is {} (must be in [-1, 1])", k / n_out, k % n_out,
                             l.latent_weight[k]));
    }
    if (l.input_levels < 0 || l.input_levels > 65535)
      bad(l, fmt::format("input_levels {} is not in [0, 65535]", l.input_levels));
    const Layer& src = producer(g, l);
    if (l.input_levels == 0 && (src.bitwise == Bitwise::None || src.op != OpKind::Dense))
      bad(l, fmt::format("its input '{}' is not a bitwise layer (give input_levels to quantize an "
                         "analog input)", src.name));
    const double max_z = static_cast<double>(n_in) * std::max(1, l.input_levels);
    if (max_z >= kMaxExact) bad(l, fmt::format("fan-in {} x input levels exceeds 2^24 (inexact in float)", n_in));
    if (output) {
      if (!l.threshold_hi.empty() || !l.threshold_lo.empty())
        bad(l, "the output layer has thresholds (it is the readout: weight_scale * z + bias)");
      if (!l.bias.empty() && l.bias.size() != n_out) bad(l, "bias size differs from the outputs");
      continue;
    }
    if (!l.bias.empty()) bad(l, "a hidden bitwise layer has a bias (fold it into its thresholds)");
    per_output(l, l.threshold_hi, "threshold_hi", n_out);
    if (ternary) per_output(l, l.threshold_lo, "threshold_lo", n_out);
    else if (!l.threshold_lo.empty()) bad(l, "'threshold_lo' on a binary layer (its outputs are +-1)");
    for (std::size_t o = 0; o < n_out; ++o) {
      const float hi = l.threshold_hi[o];
      if (std::fabs(hi) >= kMaxExact || hi != std::floor(hi))
        bad(l, fmt::format("threshold_hi[{}] is {} (must be an integer below 2^24)", o, hi));
      if (!ternary) continue;
      const float lo = l.threshold_lo[o];
      if (std::fabs(lo) >= kMaxExact || lo != std::floor(lo))
        bad(l, fmt::format("threshold_lo[{}] is {} (must be an integer below 2^24)", o, lo));
      if (!(lo < hi)) bad(l, fmt::format("threshold_lo[{}] = {} is not below threshold_hi = {}", o, lo, hi));
    }
  }
}

void bitwise_forward(const Layer& l, bool is_output, std::span<const float> x, std::vector<float>& y) {
  const std::size_t n_in = static_cast<std::size_t>(l.weight_shape[0]);
  const std::size_t n_out = static_cast<std::size_t>(l.weight_shape[1]);
  y.assign(n_out, 0.0f);
  const float levels = static_cast<float>(l.input_levels);
  for (std::size_t i = 0; i < n_in; ++i) {
    const float a = l.input_levels > 0 ? std::nearbyint(x[i] * levels) : x[i];
    if (a == 0.0f) continue;
    const float* row = l.weight.data() + i * n_out;
    for (std::size_t o = 0; o < n_out; ++o) y[o] += a * row[o];
  }
  if (is_output) {
    for (std::size_t o = 0; o < n_out; ++o)
      y[o] = y[o] * l.weight_scale[o] + (l.bias.empty() ? 0.0f : l.bias[o]);
    return;
  }
  const bool ternary = l.bitwise == Bitwise::Ternary;
  for (std::size_t o = 0; o < n_out; ++o) {
    const float z = y[o];
    if (z >= l.threshold_hi[o]) y[o] = 1.0f;
    else y[o] = (!ternary || z <= l.threshold_lo[o]) ? -1.0f : 0.0f;
  }
}

}  // namespace brisk
