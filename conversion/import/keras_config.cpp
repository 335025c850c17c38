// Keras importer, part 1: the model_config JSON (Sequential as a list or {"layers": ...},
// functional with inbound_nodes, Keras 3 keras_history nodes) to a topologically ordered
// layer list, the data format and the input shape.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <set>

#include <brisk/conversion/import/checked_json.hpp>
#include <brisk/conversion/import/keras_reader.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::detail::keras {

namespace {

// Keras 3 addresses archive weights by the snake-cased class name plus a per-class counter.
std::string snake_case(const std::string& cls) {
  std::string s = std::regex_replace(cls, std::regex("\\W+"), "");
  s = std::regex_replace(s, std::regex("(.)([A-Z][a-z]+)"), "$1_$2");
  s = std::regex_replace(s, std::regex("([a-z])([A-Z])"), "$1_$2");
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------

void KerasReader::parse_config() {
  top_ = parse_json_capped(src_.config_json, fmt::format("{}: {}", src_.source, src_.config_origin));
  if (!top_.is_object() || !top_.contains("class_name") || !top_.contains("config"))
    throw InputError(fmt::format("{}: {} has no class_name/config", src_.source, src_.config_origin));
  if (!top_["class_name"].is_string())
    throw InputError(fmt::format("{}: {} class_name is {}, not a string", src_.source,
                                 src_.config_origin, short_dump(top_["class_name"])));
  model_class_ = top_["class_name"].get<std::string>();
  const json& cfg = top_["config"];
  if (!cfg.is_array() && !cfg.is_object())
    throw InputError(fmt::format("{}: {} config is {}, not an object", src_.source,
                                 src_.config_origin, short_dump(cfg)));
  if (model_class_ == "Sequential") {
    parse_sequential(cfg.is_array() ? cfg : cfg.value("layers", json::array()));
  } else if (is_one_of(model_class_, {"Model", "Functional"})) {
    parse_functional(cfg);
  } else {
    throw InputError(fmt::format("{}: unsupported model class '{}' (expected Sequential, Model or "
                                 "Functional)", src_.source, model_class_));
  }
  std::set<std::string> names;
  for (const auto& kl : layers_)
    if (!names.insert(kl.name).second) fail(kl, "the name is used by two layers");
  // Keras 3 archive keys: snake-cased class name, numbered per class in layer order.
  std::map<std::string, int> used;
  for (auto& kl : layers_) {
    std::string key = snake_case(kl.cls);
    int n = used[key]++;
    kl.weight_key = n == 0 ? key : fmt::format("{}_{}", key, n);
  }
}

KLayer KerasReader::make_klayer(const json& entry, std::size_t position) const {
  KLayer kl;
  kl.name = fmt::format("layer_{}", position);
  kl.cls.push_back('?');  // until the entry names its class
  if (!entry.is_object())
    fail(kl, fmt::format("the layer entry is {}, not an object", short_dump(entry)));
  if (!entry.contains("class_name") || !entry["class_name"].is_string())
    fail(kl, "the layer entry has no class_name string");
  kl.cls = entry["class_name"].get<std::string>();
  kl.cfg = entry.value("config", json::object());
  if (!kl.cfg.is_object()) fail(kl, fmt::format("'config' is {}, not an object", short_dump(kl.cfg)));
  const json* name = entry.contains("name") ? &entry["name"] : kl.cfg.contains("name") ? &kl.cfg["name"] : nullptr;
  if (name && !name->is_string() && !name->is_null())
    fail(kl, fmt::format("'name' is {}, not a string", short_dump(*name)));
  if (name && name->is_string() && !name->get<std::string>().empty()) kl.name = name->get<std::string>();
  return kl;
}

void KerasReader::parse_sequential(const json& layers) {
  if (!layers.is_array() || layers.empty())
    throw InputError(fmt::format("{}: {} lists no layers", src_.source, src_.config_origin));
  if (layers.size() > kMaxLayers)
    throw InputError(fmt::format("{}: {} lists {} layers (at most {} are read)", src_.source,
                                 src_.config_origin, layers.size(), kMaxLayers));
  std::string previous;
  for (const json& entry : layers) {
    KLayer kl = make_klayer(entry, layers_.size());
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

namespace {

// Collects the producer names of a Keras 3 node argument tree; "" for a malformed
// keras_history (the caller names the layer).
void collect_keras3(const json& v, std::vector<std::string>& out) {
  if (v.is_array()) {
    for (const auto& e : v) collect_keras3(e, out);
  } else if (v.is_object()) {
    const auto cls = v.find("class_name");
    if (cls != v.end() && cls->is_string() && *cls == "__keras_tensor__") {
      const auto cfg = v.find("config");
      const json* h = nullptr;
      if (cfg != v.end() && cfg->is_object() && cfg->contains("keras_history"))
        h = &(*cfg)["keras_history"];
      if (h && h->is_array() && !h->empty() && (*h)[0].is_string() && !(*h)[0].get<std::string>().empty())
        out.push_back((*h)[0].get<std::string>());
      else
        out.emplace_back();
    } else {
      for (const auto& [k, e] : v.items()) collect_keras3(e, out);
    }
  }
}

}  // namespace

std::vector<std::string> KerasReader::inbound_of(const json& layer, const std::string& name) const {
  const json nodes = layer.value("inbound_nodes", json::array());
  std::vector<std::string> out;
  const auto bad = [&](const std::string& what) {
    return InputError(fmt::format("{}: layer '{}': inbound_nodes {}", src_.source, name, what));
  };
  if (nodes.is_null()) return out;
  if (!nodes.is_array()) throw bad(fmt::format("is {}, not a list", short_dump(nodes)));
  if (nodes.empty()) return out;
  if (nodes.size() > 1)
    throw InputError(fmt::format("{}: layer '{}' is called {} times (shared layers are not "
                                 "supported)", src_.source, name, nodes.size()));
  const json& node = nodes[0];
  if (node.is_object()) {  // Keras 3: {"args": [...], "kwargs": {...}}
    if (node.contains("args")) collect_keras3(node["args"], out);
    if (std::find(out.begin(), out.end(), std::string()) != out.end())
      throw bad("hold a keras_history that is not [layer name, node, tensor]");
  } else if (node.is_array()) {  // Keras 1/2: [[name, node_index, tensor_index(, kwargs)], ...]
    for (const json& ref : node) {
      if (!ref.is_array() || ref.empty() || !ref[0].is_string())
        throw bad(fmt::format("hold {}, not [layer name, node, tensor]", short_dump(ref)));
      out.push_back(ref[0].get<std::string>());
    }
  } else {
    throw bad(fmt::format("hold {}, not a node", short_dump(node)));
  }
  return out;
}

namespace {

// The name of the first layer in a Keras [name, node, tensor] reference list (or a bare one).
std::string first_ref(const json& refs) {
  if (refs.is_array() && !refs.empty()) {
    if (refs[0].is_string()) return refs[0];
    if (refs[0].is_array() && !refs[0].empty() && refs[0][0].is_string()) return refs[0][0];
  }
  return {};
}

}  // namespace

void KerasReader::parse_functional(const json& cfg) {
  std::vector<KLayer> pending;
  const json& layers = cfg.is_object() ? cfg.value("layers", json::array()) : cfg;
  if (!layers.is_array())
    throw InputError(fmt::format("{}: {} layers is {}, not a list", src_.source,
                                 src_.config_origin, short_dump(layers)));
  if (layers.size() > kMaxLayers)
    throw InputError(fmt::format("{}: {} lists {} layers (at most {} are read)", src_.source,
                                 src_.config_origin, layers.size(), kMaxLayers));
  for (const json& entry : layers) {
    KLayer kl = make_klayer(entry, pending.size());
    kl.inbound = inbound_of(entry, kl.name);
    pending.push_back(std::move(kl));
  }
  if (!cfg.is_object())
    throw InputError(fmt::format("{}: {} config is not an object", src_.source, src_.config_origin));
  const json outputs = cfg.value("output_layers", json::array());
  const json inputs = cfg.value("input_layers", json::array());
  if (inputs.is_array() && inputs.size() > 1 && inputs[0].is_array())
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

// "channels_first", "channels_last" or "" (the layer does not say); an unknown
// data_format or dim_ordering is refused.
std::string KerasReader::layer_format(const KLayer& kl) const {
  const std::string f = cfg_enum(kl, {"data_format"}, "", {"channels_first", "channels_last"});
  if (!f.empty()) return f;
  const std::string d = cfg_enum(kl, {"dim_ordering"}, "", {"th", "tf", "default"});
  if (d.empty() || d == "default") return {};
  return d == "th" ? "channels_first" : "channels_last";
}

void KerasReader::detect_data_format() {
  std::string found;
  for (const auto& kl : layers_) {
    if (!is_one_of(kl.cls, {"Conv2D", "Convolution2D", "MaxPooling2D", "AveragePooling2D",
                            "MaxPool2D", "AvgPool2D", "GlobalAveragePooling2D", "ZeroPadding2D"}))
      continue;
    const std::string f = layer_format(kl);
    if (f.empty()) continue;
    if (!found.empty() && f != found)
      fail(kl, fmt::format("data format {} differs from the model's {} (mixed formats are not "
                           "supported)", f, found));
    found = f;
  }
  channels_first_ = found == "channels_first";
}

void KerasReader::check_format(const KLayer& kl) const {
  const std::string f = layer_format(kl);
  if (!f.empty() && (f == "channels_first") != channels_first_)
    fail(kl, fmt::format("data format {} differs from the model's", f));
}

// ---------------------------------------------------------------------------------------
// Checked config reads
// ---------------------------------------------------------------------------------------

const json* KerasReader::find(const KLayer& kl, std::initializer_list<const char*> keys,
                              const char** used) const {
  for (const char* k : keys) {
    const auto it = kl.cfg.find(k);
    if (it != kl.cfg.end() && !it->is_null()) {
      if (used) *used = k;
      return &*it;
    }
  }
  return nullptr;
}

int KerasReader::to_int(const KLayer& kl, const std::string& key, const json& v, int min, int max) const {
  const auto out_of_range = [&] {
    fail(kl, fmt::format("'{}' is {} (expected an integer from {} to {})", key, short_dump(v), min, max));
  };
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (min > 0 && u < static_cast<std::uint64_t>(min)) out_of_range();
    if (u > static_cast<std::uint64_t>(max)) out_of_range();
    return static_cast<int>(u);
  }
  if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (i < min || i > max) out_of_range();
    return static_cast<int>(i);
  }
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d) || d != std::trunc(d))
      fail(kl, fmt::format("'{}' is {} (expected an integer)", key, short_dump(v)));
    if (d < min || d > max) out_of_range();
    return static_cast<int>(d);
  }
  fail(kl, fmt::format("'{}' is {} (expected an integer)", key, short_dump(v)));
}

