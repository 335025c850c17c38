#include <brisk/conversion/snn_file.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>

#include <brisk/conversion/import/checked_json.hpp>
#include <brisk/conversion/import/importers.hpp>
#include <brisk/data/hdf5/file.hpp>
#include <brisk/data/hdf5/writer.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk {

namespace {

// ---- names of enums in the file ----------------------------------------------------------

template <class E, std::size_t N>
E parse_enum(const std::string& text, const std::pair<const char*, E> (&table)[N], const std::string& where) {
  for (const auto& [name, value] : table)
    if (text == name) return value;
  throw InputError(fmt::format("{}: unknown value '{}'", where, text));
}

template <class E>
E parse_name(const std::string& text, std::optional<E> (*lookup)(std::string_view), const std::string& where) {
  if (auto value = lookup(text)) return *value;
  throw InputError(fmt::format("{}: unknown value '{}'", where, text));
}

constexpr std::pair<const char*, ResetMode> kResets[] = {
    {"subtract", ResetMode::Subtract}, {"zero", ResetMode::Zero}};
constexpr std::pair<const char*, FlattenOrder> kFlattenOrders[] = {
    {"CHW", FlattenOrder::CHW}, {"HWC", FlattenOrder::HWC}};
constexpr std::pair<const char*, int> kMethods[] = {
    {"rate", 0}, {"radix", 1}, {"termap", 2}, {"augmap", 3}, {"binary", 4}, {"ternary", 5}};

// Every float of a converted file: finite; `normal` ones (thresholds, scales, leaks, V0)
// also not subnormal, since the engine divides by them or compares against them.
enum class Check { finite, normal };

bool acceptable(float v, Check c) {
  if (!std::isfinite(v)) return false;
  return c == Check::finite || std::fpclassify(v) != FP_SUBNORMAL;
}

void check_values(const std::vector<float>& v, Check c, const std::string& path,
                  const std::string& layer, const std::string& what) {
  for (float x : v)
    if (!acceptable(x, c))
      throw InputError(fmt::format("{}: layer '{}': {} holds {} (not a {} number)", path, layer, what,
                                   x, c == Check::finite ? "finite" : "finite, normal"));
}

std::string layer_group(const std::string& graph, std::size_t i) {
  return fmt::format("{}/layers/L{:04d}", graph, i);
}

using h5::Writer;

void write_graph(Writer& w, const Graph& g, const std::string& root) {
  w.group(root);
  w.group(root + "/layers");
  w.ints_attr(root, "input_shape", g.input_shape());
  w.int_attr(root, "output", g.output);
  std::vector<std::string> names;
  for (const auto& l : g.layers) names.push_back(l.name);
  w.strings_attr(root, "layer_names", names);
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const Layer& l = g.layers[i];
    const std::string p = layer_group(root, i);
    w.group(p);
    w.string_attr(p, "name", l.name);
    w.string_attr(p, "type", op_name(l.op));
    w.string_attr(p, "source_class", l.source_class);
    w.ints_attr(p, "inputs", l.inputs);
    w.ints_attr(p, "out_shape", l.out_shape);
    w.string_attr(p, "activation", act_name(l.act));
    if (std::isfinite(l.act_max)) w.float_attr(p, "act_max", l.act_max);
    w.int_attr(p, "act_bits", l.act_bits);
    if (l.act == Act::QCFS) w.int_attr(p, "act_levels", l.act_levels);
    w.ints_attr(p, "kernel", {l.kernel_h, l.kernel_w});
    w.ints_attr(p, "stride", {l.stride_h, l.stride_w});
    w.ints_attr(p, "pads", {l.pad_top, l.pad_bottom, l.pad_left, l.pad_right});
    w.int_attr(p, "count_include_pad", l.avg_count_pad ? 1 : 0);
    w.string_attr(p, "flatten_order", l.flatten_order == FlattenOrder::HWC ? "HWC" : "CHW");
    if (!l.weight.empty()) w.floats(p + "/weight", l.weight, l.weight_shape);
    if (!l.bias.empty()) w.floats(p + "/bias", l.bias);
    if (!l.scale.empty()) w.floats(p + "/scale", l.scale);
    if (!l.shift.empty()) w.floats(p + "/shift", l.shift);
    if (l.bitwise != Bitwise::None) {  // the bitwise attribute set (docs/native-schema.md)
      w.string_attr(p, "bitwise", bitwise_name(l.bitwise));
      w.int_attr(p, "input_levels", l.input_levels);
      w.floats(p + "/weight_scale", l.weight_scale);
      if (!l.latent_weight.empty()) w.floats(p + "/latent_weight", l.latent_weight, l.weight_shape);
      if (!l.threshold_hi.empty()) w.floats(p + "/threshold_hi", l.threshold_hi);
      if (!l.threshold_lo.empty()) w.floats(p + "/threshold_lo", l.threshold_lo);
    }
  }
}

