#include <brisk/core/graph/graph.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <cstdint>
#include <utility>

#include <brisk/core/base/error.hpp>

namespace brisk {

namespace {

// The one table of operator names (the names files use: native schema, SNN file). An
// enumerator missing here has no name and cannot be read back: tests check every one.
struct OpEntry {
  OpKind op;
  const char* name;
};
constexpr OpEntry kOpNames[] = {
    {OpKind::Input, "Input"},
    {OpKind::Dense, "Dense"},
    {OpKind::Conv2D, "Conv2D"},
    {OpKind::AvgPool2D, "AvgPool2D"},
    {OpKind::MaxPool2D, "MaxPool2D"},
    {OpKind::GlobalAvgPool2D, "GlobalAvgPool2D"},
    {OpKind::Flatten, "Flatten"},
    {OpKind::Reshape, "Reshape"},
    {OpKind::ZeroPad2D, "ZeroPad2D"},
    {OpKind::Affine, "Affine"},
    {OpKind::Activation, "Activation"},
    {OpKind::Add, "Add"},
    {OpKind::Concat, "Concat"},
};

}  // namespace

std::span<const OpKind> all_ops() {
  static const auto ops = [] {
    std::array<OpKind, std::size(kOpNames)> a{};
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = kOpNames[i].op;
    return a;
  }();
  return ops;
}

const char* op_name(OpKind op) {
  for (const auto& e : kOpNames)
    if (e.op == op) return e.name;
  return "?";
}

const char* act_name(Act act) {
  switch (act) {
    case Act::Linear: return "linear";
    case Act::ReLU: return "relu";
    case Act::ClippedReLU: return "clipped_relu";
    case Act::Softmax: return "softmax";
    case Act::QCFS: return "qcfs";
  }
  return "?";
}

std::optional<OpKind> op_from_name(std::string_view name) {
  for (const auto& e : kOpNames)
    if (name == e.name) return e.op;
  return std::nullopt;
}

std::optional<Act> act_from_name(std::string_view name) {
  for (Act a : {Act::Linear, Act::ReLU, Act::ClippedReLU, Act::Softmax, Act::QCFS})
    if (name == act_name(a)) return a;
  return std::nullopt;
}

void copy_activation(Layer& dst, const Layer& src) {
  dst.act = src.act;
  dst.act_max = src.act_max;
  dst.act_bits = src.act_bits;
  dst.act_levels = src.act_levels;
}

const Layer& Graph::find(const std::string& name) const {
  for (const auto& l : layers)
    if (l.name == name) return l;
  throw InputError(fmt::format("no layer named '{}' in the network", name));
}

// ---------------------------------------------------------------------------------------
// Shape inference and validation
// ---------------------------------------------------------------------------------------

namespace {

[[noreturn]] void bad_layer(const Layer& l, const std::string& what) {
  throw InputError(fmt::format("layer '{}' ({}): {}", l.name, l.source_class.empty()
                                                                  ? op_name(l.op)
                                                                  : l.source_class,
                               what));
}

// Elements of one layer's per-sample tensor (and so any one dimension): shape arithmetic
// on values read from a file is done in 64 bits and refused beyond this, never wrapped.
constexpr std::int64_t kMaxLayerElements = INT32_MAX;

// A dimension computed in 64 bits, refused when it is not in [1, kMaxLayerElements].
int checked_extent(const Layer& l, std::int64_t v, const char* what) {
  if (v < 1) bad_layer(l, fmt::format("{} would be {} (an output size must be positive)", what, v));
  if (v > kMaxLayerElements)
    bad_layer(l, fmt::format("{} would be {}, beyond the limit of {}", what, v, kMaxLayerElements));
  return static_cast<int>(v);
}

// The shape checked as a whole: every dimension positive, the product within the limit.
std::vector<int> checked_shape(const Layer& l, std::vector<int> shape, const char* what) {
  if (shape.empty()) bad_layer(l, fmt::format("{} is empty", what));
  for (int d : shape)
    if (d < 1) bad_layer(l, fmt::format("{} {} has a dimension {} (dimensions must be positive)", what,
                                        shape_str(shape), d));
  if (!checked_shape_size(shape, static_cast<std::uint64_t>(kMaxLayerElements)))
    bad_layer(l, fmt::format("{} {} has more than {} elements", what, shape_str(shape),
                             kMaxLayerElements));
  return shape;
}

// Output extent of a window sliding over a padded axis; throws when the window does not fit.
int window_out(const Layer& l, int in, int pad_lo, int pad_hi, int kernel, int stride,
               const char* axis) {
  if (kernel < 1 || stride < 1 || pad_lo < 0 || pad_hi < 0)
    bad_layer(l, fmt::format("bad {} geometry: kernel {}, stride {}, pads {},{} (kernel and stride "
                             "must be >= 1, pads >= 0)",
                             axis, kernel, stride, pad_lo, pad_hi));
  const std::int64_t padded = std::int64_t{in} + pad_lo + pad_hi;
  if (padded < kernel)
    bad_layer(l, fmt::format("kernel {} larger than the padded input {} along {}", kernel, padded,
                             axis));
  if (padded > kMaxLayerElements)
    bad_layer(l, fmt::format("padded {} {} is beyond the limit of {}", axis, padded, kMaxLayerElements));
  return checked_extent(l, (padded - kernel) / stride + 1, axis);
}

std::vector<int> window_shape(const Layer& l, const std::vector<int>& in, int channels) {
  return {channels, window_out(l, in[1], l.pad_top, l.pad_bottom, l.kernel_h, l.stride_h, "height"),
          window_out(l, in[2], l.pad_left, l.pad_right, l.kernel_w, l.stride_w, "width")};
}

void require_rank(const Layer& l, const std::vector<int>& in, std::size_t rank) {
  if (in.size() != rank)
    bad_layer(l, fmt::format("expects a {}-d input, got {}", rank, shape_str(in)));
}

void check_weight(const Layer& l, const std::vector<int>& expected) {
  checked_shape(l, expected, "weight shape");
  if (l.weight_shape != expected)
    bad_layer(l, fmt::format("weight shape {} contradicts the expected {}", shape_str(l.weight_shape),
                             shape_str(expected)));
  if (l.weight.size() != shape_size(expected))
    bad_layer(l, fmt::format("weight holds {} values, shape {} needs {}", l.weight.size(),
                             shape_str(expected), shape_size(expected)));
  std::size_t out = static_cast<std::size_t>(l.op == OpKind::Dense ? expected[1] : expected[0]);
  if (!l.bias.empty() && l.bias.size() != out)
    bad_layer(l, fmt::format("bias has {} values, expected {}", l.bias.size(), out));
}

// QCFS: L in [1, 2^24] (every level index exact in float), λ positive and finite.
void check_qcfs(const Layer& l) {
  if (l.act != Act::QCFS) return;
  if (l.act_levels < 1 || l.act_levels > (1 << 24))
    bad_layer(l, fmt::format("QCFS needs an integer number of levels in [1, 2^24], got {}", l.act_levels));
  if (!(l.act_max > 0 && std::isfinite(l.act_max)))
    bad_layer(l, fmt::format("QCFS needs a positive finite threshold, got {}", l.act_max));
}

void check_activation(const Layer& l) {
  if (l.act == Act::ClippedReLU && !(l.act_max > 0 && std::isfinite(l.act_max)))
    bad_layer(l, fmt::format("clipped ReLU needs a positive finite ceiling, got {}", l.act_max));
  if (l.act_bits < 0 || l.act_bits > 24)
    bad_layer(l, fmt::format("act_bits must be in [0, 24], got {}", l.act_bits));
  if (l.act_bits > 0 && l.act != Act::ClippedReLU)
    bad_layer(l, "act_bits > 0 requires a clipped ReLU activation");
  check_qcfs(l);
}

std::vector<int> infer_one(const Graph& g, const Layer& l) {
  auto in = [&](std::size_t k) -> const std::vector<int>& {
    return g.layers[static_cast<std::size_t>(l.inputs[k])].out_shape;
  };
  const std::size_t want_inputs = (l.op == OpKind::Add || l.op == OpKind::Concat) ? 0 : 1;
  if (want_inputs == 1 && l.inputs.size() != 1)
    bad_layer(l, fmt::format("expects one input, has {}", l.inputs.size()));
  if (want_inputs == 0 && l.inputs.empty()) bad_layer(l, "has no inputs");

  switch (l.op) {
    case OpKind::Input:
      bad_layer(l, "an Input layer may only be the first layer");
    case OpKind::Dense: {
      require_rank(l, in(0), 1);
      if (l.weight_shape.size() != 2) bad_layer(l, "Dense weight must be 2-d [in][out]");
      check_weight(l, {in(0)[0], l.weight_shape[1]});
      return checked_shape(l, {l.weight_shape[1]}, "output shape");
    }
    case OpKind::Conv2D: {
      require_rank(l, in(0), 3);
      if (l.weight_shape.size() != 4) bad_layer(l, "Conv2D weight must be 4-d [cout][cin][kh][kw]");
      check_weight(l, {l.weight_shape[0], in(0)[0], l.kernel_h, l.kernel_w});
      return checked_shape(l, window_shape(l, in(0), l.weight_shape[0]), "output shape");
    }
    case OpKind::AvgPool2D:
    case OpKind::MaxPool2D:
      require_rank(l, in(0), 3);
      return checked_shape(l, window_shape(l, in(0), in(0)[0]), "output shape");
    case OpKind::GlobalAvgPool2D:
      require_rank(l, in(0), 3);
      return {in(0)[0]};
    case OpKind::Flatten: {
      if (in(0).size() != 1 && in(0).size() != 3)
        bad_layer(l, fmt::format("cannot flatten {}", shape_str(in(0))));
      // Inputs were checked when inferred; a graph built in memory may skip that.
      const auto n = checked_shape_size(in(0), static_cast<std::uint64_t>(kMaxLayerElements));
      if (!n) bad_layer(l, fmt::format("cannot flatten {} (more than {} elements)", shape_str(in(0)),
                                       kMaxLayerElements));
      return checked_shape(l, {checked_extent(l, static_cast<std::int64_t>(*n), "flattened size")},
                           "output shape");
    }
    case OpKind::Reshape: {
      // The importer sets the target shape in out_shape.
      if (l.out_shape.size() != 1 && l.out_shape.size() != 3)
        bad_layer(l, fmt::format("cannot reshape {} to {} (the target must be {{N}} or {{C,H,W}})",
                                 shape_str(in(0)), shape_str(l.out_shape)));
      for (int d : l.out_shape)
        if (d < 1)
          bad_layer(l, fmt::format("cannot reshape {} to {} (target dimensions must be positive)",
                                   shape_str(in(0)), shape_str(l.out_shape)));
      const auto target = checked_shape_size(l.out_shape, static_cast<std::uint64_t>(kMaxLayerElements));
      if (!target || *target != checked_shape_size(in(0)))
        bad_layer(l, fmt::format("cannot reshape {} to {}", shape_str(in(0)), shape_str(l.out_shape)));
      return l.out_shape;
    }
    case OpKind::ZeroPad2D:
      require_rank(l, in(0), 3);
      if (std::min({l.pad_top, l.pad_bottom, l.pad_left, l.pad_right}) < 0)
        bad_layer(l, "negative padding");
      return checked_shape(
          l,
          {in(0)[0], checked_extent(l, std::int64_t{in(0)[1]} + l.pad_top + l.pad_bottom, "padded height"),
           checked_extent(l, std::int64_t{in(0)[2]} + l.pad_left + l.pad_right, "padded width")},
          "output shape");
    case OpKind::Affine: {
      auto channels = static_cast<std::size_t>(in(0).empty() ? 0 : in(0)[0]);
      if (l.scale.size() != channels || l.shift.size() != channels)
        bad_layer(l, fmt::format("scale/shift have {}/{} values for {} channels", l.scale.size(),
                                 l.shift.size(), channels));
      return in(0);
    }
    case OpKind::Activation:
      return in(0);
    case OpKind::Add:
      for (std::size_t k = 1; k < l.inputs.size(); ++k)
        if (in(k) != in(0))
          bad_layer(l, fmt::format("adds {} to {}", shape_str(in(k)), shape_str(in(0))));
      if (!l.bias.empty() && (in(0).empty() || l.bias.size() != static_cast<std::size_t>(in(0)[0])))
        bad_layer(l, fmt::format("bias has {} values, expected one per channel", l.bias.size()));
      return in(0);
    case OpKind::Concat: {
      std::vector<int> out = in(0);
      if (out.empty()) bad_layer(l, "concatenates an empty shape");
      std::int64_t channels = out[0];
      for (std::size_t k = 1; k < l.inputs.size(); ++k) {
        const auto& s = in(k);
        if (s.size() != out.size() || !std::equal(s.begin() + 1, s.end(), out.begin() + 1))
          bad_layer(l, fmt::format("concatenates {} with {} along channels", shape_str(s),
                                   shape_str(in(0))));
        channels += s[0];
      }
      out[0] = checked_extent(l, channels, "concatenated channels");
      return checked_shape(l, out, "output shape");
    }
  }
  bad_layer(l, "unknown operation");
}

}  // namespace

void infer_shapes(Graph& g) {
  if (g.layers.empty()) throw InputError("the network has no layers");
  Layer& first = g.layers.front();
  if (first.op != OpKind::Input) bad_layer(first, "the first layer must be the Input");
  if ((first.out_shape.size() != 1 && first.out_shape.size() != 3) ||
      std::any_of(first.out_shape.begin(), first.out_shape.end(), [](int d) { return d < 1; }))
    bad_layer(first, fmt::format("input shape {} is not {{C,H,W}} or {{N}}", shape_str(first.out_shape)));
  checked_shape(first, first.out_shape, "input shape");
  check_activation(first);
  for (std::size_t i = 1; i < g.layers.size(); ++i) {
    Layer& l = g.layers[i];
    for (int src : l.inputs)
      if (src < 0 || static_cast<std::size_t>(src) >= i)
        bad_layer(l, fmt::format("input index {} is not an earlier layer", src));
    check_activation(l);
    l.out_shape = infer_one(g, l);
  }
}

namespace {

void require_finite(const Layer& l, const std::vector<float>& v, const char* what) {
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) bad_layer(l, fmt::format("{}[{}] is {} (not finite)", what, i, v[i]));
}

}  // namespace

