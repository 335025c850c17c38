#include <brisk/conversion/mapping.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include <brisk/conversion/passes/branches.hpp>
#include <brisk/conversion/passes/fold_batchnorm.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk {

Method parse_method(const std::string& name) {
  if (name == "rate" || name == "if") return Method::Rate;
  if (name == "radix") return Method::Radix;
  if (name == "termap") return Method::TerMap;
  if (name == "augmap") return Method::AugMap;
  throw UsageError(fmt::format(
      "--method: unknown method '{}' (expected rate, radix, termap or augmap)", name));
}

const char* method_name(Method m) {
  switch (m) {
    case Method::Rate: return "rate";
    case Method::Radix: return "radix";
    case Method::TerMap: return "termap";
    case Method::AugMap: return "augmap";
  }
  return "?";
}

namespace {

bool is_weighted(OpKind op) { return op == OpKind::Dense || op == OpKind::Conv2D; }
bool is_relu_family(Act a) { return a == Act::ReLU || a == Act::ClippedReLU || a == Act::QCFS; }

std::vector<std::vector<int>> consumers_of(const Graph& g) {
  std::vector<std::vector<int>> out(g.layers.size());
  for (std::size_t i = 0; i < g.layers.size(); ++i)
    for (int p : g.layers[i].inputs) out[static_cast<std::size_t>(p)].push_back(static_cast<int>(i));
  return out;
}

// Drops layer `victim` (a single-input layer), rewiring its consumers to its producer.
void drop_layer(Graph& g, int victim) {
  const int producer = g.layers[static_cast<std::size_t>(victim)].inputs.at(0);
  for (auto& l : g.layers)
    for (int& in : l.inputs) {
      if (in == victim) in = producer;
      else if (in > victim) --in;
    }
  if (g.output == victim) g.output = producer;
  else if (g.output > victim) --g.output;
  g.layers.erase(g.layers.begin() + victim);
}

// Fuses stand-alone activations into a linear weighted producer that feeds only them;
// a linear Activation is the identity. Importers normally fuse already; this keeps
// conversion correct for graphs built in code.
void fuse_activations(Graph& g) {
  for (int i = static_cast<int>(g.layers.size()) - 1; i > 0; --i) {
    Layer& act = g.layers[static_cast<std::size_t>(i)];
    if (act.op != OpKind::Activation || act.inputs.size() != 1) continue;
    const int p = act.inputs[0];
    Layer& prod = g.layers[static_cast<std::size_t>(p)];
    const auto consumers = consumers_of(g);
    const bool sole = consumers[static_cast<std::size_t>(p)].size() == 1 && g.output != p;
    if (act.act == Act::Linear) {
      drop_layer(g, i);
    } else if (sole && prod.act == Act::Linear &&
               (is_weighted(prod.op) || prod.op == OpKind::Add || prod.op == OpKind::Affine)) {
      copy_activation(prod, act);
      drop_layer(g, i);
    }
  }
}

}  // namespace

Graph prepare_for_conversion(Graph g) {
  validate(g);
  fold_batchnorm(g);
  fuse_activations(g);
  validate(g);
  canonicalize_branches(g);
  layer_roles(g);  // throws for unconvertible layers
  return g;
}