int KerasReader::cfg_int(const KLayer& kl, std::initializer_list<const char*> keys, int fallback,
                         int min, int max) const {
  const char* key = nullptr;
  const json* v = find(kl, keys, &key);
  return v ? to_int(kl, key, *v, min, max) : fallback;
}

bool KerasReader::cfg_bool(const KLayer& kl, std::initializer_list<const char*> keys, bool fallback) const {
  const char* key = nullptr;
  const json* v = find(kl, keys, &key);
  if (!v) return fallback;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number_integer() && (v->get<std::int64_t>() == 0 || v->get<std::int64_t>() == 1))
    return v->get<std::int64_t>() == 1;
  fail(kl, fmt::format("'{}' is {} (expected true or false)", key, short_dump(*v)));
}

double KerasReader::cfg_number(const KLayer& kl, const char* key, double fallback) const {
  const json* v = find(kl, {key});
  if (!v) return fallback;
  if (!v->is_number() || !std::isfinite(v->get<double>()))
    fail(kl, fmt::format("'{}' is {} (expected a finite number)", key, short_dump(*v)));
  return v->get<double>();
}

std::string KerasReader::cfg_enum(const KLayer& kl, std::initializer_list<const char*> keys,
                                  const std::string& fallback,
                                  std::initializer_list<const char*> allowed) const {
  const char* key = nullptr;
  const json* v = find(kl, keys, &key);
  if (!v) return fallback;
  if (v->is_string() && is_one_of(v->get<std::string>(), allowed)) return v->get<std::string>();
  std::string options;
  for (const char* a : allowed) options += fmt::format("{}{}", options.empty() ? "" : ", ", a);
  fail(kl, fmt::format("unsupported {} {} (expected {})", key, short_dump(*v), options));
}

