// Keras importer, part 2: each Keras layer class to graph layers, shapes converted to CHW.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include <brisk/conversion/import/checked_json.hpp>
#include <brisk/conversion/import/keras_reader.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::detail::keras {

// ---------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------


std::pair<Act, float> KerasReader::activation(const KLayer& kl, const json& value) const {
  std::string name = "linear";
  if (value.is_string()) name = value.get<std::string>();
  else if (value.is_object() && value.contains("config") && value["config"].is_string())
    name = value["config"].get<std::string>();  // Keras 3 may serialize a function reference
  else if (value.is_object() && value.contains("class_name") && value["class_name"].is_string())
    name = value["class_name"].get<std::string>();
  else if (!value.is_null()) fail(kl, fmt::format("unreadable activation {}", short_dump(value)));
  if (name == "linear") return {Act::Linear, 0.0f};
  if (name == "relu") return {Act::ReLU, 0.0f};
  if (name == "relu6") return {Act::ClippedReLU, 6.0f};
  if (name == "softmax") return {Act::Softmax, 0.0f};
  const bool plain = name.size() <= 48 && std::all_of(name.begin(), name.end(), [](unsigned char ch) {
    return ch >= 0x20 && ch < 0x7f;
  });
  fail(kl, fmt::format("unsupported activation {}", plain ? "'" + name + "'" : short_dump(json(name))));
}

namespace {

void set_act(Layer& l, std::pair<Act, float> a) {
  l.act = a.first;
  if (a.first == Act::ClippedReLU) l.act_max = a.second;
}

}  // namespace

const std::vector<int>& KerasReader::input_shape_of(const KLayer& kl, std::size_t k) const {
  return g_.layers[static_cast<std::size_t>(index_.at(kl.inbound.at(k)))].out_shape;
}

Layer& KerasReader::add(const KLayer& kl, OpKind op) {
  Layer l;
  l.name = kl.name;
  l.source_class = kl.cls;
  l.op = op;
  for (const auto& n : kl.inbound) l.inputs.push_back(index_.at(n));
  g_.layers.push_back(std::move(l));
  index_[kl.name] = static_cast<int>(g_.layers.size()) - 1;
  return g_.layers.back();
}

// TensorFlow's 'same' padding: the total is split with the extra pixel at the bottom/right.
std::pair<int, int> KerasReader::same_pads(int in, int kernel, int stride) const {
  // 64-bit: in, kernel and stride are each at most kMaxConfigInt and stride >= 1.
  const std::int64_t out = (std::int64_t{in} + stride - 1) / stride;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * stride + kernel - in, 0);  // < kernel
  return {static_cast<int>(total / 2), static_cast<int>(total - total / 2)};
}