void write_spec(Writer& w, const Conversion& c) {
  const SnnSpec& s = c.spec;
  w.string_attr("snn", "method", s.method);
  w.string_attr("snn", "encoder", encoders::name(s.encoder));
  w.float_attr("snn", "input_scale", s.input_scale);
  w.int_attr("snn", "input_radix_base", s.input_radix_base);
  w.int_attr("snn", "input_radix_digits", s.input_radix_digits);
  w.int_attr("snn", "timesteps", s.timesteps);
  if (s.input_levels > 0) w.int_attr("snn", "input_levels", s.input_levels);
  w.string_attr("snn", "seed", std::to_string(s.seed));
  for (std::size_t i = 0; i < s.layers.size(); ++i) {
    const LayerSpec& l = s.layers[i];
    const std::string p = layer_group("snn", i);
    w.string_attr(p, "neuron", neurons::name(l.neuron));
    w.string_attr(p, "reset", l.reset == ResetMode::Zero ? "zero" : "subtract");
    w.float_attr(p, "leak", l.leak);
    w.float_attr(p, "bias_scale", l.bias_scale);
    w.int_attr(p, "radix_base", l.radix_base);
    w.int_attr(p, "radix_digits", l.radix_digits);
    w.int_attr(p, "max_coefficient", l.max_coefficient);
    w.int_attr(p, "negative_only_if_positive", l.negative_only_if_positive ? 1 : 0);
    w.floats(p + "/threshold", l.threshold);
    if (!l.v0.empty()) w.floats(p + "/v0", l.v0);
    if (i < c.lambda.size() && !c.lambda[i].empty()) w.floats(p + "/lambda", c.lambda[i]);
  }
}

// ---- reader ------------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(const std::string& path) : f_(h5::File::open(path)), path_(path) {}

  std::string str(const std::string& obj, const std::string& name) const { return f_.string_attr(obj, name); }
  std::vector<int> ints(const std::string& obj, const std::string& name) const {
    std::vector<int> out;
    for (std::int64_t v : f_.integers_attr(obj, name)) {
      if (v < -1'000'000'000 || v > 1'000'000'000)
        throw InputError(fmt::format("{}: {} attribute '{}' is out of range", path_, obj, name));
      out.push_back(static_cast<int>(v));
    }
    return out;
  }
  int integer(const std::string& obj, const std::string& name) const {
    const auto v = ints(obj, name);
    if (v.size() != 1) throw InputError(fmt::format("{}: {} attribute '{}' must be one value", path_, obj, name));
    return v[0];
  }
  float number(const std::string& obj, const std::string& name) const {
    const auto v = h5::to_floats(f_.attr(obj, name), f_.where(obj) + " attribute '" + name + "'", h5::Exact::no);
    if (v.size() != 1) throw InputError(fmt::format("{}: {} attribute '{}' must be one value", path_, obj, name));
    return v[0];
  }
  std::vector<int> pair(const std::string& obj, const std::string& name, std::size_t n) const {
    auto v = ints(obj, name);
    if (v.size() != n) throw InputError(fmt::format("{}: {} attribute '{}' needs {} values", path_, obj, name, n));
    return v;
  }
  bool has(const std::string& path) const { return f_.exists(path); }
  bool has_attr(const std::string& obj, const std::string& name) const { return f_.has_attr(obj, name); }
  h5::FloatArray floats(const std::string& path) const { return f_.read_floats(path); }
  std::vector<std::int64_t> int64s(const std::string& path) const {
    return h5::to_int64s(f_.read(path), f_.where(path));
  }
  std::vector<std::string> strings(const std::string& obj, const std::string& name) const {
    return f_.strings_attr(obj, name);
  }
  std::vector<std::string> children(const std::string& g) const { return f_.children(g); }
  const std::string& path() const { return path_; }

 private:
  h5::File f_;
  std::string path_;
};