std::vector<Role> layer_roles(const Graph& g) {
  std::vector<Role> roles(g.layers.size(), Role::Routing);
  const auto consumers = consumers_of(g);
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const Layer& l = g.layers[i];
    const bool output = static_cast<int>(i) == g.output;
    auto error = [&](const std::string& why) {
      return InputError(fmt::format("layer '{}' ({}): {}", l.name, op_name(l.op), why));
    };
    const bool current = is_current_layer(g, static_cast<int>(i));
    switch (l.op) {
      case OpKind::Input: roles[i] = Role::Input; break;
      case OpKind::Dense:
      case OpKind::Conv2D:
        if (output) {
          if (l.act != Act::Linear && l.act != Act::Softmax)
            throw error("the output layer must be linear or softmax (the readout keeps logits)");
          roles[i] = Role::Readout;
        } else if (is_relu_family(l.act)) {
          roles[i] = Role::Neurons;
        } else if (current) {
          roles[i] = Role::Synapse;
        } else {
          throw error("a hidden layer needs a ReLU-family activation to become spiking neurons "
                      "(or must feed only Adds, as the last op of a residual branch)");
        }
        break;
      case OpKind::Affine:
        if (output) throw error("the output layer must be Dense or Conv2D (the readout)");
        if (is_relu_family(l.act)) roles[i] = Role::Neurons;
        else if (current) roles[i] = Role::Synapse;
        else
          throw error("an unfolded BatchNorm (Affine) must be followed by a ReLU or feed an Add; "
                      "fold it into the preceding layer");
        break;
      case OpKind::Add:
        if (output) throw error("the output layer must be Dense or Conv2D (the readout)");
        for (int p : l.inputs)
          if (!is_current_layer(g, p))
            throw error(fmt::format("input '{}' ({}) is not a synaptic current (a linear Dense, "
                                    "Conv2D or BatchNorm feeding only Adds)",
                                    g.layers[static_cast<std::size_t>(p)].name,
                                    op_name(g.layers[static_cast<std::size_t>(p)].op)));
        if (is_relu_family(l.act)) {
          roles[i] = Role::Neurons;
          break;
        }
        for (int k : consumers[i]) {
          const Layer& c = g.layers[static_cast<std::size_t>(k)];
          if (c.op != OpKind::Add && c.op != OpKind::Affine)
            throw error(fmt::format(
                "its output has no ReLU and feeds '{}' ({}); the spiking population of a "
                "residual block sits at a ReLU after the Add (or after a BatchNorm of the sum)",
                c.name, op_name(c.op)));
        }
        roles[i] = Role::Routing;
        break;
      case OpKind::AvgPool2D:
      case OpKind::MaxPool2D:
      case OpKind::GlobalAvgPool2D:
      case OpKind::Flatten:
      case OpKind::Reshape:
      case OpKind::ZeroPad2D:
      case OpKind::Concat:
        if (output) throw error("the output layer must be Dense or Conv2D (the readout)");
        roles[i] = Role::Routing;
        break;
      case OpKind::Activation:
        throw error("a stand-alone activation that cannot be fused into a linear producer");
    }
  }
  return roles;
}

int resolved_radix_digits(const Graph& g, const MappingOptions& o) {
  if (o.radix_digits > 0) return o.radix_digits;
  for (const auto& l : g.layers)
    if (l.act_bits > 0) return l.act_bits;
  return 8;
}

Quantizer method_quantizer(const MappingOptions& o, int radix_digits) {
  Quantizer q;
  const double offset = o.half_v0 ? 0.5 : 0.0;
  switch (o.method) {
    case Method::Rate:
    case Method::TerMap:
      q.levels = q.max_index = o.timesteps;
      q.offset = offset;
      break;
    case Method::AugMap:
      q.levels = q.max_index = double(o.timesteps) * ((1 << o.aug_bits) - 1);
      q.offset = offset;
      break;
    case Method::Radix:
      q.levels = std::pow(double(o.radix_base), radix_digits);
      q.max_index = q.levels - 1;
      q.offset = 0;
      break;
  }
  return q;
}