void KerasReader::conv2d(const KLayer& kl) {
  const json& c = kl.cfg;
  check_format(kl);
  const int filters = cfg_int(kl, {"filters", "nb_filter"}, -1, 1);
  auto [kh, kw] = cfg_pair(kl, {"kernel_size"}, {-1, -1}, 1);
  if (kh < 0) kh = cfg_int(kl, {"nb_row"}, -1, 1), kw = cfg_int(kl, {"nb_col"}, -1, 1);
  auto [sh, sw] = cfg_pair(kl, {"strides", "subsample"}, {1, 1}, 1);
  const std::string padding = cfg_enum(kl, {"padding", "border_mode"}, "valid", {"valid", "same"});
  if (cfg_pair(kl, {"dilation_rate"}, {1, 1}, 1) != std::pair{1, 1} ||
      cfg_pair(kl, {"atrous_rate"}, {1, 1}, 1) != std::pair{1, 1})
    fail(kl, "dilated convolutions are not supported");
  if (cfg_int(kl, {"groups"}, 1, 1) != 1) fail(kl, "grouped convolutions are not supported");
  if (filters < 1 || kh < 1 || kw < 1) fail(kl, "config lacks filters/kernel_size");
  const bool use_bias = cfg_bool(kl, {"use_bias", "bias"}, true);
  const std::vector<int> in = input_shape_of(kl);  // a copy: add() may reallocate
  if (in.size() != 3) fail(kl, fmt::format("expects an image input, got {}", shape_str(in)));
  const int cin = in[0];
  auto w = weights(kl, use_bias ? 2 : 1, use_bias ? "kernel, bias" : "kernel");
  // Keras 1 'th' stores (out, in, kh, kw); every other variant (kh, kw, in, out).
  const bool th_layout = c.contains("dim_ordering") && c["dim_ordering"] == "th";
  const std::vector<int> expected = th_layout ? std::vector<int>{filters, cin, kh, kw}
                                              : std::vector<int>{kh, kw, cin, filters};
  if (w[0].shape != expected)
    fail(kl, fmt::format("kernel shape {} contradicts the config (expected {})",
                         shape_str(w[0].shape), shape_str(expected)));
  if (use_bias && w[1].shape != std::vector<int>{filters})
    fail(kl, fmt::format("bias shape {} contradicts filters={}", shape_str(w[1].shape), filters));

  Layer& l = add(kl, OpKind::Conv2D);
  l.kernel_h = kh, l.kernel_w = kw, l.stride_h = sh, l.stride_w = sw;
  if (padding == "same") {
    std::tie(l.pad_top, l.pad_bottom) = same_pads(in[1], kh, sh);
    std::tie(l.pad_left, l.pad_right) = same_pads(in[2], kw, sw);
  }
  l.weight_shape = {filters, cin, kh, kw};
  l.weight = conv_kernel(w[0].data, th_layout, filters, cin, kh, kw);
  if (use_bias) l.bias = std::move(w[1].data);
  set_act(l, activation(kl, c.value("activation", json("linear"))));
}

void KerasReader::dense(const KLayer& kl) {
  const json& c = kl.cfg;
  const int units = cfg_int(kl, {"units", "output_dim"}, -1, 1);
  const bool use_bias = cfg_bool(kl, {"use_bias", "bias"}, true);
  const std::vector<int> in = input_shape_of(kl);  // a copy: add() may reallocate
  if (in.size() != 1)
    fail(kl, fmt::format("Dense on a {} input is not supported (flatten it first)", shape_str(in)));
  if (units < 1) fail(kl, "config lacks units");
  auto w = weights(kl, use_bias ? 2 : 1, use_bias ? "kernel, bias" : "kernel");
  const std::vector<int> expected{in[0], units};
  if (w[0].shape != expected)
    fail(kl, fmt::format("kernel shape {} contradicts the config (expected {})",
                         shape_str(w[0].shape), shape_str(expected)));
  if (use_bias && w[1].shape != std::vector<int>{units})
    fail(kl, fmt::format("bias shape {} contradicts units={}", shape_str(w[1].shape), units));
  Layer& l = add(kl, OpKind::Dense);
  l.weight_shape = expected;
  l.weight = std::move(w[0].data);
  if (use_bias) l.bias = std::move(w[1].data);
  set_act(l, activation(kl, c.value("activation", json("linear"))));
}

void KerasReader::pool(const KLayer& kl, OpKind op) {
  check_format(kl);
  const std::vector<int> in = input_shape_of(kl);  // a copy: add() may reallocate
  if (in.size() != 3) fail(kl, fmt::format("expects an image input, got {}", shape_str(in)));
  auto [kh, kw] = cfg_pair(kl, {"pool_size"}, {2, 2}, 1);
  auto [sh, sw] = cfg_pair(kl, {"strides"}, {kh, kw}, 1);
  const std::string padding = cfg_enum(kl, {"padding", "border_mode"}, "valid", {"valid", "same"});
  Layer& l = add(kl, op);
  l.kernel_h = kh, l.kernel_w = kw, l.stride_h = sh, l.stride_w = sw;
  if (padding == "same") {
    std::tie(l.pad_top, l.pad_bottom) = same_pads(in[1], kh, sh);
    std::tie(l.pad_left, l.pad_right) = same_pads(in[2], kw, sw);
  }
  l.avg_count_pad = false;  // Keras averages over the valid elements of a 'same' window
}