Graph read_graph(const Reader& r, const std::string& root) {
  Graph g;
  const auto names = r.strings(root, "layer_names");
  if (names.empty()) throw InputError(fmt::format("{}: {} has no layers", r.path(), root));
  g.output = r.integer(root, "output");
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string p = layer_group(root, i);
    if (!r.has(p)) throw InputError(fmt::format("{}: missing group {}", r.path(), p));
    Layer l;
    l.name = r.str(p, "name");
    l.op = parse_name<OpKind>(r.str(p, "type"), op_from_name, r.path() + ": " + p + " type");
    l.source_class = r.str(p, "source_class");
    l.inputs = r.ints(p, "inputs");
    l.out_shape = r.ints(p, "out_shape");
    l.act = parse_name<Act>(r.str(p, "activation"), act_from_name, r.path() + ": " + p + " activation");
    if (r.has_attr(p, "act_max")) l.act_max = r.number(p, "act_max");
    l.act_bits = r.integer(p, "act_bits");
    if (r.has_attr(p, "act_levels")) l.act_levels = r.integer(p, "act_levels");
    const auto k = r.pair(p, "kernel", 2), s = r.pair(p, "stride", 2), pads = r.pair(p, "pads", 4);
    l.kernel_h = k[0], l.kernel_w = k[1], l.stride_h = s[0], l.stride_w = s[1];
    l.pad_top = pads[0], l.pad_bottom = pads[1], l.pad_left = pads[2], l.pad_right = pads[3];
    l.avg_count_pad = r.integer(p, "count_include_pad") != 0;
    l.flatten_order = parse_enum(r.str(p, "flatten_order"), kFlattenOrders,
                                 r.path() + ": " + p + " flatten_order");
    if (r.has_attr(p, "act_max") && !acceptable(l.act_max, Check::normal))
      throw InputError(fmt::format("{}: layer '{}': act_max {} is not a finite, normal number",
                                   r.path(), l.name, l.act_max));
    if (r.has(p + "/weight")) {
      auto w = r.floats(p + "/weight");
      l.weight = std::move(w.data);
      l.weight_shape = std::move(w.shape);
    }
    if (r.has(p + "/bias")) l.bias = r.floats(p + "/bias").data;
    if (r.has(p + "/scale")) l.scale = r.floats(p + "/scale").data;
    if (r.has(p + "/shift")) l.shift = r.floats(p + "/shift").data;
    check_values(l.weight, Check::finite, r.path(), l.name, p + "/weight");
    check_values(l.bias, Check::finite, r.path(), l.name, p + "/bias");
    check_values(l.scale, Check::finite, r.path(), l.name, p + "/scale");
    check_values(l.shift, Check::finite, r.path(), l.name, p + "/shift");
    if (r.has_attr(p, "bitwise")) {  // the bitwise attribute set; validate() checks it
      l.bitwise = parse_name<Bitwise>(r.str(p, "bitwise"), bitwise_from_name, r.path() + ": " + p + " bitwise");
      l.input_levels = r.integer(p, "input_levels");
      for (auto [name, dst] : {std::pair{"weight_scale", &l.weight_scale}, std::pair{"latent_weight", &l.latent_weight},
                               std::pair{"threshold_hi", &l.threshold_hi}, std::pair{"threshold_lo", &l.threshold_lo}}) {
        if (r.has(p + "/" + name)) *dst = r.floats(p + "/" + name).data;
        check_values(*dst, Check::finite, r.path(), l.name, p + "/" + name);
      }
    }
    for (int in : l.inputs)
      if (in < 0 || static_cast<std::size_t>(in) >= i)
        throw InputError(fmt::format("{}: layer '{}' has an input index out of order", r.path(), l.name));
    g.layers.push_back(std::move(l));
  }
  if (g.output < 0 || static_cast<std::size_t>(g.output) >= g.layers.size())
    throw InputError(fmt::format("{}: {} output index out of range", r.path(), root));
  detail::check_output_is_final(g, r.path() + ": /" + root);
  try {
    validate(g);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}: {}", r.path(), root, e.what()));
  }
  return g;
}