std::pair<int, int> KerasReader::int_pair(const KLayer& kl, const std::string& key, const json& v,
                                          int min) const {
  if (v.is_array() && v.size() == 2)
    return {to_int(kl, key, v[0], min, kMaxConfigInt), to_int(kl, key, v[1], min, kMaxConfigInt)};
  if (v.is_array() && v.size() == 1) {
    const int i = to_int(kl, key, v[0], min, kMaxConfigInt);
    return {i, i};
  }
  if (v.is_number()) {
    const int i = to_int(kl, key, v, min, kMaxConfigInt);
    return {i, i};
  }
  fail(kl, fmt::format("'{}' is {} (expected an integer or two)", key, short_dump(v)));
}

std::pair<int, int> KerasReader::cfg_pair(const KLayer& kl, std::initializer_list<const char*> keys,
                                          std::pair<int, int> fallback, int min) const {
  const char* key = nullptr;
  const json* v = find(kl, keys, &key);
  return v ? int_pair(kl, key, *v, min) : fallback;
}

std::vector<int> KerasReader::to_chw(std::vector<int> s, const std::string& what) const {
  if (s.size() == 2) s.insert(channels_first_ ? s.begin() : s.end(), 1);  // (H, W) images
  if (s.size() == 3 && !channels_first_) s = {s[2], s[0], s[1]};
  if (s.size() != 1 && s.size() != 3)
    throw InputError(fmt::format("{}: {} has {} dimensions (expected a vector or an image)",
                                 src_.source, what, s.size()));
  return s;
}