void KerasReader::global_pool(const KLayer& kl) {
  check_format(kl);
  const std::vector<int> in = input_shape_of(kl);  // a copy: add() may reallocate
  if (in.size() != 3) fail(kl, fmt::format("expects an image input, got {}", shape_str(in)));
  if (!cfg_bool(kl, {"keepdims"}, false)) {
    add(kl, OpKind::GlobalAvgPool2D);
    return;
  }
  Layer& l = add(kl, OpKind::AvgPool2D);  // keepdims: a full-window average, {C,1,1}
  l.kernel_h = l.stride_h = in[1];
  l.kernel_w = l.stride_w = in[2];
}

void KerasReader::flatten(const KLayer& kl) {
  // A Flatten given data_format=channels_first (Keras >= 2.1.6) permutes to channels-last
  // first; any other Flatten walks the tensor as stored: CHW in a channels_first model
  // (Keras < 2.1.6, Keras 1 'th'), HWC in a channels_last one.
  const std::string f = cfg_enum(kl, {"data_format"}, "", {"channels_first", "channels_last"});
  Layer& l = add(kl, OpKind::Flatten);
  l.flatten_order = (f == "channels_first" || !channels_first_) ? FlattenOrder::HWC : FlattenOrder::CHW;
}

void KerasReader::reshape(const KLayer& kl) {
  const json* t = find(kl, {"target_shape"});
  if (!t || !t->is_array() || t->empty()) fail(kl, "config lacks target_shape");
  const auto in_size = static_cast<long long>(shape_size(input_shape_of(kl)));
  std::vector<int> dims;
  long long known = 1;
  int unknown = -1;
  for (const auto& d : *t) {
    const int v = to_int(kl, "target_shape", d, -1, kMaxConfigInt);
    if (v == 0) fail(kl, fmt::format("target_shape {} has a zero dimension", short_dump(*t)));
    if (v == -1) {
      if (unknown >= 0) fail(kl, fmt::format("target_shape {} has two -1 dimensions", short_dump(*t)));
      unknown = static_cast<int>(dims.size());
    } else {
      known *= v;
      if (known > in_size) fail(kl, fmt::format("target_shape {} is larger than the input", short_dump(*t)));
    }
    dims.push_back(v);
  }
  if (unknown >= 0) {
    if (in_size % known != 0)
      fail(kl, fmt::format("target_shape {} does not divide the input's {} elements", short_dump(*t), in_size));
    dims[static_cast<std::size_t>(unknown)] = static_cast<int>(in_size / known);
  }
  Layer& l = add(kl, OpKind::Reshape);
  l.out_shape = to_chw(dims, fmt::format("layer '{}' target shape", kl.name));
  // A Keras Reshape reinterprets memory: in the model's own layout.
  l.flatten_order = channels_first_ ? FlattenOrder::CHW : FlattenOrder::HWC;
}

