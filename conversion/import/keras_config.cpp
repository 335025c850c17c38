// Keras importer, part 1: the model_config JSON (Sequential as a list or {"layers": ...},
// functional with inbound_nodes, Keras 3 keras_history nodes) to a topologically ordered
// layer list, the data format and the input shape.
#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

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

namespace {

KLayer make_klayer(const json& entry) {
  KLayer kl;
  kl.cls = entry.value("class_name", "");
  kl.cfg = entry.value("config", json::object());
  if (entry.contains("name") && entry["name"].is_string()) kl.name = entry["name"];
  else if (kl.cfg.contains("name") && kl.cfg["name"].is_string()) kl.name = kl.cfg["name"];
  return kl;
}

}  // namespace

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

namespace {

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

}  // namespace

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

}  // namespace brisk::detail::keras