std::vector<int> KerasReader::input_shape(const KLayer& kl) const {
  const json& cfg = kl.cfg;
  json dims;
  bool has_batch = true;
  std::string key;
  for (const char* k : {"batch_input_shape", "batch_shape", "input_shape", "input_dim"}) {
    if (!cfg.contains(k) || cfg[k].is_null()) continue;
    key = k;
    dims = key == "input_dim" ? json::array({cfg[k]}) : cfg[k];
    has_batch = key == "batch_input_shape" || key == "batch_shape";
    break;
  }
  if (!dims.is_array() || dims.size() < (has_batch ? 2u : 1u))
    throw InputError(fmt::format("{}: {} gives no input shape", src_.source, src_.config_origin));
  std::vector<int> shape;
  std::int64_t elements = 1;
  for (std::size_t i = has_batch ? 1 : 0; i < dims.size(); ++i) {
    if (dims[i].is_null())
      throw InputError(fmt::format("{}: input shape {} has an unknown dimension", src_.source,
                                   short_dump(dims)));
    shape.push_back(to_int(kl, key, dims[i], 1, kMaxConfigInt));
    elements *= shape.back();
    if (elements > std::int64_t{1} << 31)
      fail(kl, fmt::format("'{}' {} has more than 2^31 elements", key, short_dump(dims)));
  }
  return to_chw(shape, "the input");
}

}  // namespace brisk::detail::keras