void KerasReader::zero_pad(const KLayer& kl) {
  check_format(kl);
  const json* pv = find(kl, {"padding"});
  const json p = pv ? *pv : json(1);
  int t = 0, b = 0, left = 0, r = 0;
  if (p.is_number()) {
    t = b = left = r = to_int(kl, "padding", p, 0, kMaxConfigInt);
  } else if (p.is_array() && p.size() == 2 && p[0].is_array() && p[1].is_array()) {
    std::tie(t, b) = int_pair(kl, "padding", p[0], 0);
    std::tie(left, r) = int_pair(kl, "padding", p[1], 0);
  } else if (p.is_array() && p.size() == 2) {
    std::tie(t, left) = int_pair(kl, "padding", p, 0);
    b = t, r = left;
  } else if (p.is_object()) {
    const auto side = [&](const char* k) {
      return p.contains(k) ? to_int(kl, fmt::format("padding.{}", k), p[k], 0, kMaxConfigInt) : 0;
    };
    t = side("top_pad"), b = side("bottom_pad"), left = side("left_pad"), r = side("right_pad");
  } else {
    fail(kl, fmt::format("unreadable padding {}", short_dump(p)));
  }
  Layer& l = add(kl, OpKind::ZeroPad2D);
  l.pad_top = t, l.pad_bottom = b, l.pad_left = left, l.pad_right = r;
}

bool KerasReader::spatial_axis_ok(const KLayer&, int axis, std::size_t rank) const {
  if (rank == 1) return axis == -1 || axis == 1;
  return channels_first_ ? (axis == 1 || axis == -3) : (axis == -1 || axis == 3);
}

void KerasReader::batchnorm(const KLayer& kl) {
  const json& c = kl.cfg;
  const std::vector<int> in = input_shape_of(kl);  // a copy: add() may reallocate
  json axis_v = c.value("axis", json(-1));
  if (axis_v.is_array() && axis_v.size() == 1) axis_v = axis_v[0];
  if (!axis_v.is_number() || !spatial_axis_ok(kl, to_int(kl, "axis", axis_v, -8, 8), in.size()))
    fail(kl, fmt::format("normalization over axis {} is not the channel axis", short_dump(axis_v)));
  if (cfg_int(kl, {"mode"}, 0, 0, 2) != 0) fail(kl, "Keras 1 BatchNormalization mode other than 0");
  const bool scale = cfg_bool(kl, {"scale"}, true), center = cfg_bool(kl, {"center"}, true);
  const double eps = cfg_number(kl, "epsilon", 1e-3);
  if (eps < 0) fail(kl, fmt::format("epsilon {} is negative", eps));
  const std::size_t count = static_cast<std::size_t>(scale) + static_cast<std::size_t>(center) + 2;
  auto w = weights(kl, count, "[gamma], [beta], moving_mean, moving_variance");
  const auto channels = static_cast<std::size_t>(in[0]);
  for (const auto& a : w)
    if (a.data.size() != channels)
      fail(kl, fmt::format("parameter shape {} contradicts {} channels", shape_str(a.shape), channels));
  std::size_t k = 0;
  const std::vector<float>* gamma = scale ? &w[k++].data : nullptr;
  const std::vector<float>* beta = center ? &w[k++].data : nullptr;
  const auto& mean = w[k++].data;
  const auto& var = w[k].data;
  Layer& l = add(kl, OpKind::Affine);
  l.scale.resize(channels);
  l.shift.resize(channels);
  for (std::size_t i = 0; i < channels; ++i) {
    if (var[i] + eps <= 0) fail(kl, fmt::format("moving variance {} is negative", var[i]));
    double s = 1.0 / std::sqrt(static_cast<double>(var[i]) + eps);
    if (gamma) s *= (*gamma)[i];
    l.scale[i] = static_cast<float>(s);
    l.shift[i] = static_cast<float>((beta ? (*beta)[i] : 0.0) - mean[i] * s);
    if (!std::isfinite(l.scale[i]) || !std::isfinite(l.shift[i]))
      fail(kl, fmt::format("channel {}: the folded scale or shift is not finite (moving variance "
                           "{}, epsilon {})", i, var[i], eps));
  }
}

void KerasReader::merge(const KLayer& kl, OpKind op) {
  if (kl.inbound.size() < 2) fail(kl, "needs at least two inputs");
  if (op == OpKind::Concat) {
    const char* key = "axis";
    const json* a = find(kl, {"axis", "concat_axis"}, &key);
    const int axis = a ? to_int(kl, key, *a, -8, 8) : -1;
    if (!spatial_axis_ok(kl, axis, input_shape_of(kl).size()))
      fail(kl, fmt::format("concatenation along axis {} (only the channel axis is supported)", axis));
  }
  add(kl, op);
}