std::uint64_t parse_seed(const std::string& text, const std::string& path) {
  try {
    std::size_t used = 0;
    const auto v = std::stoull(text, &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {
  }
  throw InputError(fmt::format("{}: /snn seed '{}' is not an integer", path, text));
}

SnnSpec read_spec(const Reader& r, const Graph& g, std::vector<std::vector<float>>& lambda) {
  SnnSpec s;
  s.method = r.str("snn", "method");
  parse_enum(s.method, kMethods, r.path() + ": /snn method");
  s.encoder = parse_name<EncoderKind>(r.str("snn", "encoder"), encoders::from_name, r.path() + ": /snn encoder");
  s.input_scale = r.number("snn", "input_scale");
  if (!acceptable(s.input_scale, Check::normal) || !(s.input_scale > 0))
    throw InputError(fmt::format("{}: /snn input_scale {} is not a positive, finite, normal number",
                                 r.path(), s.input_scale));
  s.input_radix_base = r.integer("snn", "input_radix_base");
  s.input_radix_digits = r.integer("snn", "input_radix_digits");
  s.timesteps = r.integer("snn", "timesteps");
  if (r.has_attr("snn", "input_levels")) {
    s.input_levels = r.integer("snn", "input_levels");
    if (s.input_levels < 0 || s.input_levels > 65535)
      throw InputError(fmt::format("{}: /snn input_levels {} is not in [0, 65535]", r.path(), s.input_levels));
  }
  if (s.timesteps <= 0) throw InputError(fmt::format("{}: /snn timesteps must be positive", r.path()));
  s.seed = parse_seed(r.str("snn", "seed"), r.path());
  lambda.assign(g.layers.size(), {});
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    const std::string p = layer_group("snn", i);
    LayerSpec l;
    l.neuron = parse_name<NeuronKind>(r.str(p, "neuron"), neurons::from_name, r.path() + ": " + p + " neuron");
    l.reset = parse_enum(r.str(p, "reset"), kResets, r.path() + ": " + p + " reset");
    const std::string& name = g.layers[i].name;
    l.leak = r.number(p, "leak");
    if (!acceptable(l.leak, Check::normal) && l.leak != 0.0f)
      throw InputError(fmt::format("{}: layer '{}': leak {} is not a finite, normal number", r.path(), name, l.leak));
    if (l.leak < 0 || l.leak > 1)
      throw InputError(fmt::format("{}: layer '{}': leak {} is outside [0, 1]", r.path(), name, l.leak));
    l.bias_scale = r.number(p, "bias_scale");
    if (!acceptable(l.bias_scale, Check::normal))
      throw InputError(fmt::format("{}: layer '{}': bias_scale {} is not a finite, normal number",
                                   r.path(), name, l.bias_scale));
    l.radix_base = r.integer(p, "radix_base");
    l.radix_digits = r.integer(p, "radix_digits");
    l.max_coefficient = r.integer(p, "max_coefficient");
    l.negative_only_if_positive = r.integer(p, "negative_only_if_positive") != 0;
    l.threshold = r.floats(p + "/threshold").data;
    if (r.has(p + "/v0")) l.v0 = r.floats(p + "/v0").data;
    if (r.has(p + "/lambda")) lambda[i] = r.floats(p + "/lambda").data;
    if (l.max_coefficient < 0)
      throw InputError(fmt::format("{}: layer '{}': max_coefficient {} is negative", r.path(), name,
                                   l.max_coefficient));
    for (float t : l.threshold)
      if (!(t > 0) || !acceptable(t, Check::normal))
        throw InputError(fmt::format("{}: layer '{}' has a threshold {} (not a positive, finite, "
                                     "normal number)", r.path(), name, t));
    check_values(l.v0, Check::normal, r.path(), name, p + "/v0");
    check_values(lambda[i], Check::normal, r.path(), name, p + "/lambda");
    s.layers.push_back(std::move(l));
  }
  return s;
}

}  // namespace