void validate(Graph& g) {
  infer_shapes(g);
  if (g.output < 0 || static_cast<std::size_t>(g.output) >= g.layers.size())
    throw InputError(fmt::format("the network's output layer index {} is not set or out of range",
                                 g.output));
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const Layer& l = g.layers[i];
    require_finite(l, l.weight, "weight");
    require_finite(l, l.bias, "bias");
    require_finite(l, l.scale, "scale");
    require_finite(l, l.shift, "shift");
    if (l.act == Act::Softmax && static_cast<int>(i) != g.output)
      bad_layer(l, "softmax is only supported on the output layer");
  }
  validate_bitwise(g);
}

std::size_t layer_macs(const Graph& g, int layer) {
  const Layer& l = g.layers.at(static_cast<std::size_t>(layer));
  switch (l.op) {
    case OpKind::Dense:
    case OpKind::Conv2D:
      // Each output element needs one MAC per weight of its fan-in (weight size / outputs).
      return l.out_shape.empty() || l.weight_shape.empty()
                 ? 0
                 : shape_size(l.out_shape) * (l.weight.size() /
                                              static_cast<std::size_t>(l.op == OpKind::Dense
                                                                           ? l.weight_shape[1]
                                                                           : l.weight_shape[0]));
    case OpKind::Affine:
      return shape_size(l.out_shape);
    default:
      return 0;
  }
}

std::size_t graph_macs(const Graph& g) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < g.layers.size(); ++i) total += layer_macs(g, static_cast<int>(i));
  return total;
}

}  // namespace brisk