namespace {

// Expands a layer's per-layer or per-channel values to its output elements.
std::vector<float> per_element(const Layer& l, const std::vector<float>& per_channel) {
  const std::size_t n = shape_size(l.out_shape);
  const std::size_t channels = static_cast<std::size_t>(l.out_shape.at(0));
  const std::size_t spatial = n / channels;
  std::vector<float> out(n);
  for (std::size_t i = 0; i < n; ++i)
    out[i] = per_channel.size() == 1 ? per_channel[0] : per_channel.at(i / spatial);
  return out;
}

// Routes a per-element vector through one weightless layer with the reference forward
// pass (pooling averages equal values to themselves, Flatten reorders, padding adds
// zeros), so event scales follow exactly the element order the engine uses.
std::vector<float> route(const Graph& g, int layer, const std::vector<std::vector<float>>& in) {
  const Layer& l = g.layers[static_cast<std::size_t>(layer)];
  if (l.op == OpKind::Concat) {
    std::vector<float> out;
    for (int p : l.inputs) {
      const auto& v = in[static_cast<std::size_t>(p)];
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  }
  if (l.op == OpKind::Add) {
    const auto& first = in[static_cast<std::size_t>(l.inputs[0])];
    for (int p : l.inputs)
      if (in[static_cast<std::size_t>(p)] != first)
        throw InputError(fmt::format(
            "layer '{}' (Add): its inputs carry different spike scales; use one threshold "
            "for the summed layers (--balance per layer) or an ANN without this residual",
            l.name));
    return first;
  }
  Graph sub;
  Layer input;
  input.name = "input";
  input.op = OpKind::Input;
  input.out_shape = g.layers[static_cast<std::size_t>(l.inputs[0])].out_shape;
  sub.layers.push_back(input);
  Layer copy = l;
  copy.inputs = {0};
  copy.act = Act::Linear;
  sub.layers.push_back(copy);
  sub.output = 1;
  infer_shapes(sub);
  return forward(sub, in[static_cast<std::size_t>(l.inputs[0])]);
}

}  // namespace

std::vector<std::vector<float>> event_scales(const Graph& g, const SnnSpec& spec) {
  const auto roles = layer_roles(g);
  std::vector<std::vector<float>> scales(g.layers.size());
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const Layer& l = g.layers[i];
    const std::size_t n = shape_size(l.out_shape);
    switch (roles[i]) {
      case Role::Input:
        scales[i].assign(n, spec.encoder == EncoderKind::Direct ? 1.0f : spec.input_scale);
        break;
      case Role::Neurons: scales[i] = per_element(l, spec.layers.at(i).threshold); break;
      case Role::Readout:
      case Role::Synapse: scales[i].assign(n, 1.0f); break;
      case Role::Routing: scales[i] = route(g, static_cast<int>(i), scales); break;
    }
  }
  return scales;
}

EncoderKind default_encoder(Method) { return EncoderKind::Direct; }

void check_encoder(EncoderKind e, bool network_is_radix, const std::string& method) {
  if (network_is_radix && (e == EncoderKind::Rate || e == EncoderKind::Augmented))
    throw UsageError(fmt::format(
        "--encoder {}: a {} network integrates base-B digits by shift-and-add; its input must be "
        "direct or radix",
        encoders::name(e), method));
  if (!network_is_radix && e == EncoderKind::Radix)
    throw UsageError(fmt::format(
        "--encoder radix: only radix neurons weigh digits by shift-and-add; a {} network reads "
        "direct, rate or augmented input",
        method));
}

void set_encoder(Conversion& c, EncoderKind e, float input_max, int aug_bits) {
  SnnSpec& spec = c.spec;
  const LayerSpec* radix_layer = nullptr;
  for (const auto& l : spec.layers)
    if (l.neuron == NeuronKind::Radix && !radix_layer) radix_layer = &l;
  check_encoder(e, radix_layer != nullptr, spec.method);
  if (e == EncoderKind::Augmented && (aug_bits < 1 || aug_bits > 16))
    throw UsageError(fmt::format("--aug-bits must be in [1, 16], got {}", aug_bits));
  if (!(input_max > 0) || !std::isfinite(input_max)) input_max = 1.0f;

  const float old_event = spec.encoder == EncoderKind::Direct ? 1.0f : spec.input_scale;
  spec.encoder = e;
  spec.layers.front().max_coefficient = 0;
  switch (e) {
    case EncoderKind::Direct: spec.input_scale = 1.0f; break;
    case EncoderKind::Rate: spec.input_scale = input_max; break;
    case EncoderKind::Radix:
      spec.input_scale = input_max;
      spec.input_radix_base = radix_layer->radix_base;
      spec.input_radix_digits = radix_layer->radix_digits;
      break;
    case EncoderKind::Augmented: {
      const int max_coefficient = (1 << aug_bits) - 1;
      spec.layers.front().max_coefficient = max_coefficient;
      spec.input_scale = input_max / static_cast<float>(max_coefficient);
      break;
    }
  }
  const float new_event = e == EncoderKind::Direct ? 1.0f : spec.input_scale;
  if (new_event == old_event) return;

  // The weighted layers that read the input (through weightless routing) see its events
  // on the new scale.
  const auto roles = layer_roles(c.graph);
  std::vector<char> carries(c.graph.layers.size(), 0);
  const float ratio = new_event / old_event;
  for (std::size_t i = 0; i < c.graph.layers.size(); ++i) {
    Layer& l = c.graph.layers[i];
    if (roles[i] == Role::Input) {
      carries[i] = 1;
      continue;
    }
    if (roles[i] == Role::Routing) {
      std::size_t n = 0;
      for (int p : l.inputs) n += carries[static_cast<std::size_t>(p)] ? 1 : 0;
      if (n != 0 && n != l.inputs.size())
        throw UsageError(fmt::format(
            "--encoder: layer '{}' joins the input with spiking layers; convert the model "
            "again with --encoder instead",
            l.name));
      carries[i] = n != 0;
      continue;
    }
    if (is_weighted(l.op) && carries[static_cast<std::size_t>(l.inputs.at(0))])
      for (float& w : l.weight) w *= ratio;
    if (l.op == OpKind::Affine && carries[static_cast<std::size_t>(l.inputs.at(0))])
      for (float& w : l.scale) w *= ratio;
  }
}

