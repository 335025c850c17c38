// Keras HDF5 reader: model configs of Keras 1.x, 2.x, tf.keras and Keras 3 (Sequential and
// functional) with weights located by `weight_names` or by Keras 3's archive layout.
//
// Keras computes in NHWC (channels_last) or NCHW (channels_first); brisk always in CHW. The
// reader converts shapes and kernels once, here, and makes every order-dependent operation
// (Flatten, Reshape) say which order it walks, so nothing downstream needs to know.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include <brisk/conversion/import/importers.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::detail {

namespace {

using json = nlohmann::json;

struct KLayer {
  std::string name;
  std::string cls;
  json cfg;
  std::vector<std::string> inbound;  // producer layer names
  std::string weight_key;            // Keras 3 archive: layers/<weight_key>/vars
};

// Keras 3 addresses archive weights by the snake-cased class name plus a per-class counter.
std::string snake_case(const std::string& cls) {
  std::string s = std::regex_replace(cls, std::regex("\\W+"), "");
  s = std::regex_replace(s, std::regex("(.)([A-Z][a-z]+)"), "$1_$2");
  s = std::regex_replace(s, std::regex("([a-z])([A-Z])"), "$1_$2");
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool is_one_of(const std::string& s, std::initializer_list<const char*> options) {
  return std::any_of(options.begin(), options.end(), [&](const char* o) { return s == o; });
}

class KerasReader {
 public:
  KerasReader(const KerasSource& src, const ImportOptions& opts) : src_(src), opts_(opts) {}
  Graph read();

 private:
  // -- config parsing ---------------------------------------------------------------------
  void parse_config();
  void parse_sequential(const json& layers);
  void parse_functional(const json& cfg);
  std::vector<std::string> inbound_of(const json& layer, const std::string& name) const;
  void detect_data_format();
  std::vector<int> input_shape(const json& cfg) const;
  std::vector<int> to_chw(std::vector<int> keras_shape, const std::string& what) const;

  // -- layer conversion -------------------------------------------------------------------
  void convert(const KLayer& kl);
  void add_input(const KLayer& kl, const std::vector<int>& shape);
  Layer& add(const KLayer& kl, OpKind op);
  void conv2d(const KLayer& kl);
  void dense(const KLayer& kl);
  void pool(const KLayer& kl, OpKind op);
  void global_pool(const KLayer& kl);
  void flatten(const KLayer& kl);
  void reshape(const KLayer& kl);
  void zero_pad(const KLayer& kl);
  void batchnorm(const KLayer& kl);
  void merge(const KLayer& kl, OpKind op);
  void activation_layer(const KLayer& kl, Act act, float act_max);

  // -- helpers ----------------------------------------------------------------------------
  [[noreturn]] void fail(const KLayer& kl, const std::string& what) const;
  const std::vector<int>& input_shape_of(const KLayer& kl, std::size_t k = 0) const;
  std::vector<h5::FloatArray> weights(const KLayer& kl, std::size_t expected,
                                      const char* names) const;
  std::pair<Act, float> activation(const KLayer& kl, const json& value) const;
  void check_format(const KLayer& kl) const;
  bool spatial_axis_ok(const KLayer& kl, int axis, std::size_t rank) const;
  std::pair<int, int> same_pads(int in, int kernel, int stride) const;
  static std::pair<int, int> int_pair(const json& v, std::pair<int, int> fallback);

  const KerasSource& src_;
  const ImportOptions& opts_;
  std::string model_class_;
  std::vector<KLayer> layers_;      // in a topological order
  std::string output_name_;
  bool channels_first_ = false;
  bool flip_ = false;
  json top_;
  Graph g_;
  std::map<std::string, int> index_;  // Keras layer name -> graph layer (dropped layers alias)
};

[[noreturn]] void KerasReader::fail(const KLayer& kl, const std::string& what) const {
  throw InputError(fmt::format("{}: layer '{}' ({}): {}", src_.source, kl.name, kl.cls, what));
}

// ---------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------

void KerasReader::parse_config() {
  try {
    top_ = json::parse(src_.config_json);
  } catch (const json::exception& e) {
    throw InputError(fmt::format("{}: {} is not valid JSON ({})", src_.source, src_.config_origin,
                                 e.what()));
  }
  if (!top_.is_object() || !top_.contains("class_name") || !top_.contains("config"))
    throw InputError(fmt::format("{}: {} has no class_name/config", src_.source, src_.config_origin));
  model_class_ = top_["class_name"].get<std::string>();
  const json& cfg = top_["config"];
  if (model_class_ == "Sequential") {
    parse_sequential(cfg.is_array() ? cfg : cfg.value("layers", json::array()));
  } else if (is_one_of(model_class_, {"Model", "Functional"})) {
    parse_functional(cfg);
  } else {
    throw InputError(fmt::format("{}: unsupported model class '{}' (expected Sequential, Model or "
                                 "Functional)", src_.source, model_class_));
  }
  // Keras 3 archive keys: snake-cased class name, numbered per class in layer order.
  std::map<std::string, int> used;
  for (auto& kl : layers_) {
    std::string key = snake_case(kl.cls);
    int n = used[key]++;
    kl.weight_key = n == 0 ? key : fmt::format("{}_{}", key, n);
  }
}

KLayer make_klayer(const json& entry) {
  KLayer kl;
  kl.cls = entry.value("class_name", "");
  kl.cfg = entry.value("config", json::object());
  if (entry.contains("name") && entry["name"].is_string()) kl.name = entry["name"];
  else if (kl.cfg.contains("name") && kl.cfg["name"].is_string()) kl.name = kl.cfg["name"];
  return kl;
}

void KerasReader::parse_sequential(const json& layers) {
  if (!layers.is_array() || layers.empty())
    throw InputError(fmt::format("{}: {} lists no layers", src_.source, src_.config_origin));
  std::string previous;
  for (const json& entry : layers) {
    KLayer kl = make_klayer(entry);
    if (kl.name.empty()) kl.name = fmt::format("layer_{}", layers_.size());
    if (kl.cls != "InputLayer" && previous.empty()) {
      // No InputLayer entry: the first layer carries the input shape.
      KLayer input{"input", "InputLayer", kl.cfg, {}, ""};
      if (!input.cfg.contains("batch_input_shape") && !input.cfg.contains("batch_shape") &&
          top_["config"].is_object() && top_["config"].contains("build_input_shape"))
        input.cfg["batch_input_shape"] = top_["config"]["build_input_shape"];
      layers_.push_back(input);
      previous = input.name;
    }
    if (!previous.empty()) kl.inbound = {previous};
    previous = kl.name;
    layers_.push_back(std::move(kl));
  }
  output_name_ = previous;
}

// Collects the producer names of a Keras 3 node argument tree.
void collect_keras3(const json& v, std::vector<std::string>& out) {
  if (v.is_array()) {
    for (const auto& e : v) collect_keras3(e, out);
  } else if (v.is_object()) {
    if (v.value("class_name", "") == "__keras_tensor__") {
      const json& h = v["config"]["keras_history"];
      out.push_back(h.at(0).get<std::string>());
    } else {
      for (const auto& [k, e] : v.items()) collect_keras3(e, out);
    }
  }
}

std::vector<std::string> KerasReader::inbound_of(const json& layer, const std::string& name) const {
  const json nodes = layer.value("inbound_nodes", json::array());
  std::vector<std::string> out;
  if (nodes.empty()) return out;
  if (nodes.size() > 1)
    throw InputError(fmt::format("{}: layer '{}' is called {} times (shared layers are not "
                                 "supported)", src_.source, name, nodes.size()));
  const json& node = nodes[0];
  if (node.is_object()) {  // Keras 3: {"args": [...], "kwargs": {...}}
    collect_keras3(node.value("args", json::array()), out);
  } else {  // Keras 1/2: [[name, node_index, tensor_index(, kwargs)], ...]
    for (const json& ref : node) out.push_back(ref.at(0).get<std::string>());
  }
  return out;
}

// The name of the first layer in a Keras [name, node, tensor] reference list (or a bare one).
std::string first_ref(const json& refs) {
  if (refs.is_array() && !refs.empty()) {
    if (refs[0].is_string()) return refs[0];
    if (refs[0].is_array() && !refs[0].empty() && refs[0][0].is_string()) return refs[0][0];
  }
  return {};
}

void KerasReader::parse_functional(const json& cfg) {
  std::vector<KLayer> pending;
  for (const json& entry : cfg.value("layers", json::array())) {
    KLayer kl = make_klayer(entry);
    kl.inbound = inbound_of(entry, kl.name);
    pending.push_back(std::move(kl));
  }
  const json outputs = cfg.value("output_layers", json::array());
  if (cfg.value("input_layers", json::array()).size() > 1 && cfg["input_layers"][0].is_array())
    throw InputError(fmt::format("{}: models with more than one input are not supported", src_.source));
  if (outputs.is_array() && outputs.size() > 1 && outputs[0].is_array())
    throw InputError(fmt::format("{}: models with more than one output are not supported", src_.source));
  output_name_ = first_ref(outputs);
  if (output_name_.empty())
    throw InputError(fmt::format("{}: {} names no output layer", src_.source, src_.config_origin));
  // Order topologically (configs are usually ordered already; do not rely on it).
  std::set<std::string> done;
  while (!pending.empty()) {
    auto ready = std::find_if(pending.begin(), pending.end(), [&](const KLayer& kl) {
      return std::all_of(kl.inbound.begin(), kl.inbound.end(),
                         [&](const std::string& n) { return done.count(n) > 0; });
    });
    if (ready == pending.end())
      throw InputError(fmt::format("{}: layer '{}' reads an unknown layer or a cycle", src_.source,
                                   pending.front().name));
    done.insert(ready->name);
    layers_.push_back(std::move(*ready));
    pending.erase(ready);
  }
}

void KerasReader::detect_data_format() {
  std::string found;
  for (const auto& kl : layers_) {
    if (!is_one_of(kl.cls, {"Conv2D", "Convolution2D", "MaxPooling2D", "AveragePooling2D",
                            "MaxPool2D", "AvgPool2D", "GlobalAveragePooling2D", "ZeroPadding2D"}))
      continue;
    std::string f;
    if (kl.cfg.contains("data_format") && kl.cfg["data_format"].is_string()) f = kl.cfg["data_format"];
    else if (kl.cfg.contains("dim_ordering") && kl.cfg["dim_ordering"].is_string())
      f = kl.cfg["dim_ordering"] == "th" ? "channels_first" : "channels_last";
    if (f.empty()) continue;
    if (!found.empty() && f != found)
      fail(kl, fmt::format("data format {} differs from the model's {} (mixed formats are not "
                           "supported)", f, found));
    found = f;
  }
  channels_first_ = found == "channels_first";
}

void KerasReader::check_format(const KLayer& kl) const {
  std::string f;
  if (kl.cfg.contains("data_format") && kl.cfg["data_format"].is_string()) f = kl.cfg["data_format"];
  else if (kl.cfg.contains("dim_ordering") && kl.cfg["dim_ordering"].is_string())
    f = kl.cfg["dim_ordering"] == "th" ? "channels_first" : "channels_last";
  if (!f.empty() && (f == "channels_first") != channels_first_)
    fail(kl, fmt::format("data format {} differs from the model's", f));
}

std::vector<int> KerasReader::to_chw(std::vector<int> s, const std::string& what) const {
  if (s.size() == 2) s.insert(channels_first_ ? s.begin() : s.end(), 1);  // (H, W) images
  if (s.size() == 3 && !channels_first_) s = {s[2], s[0], s[1]};
  if (s.size() != 1 && s.size() != 3)
    throw InputError(fmt::format("{}: {} has {} dimensions (expected a vector or an image)",
                                 src_.source, what, s.size()));
  return s;
}

std::vector<int> KerasReader::input_shape(const json& cfg) const {
  json dims;
  bool has_batch = true;
  if (cfg.contains("batch_input_shape")) dims = cfg["batch_input_shape"];
  else if (cfg.contains("batch_shape")) dims = cfg["batch_shape"];
  else if (cfg.contains("input_shape")) dims = cfg["input_shape"], has_batch = false;
  else if (cfg.contains("input_dim")) dims = json::array({cfg["input_dim"]}), has_batch = false;
  if (!dims.is_array() || dims.empty())
    throw InputError(fmt::format("{}: {} gives no input shape", src_.source, src_.config_origin));
  std::vector<int> shape;
  for (std::size_t i = has_batch ? 1 : 0; i < dims.size(); ++i) {
    if (!dims[i].is_number_integer() || dims[i].get<int>() < 1)
      throw InputError(fmt::format("{}: input shape {} has an unknown dimension", src_.source,
                                   dims.dump()));
    shape.push_back(dims[i].get<int>());
  }
  return to_chw(shape, "the input");
}

// ---------------------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------------------

std::vector<h5::FloatArray> KerasReader::weights(const KLayer& kl, std::size_t expected,
                                                 const char* names) const {
  const h5::File& f = *src_.weights;
  std::vector<std::string> paths;
  if (src_.layout == KerasWeightLayout::Keras3Archive) {
    std::string group = "layers/" + kl.weight_key + "/vars";
    if (!f.is_group(group)) group = "layers/" + kl.name + "/vars";
    if (f.is_group(group)) {
      auto children = f.children(group);
      std::sort(children.begin(), children.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;  // "2" before "10"
      });
      for (const auto& c : children) paths.push_back(group + "/" + c);
    }
  } else {
    const std::string group = src_.weight_root.empty() ? kl.name : src_.weight_root + "/" + kl.name;
    if (f.is_group(group)) {
      if (!f.has_attr(group, "weight_names") && !f.has_attr(group, "weight_names0") &&
          !f.children(group).empty())
        fail(kl, fmt::format("weight group '{}' in {} has no weight_names attribute", group, f.label()));
      for (const auto& n : f.split_strings_attr(group, "weight_names")) {
        const std::string p = group + "/" + n;
        if (!f.is_dataset(p))
          fail(kl, fmt::format("weight dataset '{}' is missing from {}", p, f.label()));
        paths.push_back(p);
      }
    }
  }
  if (paths.size() != expected)
    fail(kl, fmt::format("expects {} weight arrays ({}), {} has {}", expected, names, f.label(),
                         paths.size()));
  std::vector<h5::FloatArray> out;
  for (const auto& p : paths) {
    out.push_back(f.read_floats(p));
    for (float v : out.back().data)
      if (!std::isfinite(v)) fail(kl, fmt::format("weight '{}' holds {} (not finite)", p, v));
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Layers
// ---------------------------------------------------------------------------------------

std::pair<int, int> KerasReader::int_pair(const json& v, std::pair<int, int> fallback) {
  if (v.is_number_integer()) return {v.get<int>(), v.get<int>()};
  if (v.is_array() && v.size() == 2 && v[0].is_number_integer() && v[1].is_number_integer())
    return {v[0].get<int>(), v[1].get<int>()};
  return fallback;
}

std::pair<Act, float> KerasReader::activation(const KLayer& kl, const json& value) const {
  std::string name = "linear";
  if (value.is_string()) name = value;
  else if (value.is_object() && value.contains("config") && value["config"].is_string())
    name = value["config"];  // Keras 3 may serialize a function reference
  else if (value.is_object() && value.contains("class_name")) name = value["class_name"];
  else if (!value.is_null()) fail(kl, fmt::format("unreadable activation {}", value.dump()));
  if (name == "linear") return {Act::Linear, 0.0f};
  if (name == "relu") return {Act::ReLU, 0.0f};
  if (name == "relu6") return {Act::ClippedReLU, 6.0f};
  if (name == "softmax") return {Act::Softmax, 0.0f};
  fail(kl, fmt::format("unsupported activation '{}'", name));
}

void set_act(Layer& l, std::pair<Act, float> a) {
  l.act = a.first;
  if (a.first == Act::ClippedReLU) l.act_max = a.second;
}

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
  const int out = (in + stride - 1) / stride;
  const int total = std::max((out - 1) * stride + kernel - in, 0);
  return {total / 2, total - total / 2};
}

void KerasReader::conv2d(const KLayer& kl) {
  const json& c = kl.cfg;
  check_format(kl);
  const int filters = c.contains("filters") ? c["filters"].get<int>() : c.value("nb_filter", -1);
  auto [kh, kw] = int_pair(c.value("kernel_size", json()), {c.value("nb_row", -1), c.value("nb_col", -1)});
  auto [sh, sw] = int_pair(c.contains("strides") ? c["strides"] : c.value("subsample", json()), {1, 1});
  const std::string padding = c.contains("padding") ? c["padding"].get<std::string>()
                                                    : c.value("border_mode", std::string("valid"));
  if (int_pair(c.value("dilation_rate", json()), {1, 1}) != std::pair{1, 1} ||
      int_pair(c.value("atrous_rate", json()), {1, 1}) != std::pair{1, 1})
    fail(kl, "dilated convolutions are not supported");
  if (c.value("groups", 1) != 1) fail(kl, "grouped convolutions are not supported");
  if (filters < 1 || kh < 1 || kw < 1) fail(kl, "config lacks filters/kernel_size");
  if (padding != "valid" && padding != "same") fail(kl, fmt::format("unsupported padding '{}'", padding));
  const bool use_bias = c.contains("use_bias") ? c["use_bias"].get<bool>() : c.value("bias", true);
  const std::vector<int> in = input_shape_of(kl);  // a copy: add() may reallocate
  if (in.size() != 3) fail(kl, fmt::format("expects an image input, got {}", shape_str(in)));
  const int cin = in[0];
  auto w = weights(kl, use_bias ? 2 : 1, use_bias ? "kernel, bias" : "kernel");
  // Keras 1 'th' stores (out, in, kh, kw); every other variant (kh, kw, in, out).
  const bool th_layout = c.value("dim_ordering", std::string()) == "th";
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
  l.weight.resize(w[0].data.size());
  const auto K = [&](int o, int i, int y, int x) {  // index into the stored kernel
    return th_layout ? ((static_cast<std::size_t>(o) * cin + i) * kh + y) * kw + x
                     : ((static_cast<std::size_t>(y) * kw + x) * cin + i) * filters + o;
  };
  std::size_t k = 0;
  for (int o = 0; o < filters; ++o)
    for (int i = 0; i < cin; ++i)
      for (int y = 0; y < kh; ++y)
        for (int x = 0; x < kw; ++x)
          // Theano convolves (flipped kernel); brisk cross-correlates: rotate by 180 degrees.
          l.weight[k++] = flip_ ? w[0].data[K(o, i, kh - 1 - y, kw - 1 - x)] : w[0].data[K(o, i, y, x)];
  if (use_bias) l.bias = std::move(w[1].data);
  set_act(l, activation(kl, c.value("activation", json("linear"))));
}

void KerasReader::dense(const KLayer& kl) {
  const json& c = kl.cfg;
  const int units = c.contains("units") ? c["units"].get<int>() : c.value("output_dim", -1);
  const bool use_bias = c.contains("use_bias") ? c["use_bias"].get<bool>() : c.value("bias", true);
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
  const json& c = kl.cfg;
  check_format(kl);
  const std::vector<int> in = input_shape_of(kl);  // a copy: add() may reallocate
  if (in.size() != 3) fail(kl, fmt::format("expects an image input, got {}", shape_str(in)));
  auto [kh, kw] = int_pair(c.value("pool_size", json()), {2, 2});
  auto [sh, sw] = int_pair(c.value("strides", json()), {kh, kw});
  const std::string padding = c.contains("padding") ? c["padding"].get<std::string>()
                                                    : c.value("border_mode", std::string("valid"));
  if (padding != "valid" && padding != "same") fail(kl, fmt::format("unsupported padding '{}'", padding));
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
  if (!kl.cfg.value("keepdims", false)) {
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
  const std::string f = kl.cfg.value("data_format", std::string());
  Layer& l = add(kl, OpKind::Flatten);
  l.flatten_order = (f == "channels_first" || !channels_first_) ? FlattenOrder::HWC : FlattenOrder::CHW;
}

void KerasReader::reshape(const KLayer& kl) {
  const json& t = kl.cfg.value("target_shape", json());
  if (!t.is_array() || t.empty()) fail(kl, "config lacks target_shape");
  const auto in_size = static_cast<long long>(shape_size(input_shape_of(kl)));
  std::vector<int> dims;
  long long known = 1;
  int unknown = -1;
  for (const auto& d : t) {
    int v = d.is_number_integer() ? d.get<int>() : -1;
    if (v == -1) unknown = static_cast<int>(dims.size());
    else known *= v;
    dims.push_back(v);
  }
  if (unknown >= 0 && known > 0) dims[static_cast<std::size_t>(unknown)] = static_cast<int>(in_size / known);
  Layer& l = add(kl, OpKind::Reshape);
  l.out_shape = to_chw(dims, fmt::format("layer '{}' target shape", kl.name));
  // A Keras Reshape reinterprets memory: in the model's own layout.
  l.flatten_order = channels_first_ ? FlattenOrder::CHW : FlattenOrder::HWC;
}

void KerasReader::zero_pad(const KLayer& kl) {
  check_format(kl);
  const json& p = kl.cfg.value("padding", json(1));
  int t = 0, b = 0, left = 0, r = 0;
  if (p.is_number_integer()) {
    t = b = left = r = p.get<int>();
  } else if (p.is_array() && p.size() == 2 && p[0].is_array() && p[1].is_array()) {
    std::tie(t, b) = int_pair(p[0], {-1, -1});
    std::tie(left, r) = int_pair(p[1], {-1, -1});
  } else if (p.is_array() && p.size() == 2) {
    std::tie(t, left) = int_pair(p, {-1, -1});
    b = t, r = left;
  } else if (p.is_object()) {
    t = p.value("top_pad", 0), b = p.value("bottom_pad", 0);
    left = p.value("left_pad", 0), r = p.value("right_pad", 0);
  }
  if (std::min({t, b, left, r}) < 0) fail(kl, fmt::format("unreadable padding {}", p.dump()));
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
  if (!axis_v.is_number_integer() || !spatial_axis_ok(kl, axis_v.get<int>(), in.size()))
    fail(kl, fmt::format("normalization over axis {} is not the channel axis", axis_v.dump()));
  if (c.value("mode", 0) != 0) fail(kl, "Keras 1 BatchNormalization mode other than 0");
  const bool scale = c.value("scale", true), center = c.value("center", true);
  const double eps = c.value("epsilon", 1e-3);
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
  }
}

void KerasReader::merge(const KLayer& kl, OpKind op) {
  if (kl.inbound.size() < 2) fail(kl, "needs at least two inputs");
  if (op == OpKind::Concat) {
    const json& a = kl.cfg.contains("axis") ? kl.cfg["axis"] : kl.cfg.value("concat_axis", json(-1));
    if (!a.is_number_integer() || !spatial_axis_ok(kl, a.get<int>(), input_shape_of(kl).size()))
      fail(kl, fmt::format("concatenation along axis {} (only the channel axis is supported)", a.dump()));
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
    add_input(kl, input_shape(kl.cfg));
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
    const std::string mode = kl.cfg.value("mode", std::string());
    if (mode == "sum") merge(kl, OpKind::Add);
    else if (mode == "concat") merge(kl, OpKind::Concat);
    else fail(kl, fmt::format("unsupported merge mode '{}'", mode));
  } else if (is_one_of(c, {"Dropout", "SpatialDropout2D", "GaussianNoise", "GaussianDropout",
                           "AlphaDropout", "ActivityRegularization"})) {
    if (kl.inbound.size() != 1) fail(kl, "expects one input");
    index_[kl.name] = index_.at(kl.inbound[0]);
  } else if (c == "Activation") {
    auto [act, m] = activation(kl, kl.cfg.value("activation", json("linear")));
    activation_layer(kl, act, m);
  } else if (c == "ReLU") {
    const json mv = kl.cfg.value("max_value", json());
    if (kl.cfg.value("negative_slope", 0.0) != 0.0 || kl.cfg.value("threshold", 0.0) != 0.0)
      fail(kl, "ReLU with negative_slope or threshold is not supported");
    if (mv.is_number() && !(mv.get<double>() > 0)) fail(kl, "max_value must be positive");
    activation_layer(kl, mv.is_number() ? Act::ClippedReLU : Act::ReLU,
                     mv.is_number() ? mv.get<float>() : 0.0f);
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

Graph KerasReader::read() {
  parse_config();
  detect_data_format();
  std::string version = src_.keras_version;
  if (version.empty() && top_.contains("keras_version") && top_["keras_version"].is_string())
    version = top_["keras_version"];
  std::string backend = src_.backend;
  if (backend.empty() && top_.contains("backend") && top_["backend"].is_string()) backend = top_["backend"];
  const bool th_ordering = std::any_of(layers_.begin(), layers_.end(), [](const KLayer& kl) {
    return kl.cfg.value("dim_ordering", std::string()) == "th";
  });
  switch (opts_.theano_flip) {
    case TheanoFlip::Flip: flip_ = true; break;
    case TheanoFlip::NoFlip: flip_ = false; break;
    case TheanoFlip::Auto: flip_ = backend.empty() ? th_ordering : backend == "theano"; break;
  }
  for (const auto& kl : layers_) convert(kl);
  if (!index_.count(output_name_))
    throw InputError(fmt::format("{}: output layer '{}' is not in the model", src_.source, output_name_));
  g_.output = index_.at(output_name_);
  g_.meta["source"] = src_.source;
  g_.meta["format"] = src_.layout == KerasWeightLayout::Keras3Archive ? "keras-archive" : "keras-hdf5";
  g_.meta["model_class"] = model_class_;
  g_.meta["keras_version"] = version.empty() ? "unknown" : version;
  g_.meta["backend"] = backend.empty() ? "unknown" : backend;
  g_.meta["data_format"] = channels_first_ ? "channels_first" : "channels_last";
  g_.meta["theano_flip"] = flip_ ? "yes" : "no";
  fuse_activations(g_);
  try {
    validate(g_);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", src_.source, e.what()));
  }
  return std::move(g_);
}

}  // namespace

Graph read_keras(const KerasSource& src, const ImportOptions& opts) {
  try {
    return KerasReader(src, opts).read();
  } catch (const json::exception& e) {
    throw InputError(fmt::format("{}: malformed Keras config in {} ({})", src.source,
                                 src.config_origin, e.what()));
  }
}

}  // namespace brisk::detail