void write_snn(const Conversion& c, const std::string& path) {
  namespace fs = std::filesystem;
  const std::string tmp = fmt::format("{}.tmp{}", path, static_cast<long>(::getpid()));
  try {
    Writer w(tmp, path);
    w.string_attr("/", "brisk_format", kSnnFormat);
    w.int_attr("/", "schema_version", kSnnSchemaVersion);
    write_graph(w, c.ann, "ann");
    write_graph(w, c.graph, "snn");
    write_spec(w, c);
    w.group("provenance");
    for (const auto& [k, v] : c.provenance) w.string_attr("provenance", k.c_str(), v);
    w.int64s("provenance/calib_indices", c.calib_indices);
    w.string_attr("/", "calibration_report", c.calibration_report);
    w.close();
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw InputError(fmt::format("{}: cannot write the file ({})", path, ec.message()));
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

bool is_snn_file(const std::string& path) {
  try {
    const h5::File f = h5::File::open(path);
    return f.has_attr("", "brisk_format") && f.string_attr("", "brisk_format") == kSnnFormat;
  } catch (const h5::ReaderError&) {
    throw;  // damaged or hostile: probing it again as a model would only repeat the failure
  } catch (const Error&) {
    return false;
  }
}

Conversion read_snn(const std::string& path) {
  const Reader r(path);
  if (!r.has_attr("", "brisk_format") || r.str("", "brisk_format") != kSnnFormat)
    throw InputError(fmt::format("{}: not a brisk SNN file (no brisk_format = \"{}\")", path, kSnnFormat));
  const int version = r.integer("", "schema_version");
  if (version > kSnnSchemaVersion)
    throw InputError(fmt::format("{}: schema version {} is newer than this brisk reads ({})", path,
                                 version, kSnnSchemaVersion));
  Conversion c;
  c.ann = read_graph(r, "ann");
  c.graph = read_graph(r, "snn");
  if (c.ann.layers.size() != c.graph.layers.size())
    throw InputError(fmt::format("{}: /ann and /snn have different layer counts", path));
  c.spec = read_spec(r, c.graph, c.lambda);
  if (r.has("provenance")) {
    for (const auto& key : std::vector<std::string>{"brisk_version", "source_model", "source_sha256",
                                                    "method", "balance", "percentile", "per_channel",
                                                    "seed", "calib_data", "calib_samples", "calibration",
                                                    "ridge", "potential_scope", "input_max"})
      if (r.has_attr("provenance", key)) c.provenance[key] = r.str("provenance", key);
    if (r.has("provenance/calib_indices"))
      c.calib_indices = r.int64s("provenance/calib_indices");
  }
  if (r.has_attr("", "calibration_report")) {
    c.calibration_report = r.str("", "calibration_report");
    if (!c.calibration_report.empty())  // printed as JSON by run and sweep
      detail::parse_json_capped(c.calibration_report, path + ": calibration_report");
  }
  return c;
}

}  // namespace brisk