void KerasReader::activation_layer(const KLayer& kl, Act act, float act_max) {
  if (act == Act::Linear) {
    index_[kl.name] = index_.at(kl.inbound.at(0));
    return;
  }
  Layer& l = add(kl, OpKind::Activation);
  set_act(l, {act, act_max});
}

void KerasReader::add_input(const KLayer& kl, const std::vector<int>& shape) {
  Layer& l = add(kl, OpKind::Input);
  l.out_shape = shape;
}

void KerasReader::convert(const KLayer& kl) {
  const std::string& c = kl.cls;
  if (c == "InputLayer") {
    if (!g_.layers.empty()) fail(kl, "models with more than one input are not supported");
    add_input(kl, input_shape(kl));
    return;
  }
  if (kl.inbound.empty()) fail(kl, "has no input");
  if (is_one_of(c, {"Conv2D", "Convolution2D"})) conv2d(kl);
  else if (c == "Dense") dense(kl);
  else if (is_one_of(c, {"MaxPooling2D", "MaxPool2D"})) pool(kl, OpKind::MaxPool2D);
  else if (is_one_of(c, {"AveragePooling2D", "AvgPool2D"})) pool(kl, OpKind::AvgPool2D);
  else if (is_one_of(c, {"GlobalAveragePooling2D", "GlobalAvgPool2D"})) global_pool(kl);
  else if (c == "Flatten") flatten(kl);
  else if (c == "Reshape") reshape(kl);
  else if (c == "ZeroPadding2D") zero_pad(kl);
  else if (c == "BatchNormalization") batchnorm(kl);
  else if (c == "Add") merge(kl, OpKind::Add);
  else if (c == "Concatenate") merge(kl, OpKind::Concat);
  else if (c == "Merge") {
    const std::string mode = cfg_enum(kl, {"mode"}, "", {"sum", "concat"});
    if (mode == "sum") merge(kl, OpKind::Add);
    else if (mode == "concat") merge(kl, OpKind::Concat);
    else fail(kl, "Merge lacks mode");
  } else if (is_one_of(c, {"Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
                           "AlphaDropout", "ActivityRegularization"})) {
    if (kl.inbound.size() != 1) fail(kl, "expects one input");
    index_[kl.name] = index_.at(kl.inbound[0]);
  } else if (c == "Activation") {
    auto [act, m] = activation(kl, kl.cfg.value("activation", json("linear")));
    activation_layer(kl, act, m);
  } else if (c == "ReLU") {
    if (cfg_number(kl, "negative_slope", 0.0) != 0.0 || cfg_number(kl, "threshold", 0.0) != 0.0)
      fail(kl, "ReLU with negative_slope or threshold is not supported");
    const bool clipped = find(kl, {"max_value"}) != nullptr;
    const double mv = cfg_number(kl, "max_value", 0.0);
    if (clipped && !(mv > 0 && mv <= 1e30)) fail(kl, fmt::format("max_value {} must be positive", mv));
    activation_layer(kl, clipped ? Act::ClippedReLU : Act::ReLU, static_cast<float>(mv));
  } else if (c == "Softmax") {
    activation_layer(kl, Act::Softmax, 0.0f);
  } else {
    fail(kl, "unsupported layer class");
  }
  if (index_.count(kl.name) && index_[kl.name] == static_cast<int>(g_.layers.size()) - 1) {
    try {  // shapes as we go: later layers need them ('same' pads, Dense fan-in)
      infer_shapes(g_);
    } catch (const InputError& e) {
      throw InputError(fmt::format("{}: {}", src_.source, e.what()));
    }
  }
}

}  // namespace brisk::detail::keras