void rescale_weights(const Graph& ann_units, const SnnSpec& spec, Graph& graph) {
  const auto scales = event_scales(ann_units, spec);
  for (std::size_t i = 0; i < graph.layers.size(); ++i) {
    const Layer& src = ann_units.layers[i];
    Layer& dst = graph.layers[i];
    if (src.op == OpKind::Add) dst.bias = src.bias;  // a population's summed branch biases
    if (src.op == OpKind::Affine) {  // per channel: scale times the input's event scale
      const auto& s = scales[static_cast<std::size_t>(src.inputs.at(0))];
      const std::size_t spatial = s.size() / src.scale.size();
      dst.shift = src.shift;
      for (std::size_t c = 0; c < src.scale.size(); ++c) dst.scale[c] = src.scale[c] * s[c * spatial];
      continue;
    }
    if (!is_weighted(src.op)) continue;
    const auto& s = scales[static_cast<std::size_t>(src.inputs.at(0))];
    dst.weight = src.weight;
    dst.bias = src.bias;
    if (src.op == OpKind::Dense) {
      const std::size_t in = static_cast<std::size_t>(src.weight_shape[0]);
      const std::size_t out = static_cast<std::size_t>(src.weight_shape[1]);
      for (std::size_t r = 0; r < in; ++r)
        for (std::size_t o = 0; o < out; ++o) dst.weight[r * out + o] *= s[r];
    } else {
      const std::size_t cout = static_cast<std::size_t>(src.weight_shape[0]);
      const std::size_t cin = static_cast<std::size_t>(src.weight_shape[1]);
      const std::size_t taps = static_cast<std::size_t>(src.weight_shape[2] * src.weight_shape[3]);
      const std::size_t spatial = s.size() / cin;
      for (std::size_t o = 0; o < cout; ++o)
        for (std::size_t c = 0; c < cin; ++c)
          for (std::size_t k = 0; k < taps; ++k) dst.weight[(o * cin + c) * taps + k] *= s[c * spatial];
    }
  }
}

Graph quantized_ann(const Graph& ann, const std::vector<std::vector<float>>& lambda, int bits) {
  Graph q = ann;
  const auto roles = layer_roles(ann);
  for (std::size_t i = 0; i < q.layers.size(); ++i) {
    if (roles[i] != Role::Neurons) continue;
    if (lambda[i].size() != 1)
      throw UsageError(fmt::format(
          "--per-channel: radix needs one clip value per layer (layer '{}')", q.layers[i].name));
    q.layers[i].act = Act::ClippedReLU;
    q.layers[i].act_max = lambda[i][0];
    q.layers[i].act_bits = bits;
  }
  return q;
}

