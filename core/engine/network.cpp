#include <brisk/core/engine/network.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <brisk/core/base/error.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>
#include <brisk/core/engine/plan_passes.hpp>

namespace brisk {

namespace {

using ops::fail;

bool is_radix_timed(NeuronKind n) { return n == NeuronKind::Radix; }

KernelKind kernel_of(const Layer& l, bool radix_net) {
  switch (l.op) {
    case OpKind::Input: return KernelKind::Input;
    case OpKind::Dense: return KernelKind::Dense;
    case OpKind::Conv2D: return KernelKind::Conv2D;
    case OpKind::AvgPool2D: return KernelKind::AvgPool2D;
    case OpKind::MaxPool2D: return radix_net ? KernelKind::MaxPool2DRadix : KernelKind::MaxPool2D;
    case OpKind::GlobalAvgPool2D: return KernelKind::GlobalAvgPool;
    case OpKind::Flatten:
    case OpKind::Activation: return KernelKind::Identity;
    case OpKind::Reshape:
      if (l.out_shape.size() != 1) fail(l, "Reshape to an image is not supported by the engine");
      return KernelKind::Identity;
    case OpKind::ZeroPad2D: return KernelKind::ZeroPad2D;
    case OpKind::Affine: return KernelKind::Affine;
    case OpKind::Add: return KernelKind::Add;
    case OpKind::Concat: return KernelKind::Concat;
  }
  fail(l, "unknown operator");
}

void set_geometry(const Layer& l, PlanLayer& p) {
  if (l.out_shape.size() == 3) {
    p.image = true;
    p.c = l.out_shape[0], p.h = l.out_shape[1], p.w = l.out_shape[2];
  } else if (l.out_shape.size() == 1) {
    p.c = l.out_shape[0];
  } else {
    fail(l, fmt::format("output shape {} is neither an image nor a vector",
                        shape_str(l.out_shape)));
  }
  p.to_graph.resize(p.size());
  if (p.image) {
    for (int y = 0; y < p.h; ++y)
      for (int x = 0; x < p.w; ++x)
        for (int c = 0; c < p.c; ++c)
          p.to_graph[(static_cast<std::size_t>(y) * p.w + x) * p.c + c] = (c * p.h + y) * p.w + x;
  } else {
    std::iota(p.to_graph.begin(), p.to_graph.end(), 0);
  }
}

std::vector<float> expand_threshold(const Layer& l, const LayerSpec& s, int channels) {
  std::vector<float> th;
  if (s.threshold.size() == 1)
    th.assign(channels, s.threshold[0]);
  else if (s.threshold.size() == static_cast<std::size_t>(channels))
    th = s.threshold;
  else
    fail(l, fmt::format("{} thresholds given, expected 1 or {} (one per channel)",
                        s.threshold.size(), channels));
  for (float t : th)
    if (!(t > 0.0f) || !std::isfinite(t)) fail(l, "thresholds must be positive and finite");
  return th;
}

std::vector<float> expand_v0(const Layer& l, const LayerSpec& s, const PlanLayer& p) {
  if (s.v0.empty()) return {};
  std::vector<float> v(p.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const std::size_t c = i % static_cast<std::size_t>(p.c);
    if (s.v0.size() == 1) v[i] = s.v0[0];
    else if (s.v0.size() == static_cast<std::size_t>(p.c)) v[i] = s.v0[c];
    else if (s.v0.size() == p.size()) v[i] = s.v0[static_cast<std::size_t>(p.to_graph[i])];
    else fail(l, fmt::format("{} initial potentials given, expected 1, {} or {}", s.v0.size(), p.c, p.size()));
  }
  return v;
}

void set_neurons(const Layer& l, const LayerSpec& s, PlanLayer& p) {
  p.leak = s.leak;
  p.reset = s.reset;
  p.radix_base = s.radix_base;
  p.radix_digits = s.radix_digits;
  p.max_coefficient = s.max_coefficient;
  p.negative_only_if_positive = s.negative_only_if_positive;
  if (p.neuron == NeuronKind::None) return;
  if (!(s.leak > 0.0f && s.leak <= 1.0f)) fail(l, "leak must be in (0, 1]");
  if (s.max_coefficient < 0) fail(l, "max_coefficient must be >= 0");
  if (p.neuron == NeuronKind::Radix || p.neuron == NeuronKind::Readout) {
    if (s.radix_base < 2 || s.radix_digits < 1 ||
        std::pow(static_cast<double>(s.radix_base), s.radix_digits) > 16777216.0)
      fail(l, "radix base^digits must be in [2, 2^24]");
  }
  p.threshold = expand_threshold(l, s, p.c);
  p.v0 = expand_v0(l, s, p);
  neurons::Params np;
  np.leak = s.leak;
  np.reset_to_zero = s.reset == ResetMode::Zero;
  np.radix_base = s.radix_base;
  np.radix_digits = s.radix_digits;
  np.max_coefficient = s.max_coefficient;
  np.negative_only_if_positive = s.negative_only_if_positive;
  p.model = neurons::make_model(p.neuron, np);
  if (!p.model) fail(l, "unknown neuron model");
}

// Pipelined timing: a radix layer integrates K digits then emits K digits; everything
// else works at every step from the first one.
void set_timing(const Layer& l, const std::vector<PlanLayer>& plan, const SnnSpec& spec,
                bool radix_net, PlanLayer& p) {
  if (p.kernel == KernelKind::Input) {
    p.analog = spec.encoder == EncoderKind::Direct;
    p.emit_start = 0;
    p.emit_steps = spec.encoder == EncoderKind::Radix ? spec.input_radix_digits : spec.timesteps;
    return;
  }
  const PlanLayer& first = plan[static_cast<std::size_t>(l.inputs.front())];
  bool any_analog = false, all_analog = true;
  int latest = first.emit_start;
  for (int i : l.inputs) {
    const PlanLayer& in = plan[static_cast<std::size_t>(i)];
    any_analog |= in.analog;
    all_analog &= in.analog;
    if (!in.analog) latest = std::max(latest, in.emit_start);
  }
  if (radix_net && !all_analog && l.inputs.size() > 1) {
    // Branches of unequal depth: the earlier ones wait (their trains are kept).
    bool delayed = false;
    for (int i : l.inputs) {
      const PlanLayer& in = plan[static_cast<std::size_t>(i)];
      p.input_delay.push_back(latest - in.emit_start);
      delayed |= latest != in.emit_start;
      if (in.emit_steps != first.emit_steps)
        fail(l, "radix inputs send different digit counts");
    }
    if (!delayed) p.input_delay.clear();
  }
  if (any_analog && !all_analog) fail(l, "mixes analog (direct input) and spiking inputs");
  p.window_start = all_analog ? 0 : latest;
  if (p.neuron == NeuronKind::None) {
    p.analog = all_analog;
    p.emit_start = p.window_start;
    p.emit_steps = first.emit_steps;
  } else if (radix_net) {
    if (p.neuron != NeuronKind::Radix && p.neuron != NeuronKind::Readout)
      fail(l, "a radix network takes only Radix, Readout or None neurons");
    if (!all_analog && first.emit_steps != p.radix_digits)
      fail(l, fmt::format("integrates {} digits but its input sends {}", p.radix_digits,
                          first.emit_steps));
    p.emit_start = p.window_start + p.radix_digits;
    p.emit_steps = p.radix_digits;
  } else {
    p.emit_start = 0;
    p.emit_steps = spec.timesteps;
  }
}

// Whether every column o of a Dense layer's weights is a_o * {-1, 0, +1} (a_o > 0) and
// every partial sum b_o + a_o k, |k| <= inputs, is a float: then the float rows' sum over
// +-1 inputs, in any order, equals b_o + a_o * (its popcount integer) exactly. Both a_o and
// b_o are integer multiples of 2^q (q: the lowest set bit of either), so the partial sums
// are, and they are exact while |b_o| + a_o * inputs < 2^(24 + q).
bool exact_scaled_signs(const Layer& l, float bias_scale) {
  if (l.op != OpKind::Dense || l.weight_shape.size() != 2) return false;
  const int nin = l.weight_shape[0], nout = l.weight_shape[1];
  auto low_bit = [](float x) {  // exponent of the lowest set bit of x != 0
    int e = 0;
    const double m = std::frexp(static_cast<double>(x), &e);
    auto mant = static_cast<std::int64_t>(std::ldexp(std::abs(m), 24));
    int q = e - 24;
    while ((mant & 1) == 0) mant >>= 1, ++q;
    return q;
  };
  for (int o = 0; o < nout; ++o) {
    float a = 0.0f;
    for (int i = 0; i < nin; ++i) a = std::max(a, std::abs(l.weight[static_cast<std::size_t>(i) * nout + o]));
    if (!(a > 0.0f) || !std::isfinite(a)) return false;
    for (int i = 0; i < nin; ++i) {
      const float w = std::abs(l.weight[static_cast<std::size_t>(i) * nout + o]);
      if (w != a && w != 0.0f) return false;
    }
    const float b = l.bias.empty() ? 0.0f : l.bias[static_cast<std::size_t>(o)] * bias_scale;
    if (!std::isfinite(b)) return false;
    const int q = b == 0.0f ? low_bit(a) : std::min(low_bit(a), low_bit(b));
    if (std::abs(static_cast<double>(b)) + static_cast<double>(a) * nin >= std::ldexp(1.0, 24 + q)) return false;
  }
  return true;
}

}  // namespace

SpikingNetwork compile(const Graph& g, const SnnSpec& spec, const CompileOptions& opts) {
  if (g.layers.empty() || g.layers.front().op != OpKind::Input)
    throw InputError("network: the first layer must be the Input");
  if (spec.layers.size() != g.layers.size())
    throw InputError(fmt::format("network: the spiking spec has {} layers, the graph {}",
                                 spec.layers.size(), g.layers.size()));
  if (g.output <= 0 || g.output >= static_cast<int>(g.layers.size()))
    throw InputError("network: the output layer is not set");
  if (!(spec.input_scale > 0.0f)) throw InputError("network: input_scale must be positive");
  bool radix_net = spec.encoder == EncoderKind::Radix;
  for (const auto& s : spec.layers) radix_net |= is_radix_timed(s.neuron);
  if (!radix_net && spec.timesteps < 1) throw InputError("network: timesteps must be >= 1");
  if (spec.encoder == EncoderKind::Radix &&
      (spec.input_radix_base < 2 || spec.input_radix_digits < 1))
    throw InputError("network: input radix base must be >= 2 and digits >= 1");

  SpikingNetwork net;
  net.spec_ = spec;
  net.options_ = opts;
  net.radix_ = radix_net;
  net.output_ = g.output;
  net.input_shape_ = g.layers.front().out_shape;
  auto& plan = net.layers_;
  plan.reserve(g.layers.size());
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const Layer& l = g.layers[i];
    const LayerSpec& s = spec.layers[i];
    PlanLayer p;
    p.name = l.name;
    p.kernel = kernel_of(l, radix_net);
    if (opts.bitwise_kernels && l.bitwise != Bitwise::None && p.kernel == KernelKind::Dense &&
        !radix_net && !l.inputs.empty() && l.inputs.front() < static_cast<int>(i)) {
      if (!plan[static_cast<std::size_t>(l.inputs.front())].analog) {
        p.kernel = KernelKind::BitDense;  // ops/bitdense.cpp
      } else if (spec.input_levels > 0 && spec.input_levels <= 255) {
        // The analog first layer: integer levels as bit planes (ops/bitdense.cpp).
        p.kernel = KernelKind::BitDense;
        while ((1 << p.bit_planes) <= spec.input_levels) ++p.bit_planes;
      }
    }
    // The readout of a bitwise net, fed a BitDense layer's +-1 spikes, with weights a_o * {-1, 0, 1}
    // that popcounts times a_o give exactly as the float rows sum them (exact_scaled_signs).
    if (opts.bitwise_kernels && p.kernel == KernelKind::Dense && !radix_net &&
        static_cast<int>(i) == g.output && l.inputs.size() == 1 && l.inputs.front() < static_cast<int>(i) &&
        plan[static_cast<std::size_t>(l.inputs.front())].kernel == KernelKind::BitDense &&
        plan[static_cast<std::size_t>(l.inputs.front())].neuron == NeuronKind::DoubleThreshold &&
        exact_scaled_signs(l, s.bias_scale))
      p.kernel = KernelKind::BitDense;
    p.neuron = p.kernel == KernelKind::Input ? NeuronKind::None : s.neuron;
    p.inputs = l.inputs;
    set_geometry(l, p);
    if (p.kernel != KernelKind::Input && l.inputs.empty()) fail(l, "has no input");
    for (int in : l.inputs)
      if (in < 0 || in >= static_cast<int>(i)) fail(l, "inputs are not in topological order");
    const bool is_output = static_cast<int>(i) == g.output;
    if (is_output != (p.neuron == NeuronKind::Readout))
      fail(l, is_output ? "the output layer needs NeuronKind::Readout"
                        : "only the output layer may be a Readout");
    if (p.kernel != KernelKind::Input) {
      const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
      p.in_c = in.c, p.in_h = in.h, p.in_w = in.w;
      ops::op_traits(p.kernel).pack(l, plan, p);
      const std::vector<float>& b = l.op == OpKind::Affine ? l.shift : l.bias;
      if (!b.empty()) {
        if (b.size() != static_cast<std::size_t>(p.c)) fail(l, "bias size mismatch");
        p.bias = b;
        for (float& x : p.bias) x *= s.bias_scale;
        if (p.neuron == NeuronKind::None) {
          if (std::any_of(b.begin(), b.end(), [](float x) { return x != 0.0f; }))
            fail(l, "a layer without neurons cannot add a bias/shift (fold it first)");
          p.bias.clear();
        }
      }
      // Bit planes give the exact integer sum; the float rows round like it only while
      // every partial sum (bias included) is an integer below 2^24.
      if (p.bit_planes > 0) {
        const double top = static_cast<double>(p.in_c) * p.in_h * p.in_w * ((1 << p.bit_planes) - 1);
        for (float b : p.bias)
          if (b != std::nearbyint(b) || std::abs(static_cast<double>(b)) + top >= 16777216.0)
            p.bit_planes = 0;
        if (top >= 16777216.0) p.bit_planes = 0;
        if (p.bit_planes == 0) p.bits_t.clear();
      }
    }
    set_neurons(l, s, p);
    net.ann_macs_ += p.macs;
    set_timing(l, plan, spec, radix_net, p);
    plan.push_back(std::move(p));
  }
  const PlanLayer& out = plan[static_cast<std::size_t>(g.output)];
  net.total_steps_ = radix_net ? out.window_start + out.radix_digits : spec.timesteps;
  mark_constant_drive_if(plan);
  net.links_.assign(plan.size(), ValueLink{});
  if (radix_net && opts.radix_fold && opts.radix_values) net.links_ = plan_value_links(net);
  return net;
}

}  // namespace brisk