namespace {

LayerSpec neuron_spec(const MappingOptions& o, const std::vector<float>& lambda, int digits) {
  LayerSpec s;
  s.reset = o.reset;
  s.threshold = lambda;
  auto half_v0 = [&] {
    if (!o.half_v0) return;
    s.v0 = s.threshold;
    for (float& v : s.v0) v *= 0.5f;
  };
  switch (o.method) {
    case Method::Rate:
      s.neuron = NeuronKind::IF;
      half_v0();
      break;
    case Method::TerMap:
      s.neuron = NeuronKind::DoubleThreshold;
      s.negative_only_if_positive = true;
      half_v0();
      break;
    case Method::AugMap:
      s.neuron = NeuronKind::Augmented;
      s.max_coefficient = (1 << o.aug_bits) - 1;
      for (float& t : s.threshold) t /= static_cast<float>(s.max_coefficient);
      half_v0();
      break;
    case Method::Radix:
      s.neuron = NeuronKind::Radix;
      s.radix_base = o.radix_base;
      s.radix_digits = digits;
      break;
  }
  return s;
}

void check_options(const MappingOptions& o) {
  if (o.timesteps <= 0)
    throw UsageError(fmt::format("--timesteps must be positive, got {}", o.timesteps));
  if (o.radix_base < 2 || o.radix_base > 256)
    throw UsageError(fmt::format("--radix-base must be in [2, 256], got {}", o.radix_base));
  if (o.radix_digits < 0 || o.radix_digits > 24)
    throw UsageError(fmt::format("--radix-digits must be in [1, 24], got {}", o.radix_digits));
  if (o.aug_bits < 1 || o.aug_bits > 16)
    throw UsageError(fmt::format("--aug-bits must be in [1, 16], got {}", o.aug_bits));
}

// log2(B^K) when B is a power of two: the bit width of the quantized ANN.
int radix_bits(int base, int digits) {
  int log2b = 0;
  while ((1 << log2b) < base) ++log2b;
  if ((1 << log2b) != base) return 0;
  return log2b * digits;
}

}  // namespace

Graph reference_ann(const Conversion& c) {
  if (c.spec.method != "radix") return c.ann;
  for (std::size_t i = 0; i < c.spec.layers.size(); ++i) {
    const LayerSpec& s = c.spec.layers[i];
    if (s.neuron != NeuronKind::Radix) continue;
    const int bits = radix_bits(s.radix_base, s.radix_digits);
    if (bits == 0) return c.ann;  // base not a power of two: no clip-floor ANN to compare with
    return quantized_ann(c.ann, c.lambda, bits);
  }
  return c.ann;
}

Conversion map_network(const Graph& ann, const std::vector<std::vector<float>>& lambda,
                       const MappingOptions& o) {
  check_options(o);
  const auto roles = layer_roles(ann);
  if (lambda.size() != ann.layers.size())
    throw InternalError("map_network: one lambda entry per layer expected");
  const int digits = resolved_radix_digits(ann, o);

  Conversion c;
  c.lambda = lambda;
  c.spec.layers.resize(ann.layers.size());
  c.spec.method = method_name(o.method);
  c.spec.encoder = EncoderKind::Direct;
  c.spec.input_scale = 1.0f;
  c.spec.timesteps = o.method == Method::Radix ? digits : o.timesteps;
  for (std::size_t i = 0; i < ann.layers.size(); ++i) {
    LayerSpec& s = c.spec.layers[i];
    switch (roles[i]) {
      case Role::Input:
      case Role::Routing:
      case Role::Synapse: s.neuron = NeuronKind::None; break;
      case Role::Readout:
        s.neuron = NeuronKind::Readout;
        if (o.method == Method::Radix) {
          s.radix_base = o.radix_base;
          s.radix_digits = digits;
        }
        break;
      case Role::Neurons:
        if (lambda[i].empty() || !std::all_of(lambda[i].begin(), lambda[i].end(),
                                              [](float v) { return v > 0 && std::isfinite(v); }))
          throw InternalError(fmt::format("map_network: no valid clip value for layer '{}'",
                                          ann.layers[i].name));
        s = neuron_spec(o, lambda[i], digits);
        break;
    }
  }
  c.ann = ann;
  if (o.method == Method::Radix) reference_ann(c);  // per-channel λ: UsageError now, not at run
  c.graph = ann;
  rescale_weights(ann, c.spec, c.graph);
  return c;
}

}  // namespace brisk
