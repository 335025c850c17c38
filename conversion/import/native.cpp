// Reader of the native "brisk ANN HDF5" schema (docs/native-schema.md): the file already
// speaks the graph IR's conventions, so this is a field-by-field copy plus checks.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include <brisk/conversion/import/importers.hpp>
#include <brisk/conversion/import/native_description.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::detail {

namespace {

constexpr int kSchemaVersion = 1;

// Source: an h5::File, or DescriptionSource (the same calls over a NativeDescription).
template <class Source>
class NativeReader {
 public:
  explicit NativeReader(const Source& f) : f_(f) {}

  Graph read() {
    const auto version = f_.numbers_attr("", "schema_version");
    if (version.size() != 1 || version[0] < 1 || version[0] > kSchemaVersion)
      throw InputError(fmt::format("{}: brisk ANN schema version {} is not supported (this brisk "
                                   "reads version {})", f_.label(),
                                   version.empty() ? 0.0 : version[0], kSchemaVersion));
    const auto names = f_.strings_attr("", "layer_names");
    if (names.empty()) throw InputError(fmt::format("{}: layer_names is empty", f_.label()));
    for (const auto& name : names) read_layer(name);
    const std::string out = f_.string_attr("", "output");
    if (!index_.count(out))
      throw InputError(fmt::format("{}: output layer '{}' is not in layer_names", f_.label(), out));
    g_.output = index_.at(out);
    check_output_is_final(g_, f_.label());
    g_.meta["source"] = f_.label();
    g_.meta["format"] = "brisk-hdf5";
    g_.meta["schema_version"] = std::to_string(kSchemaVersion);
    g_.meta["data_format"] = "channels_first";
    if (f_.is_group("metadata"))
      for (const char* key : {"producer", "torch_version", "model_class", "dataset"})
        if (f_.has_attr("metadata", key)) g_.meta[key] = f_.string_attr("metadata", key);
    return std::move(g_);
  }

 private:
  [[noreturn]] void fail(const std::string& layer, const std::string& what) const {
    throw InputError(fmt::format("{}: layer '{}': {}", f_.label(), layer, what));
  }

  std::vector<int> ints(const std::string& obj, const char* attr, std::size_t n,
                        std::vector<int> fallback) const {
    if (!f_.has_attr(obj, attr)) return fallback;
    auto v = f_.integers_attr(obj, attr);
    if (n && v.size() != n) fail(obj, fmt::format("attribute '{}' needs {} values", attr, n));
    std::vector<int> out;
    for (std::int64_t i : v) {
      if (i < -1'000'000'000 || i > 1'000'000'000) fail(obj, fmt::format("attribute '{}' is out of range", attr));
      out.push_back(static_cast<int>(i));
    }
    return out;
  }

  std::vector<float> floats(const std::string& path, const std::string& layer,
                            std::vector<int>* shape = nullptr) const {
    if (!f_.is_dataset(path)) return {};
    auto a = f_.read_floats(path);
    for (float v : a.data)
      if (!std::isfinite(v)) fail(layer, fmt::format("'{}' holds {} (not finite)", path, v));
    if (shape) *shape = a.shape;
    return std::move(a.data);
  }

  void read_activation(const std::string& obj, const std::string& name, Layer& l) const {
    const std::string act = f_.has_attr(obj, "activation") ? f_.string_attr(obj, "activation") : "linear";
    const auto kind = act_from_name(act);
    if (!kind) fail(name, fmt::format("unsupported activation '{}'", act));
    l.act = *kind;
    if (f_.has_attr(obj, "act_max")) {
      auto m = f_.numbers_attr(obj, "act_max");
      if (m.size() != 1) fail(name, "act_max needs one value");
      const auto v = static_cast<float>(m[0]);
      if (!std::isnormal(v) || v < 0) fail(name, fmt::format("act_max {} is not a positive normal number", m[0]));
      l.act_max = v;
    }
    l.act_bits = ints(obj, "act_bits", 1, {0})[0];
    read_qcfs(obj, name, l);
  }

  // QCFS (docs/native-schema.md): act_levels = L, an integer >= 1, and act_max = the trained
  // threshold λ, finite and > 0; act_levels belongs to QCFS only.
  void read_qcfs(const std::string& obj, const std::string& name, Layer& l) const {
    const bool has_levels = f_.has_attr(obj, "act_levels");
    if (l.act != Act::QCFS) {
      if (has_levels) fail(name, fmt::format("act_levels is set but the activation is '{}', not 'qcfs'", act_name(l.act)));
      return;
    }
    if (!has_levels) fail(name, "a qcfs activation needs act_levels (the number of levels L)");
    const auto levels = f_.numbers_attr(obj, "act_levels");
    if (levels.size() != 1) fail(name, "act_levels needs one value");
    if (!(levels[0] >= 1 && levels[0] <= (1 << 24)) || std::floor(levels[0]) != levels[0])
      fail(name, fmt::format("qcfs act_levels {} is not an integer in [1, 2^24]", levels[0]));
    l.act_levels = static_cast<int>(levels[0]);
    if (!f_.has_attr(obj, "act_max"))
      fail(name, "a qcfs activation needs act_max (its trained threshold lambda)");
  }

  // The optional bitwise attribute set (docs/native-schema.md, "Bitwise layers"); the
  // graph's validate_bitwise() checks it once the graph is complete.
  void read_bitwise(const std::string& obj, const std::string& name, Layer& l) const {
    if (f_.has_attr(obj, "bitwise")) {
      const std::string b = f_.string_attr(obj, "bitwise");
      const auto kind = bitwise_from_name(b);
      if (!kind) fail(name, fmt::format("unknown bitwise kind '{}' (expected binary, ternary or none)", b));
      l.bitwise = *kind;
    }
    l.input_levels = ints(obj, "input_levels", 1, {0})[0];
    l.weight_scale = floats(obj + "/weight_scale", name);
    l.latent_weight = floats(obj + "/latent_weight", name);
    l.threshold_hi = floats(obj + "/threshold_hi", name);
    l.threshold_lo = floats(obj + "/threshold_lo", name);
  }

  void read_layer(const std::string& name) {
    const std::string obj = "layers/" + name;
    if (!f_.is_group(obj)) throw InputError(fmt::format("{}: group '{}' is missing", f_.label(), obj));
    Layer l;
    l.name = name;
    const std::string type = f_.string_attr(obj, "type");
    const auto kind = op_from_name(type);
    if (!kind) fail(name, fmt::format("unsupported layer type '{}'", type));
    l.op = *kind;
    l.source_class = f_.has_attr(obj, "source_class") ? f_.string_attr(obj, "source_class") : type;
    if (f_.has_attr(obj, "inputs"))
      for (const auto& src : f_.strings_attr(obj, "inputs")) {
        if (!index_.count(src)) fail(name, fmt::format("input '{}' is not an earlier layer", src));
        l.inputs.push_back(index_.at(src));
      }
    read_activation(obj, name, l);
    const auto kernel = ints(obj, "kernel", 2, {1, 1});
    const auto stride = ints(obj, "stride", 2, l.op == OpKind::Conv2D ? std::vector<int>{1, 1} : kernel);
    const auto pads = ints(obj, "pads", 4, {0, 0, 0, 0});
    l.kernel_h = kernel[0], l.kernel_w = kernel[1], l.stride_h = stride[0], l.stride_w = stride[1];
    l.pad_top = pads[0], l.pad_bottom = pads[1], l.pad_left = pads[2], l.pad_right = pads[3];
    l.avg_count_pad = ints(obj, "count_include_pad", 1, {1})[0] != 0;
    if (f_.has_attr(obj, "flatten_order")) {
      const std::string order = f_.string_attr(obj, "flatten_order");
      if (order != "CHW" && order != "HWC") fail(name, fmt::format("flatten_order '{}'", order));
      l.flatten_order = order == "CHW" ? FlattenOrder::CHW : FlattenOrder::HWC;
    }
    if (l.op == OpKind::Input) l.out_shape = ints("", "input_shape", 0, {});
    if (l.op == OpKind::Reshape) l.out_shape = ints(obj, "target_shape", 0, {});
    l.weight = floats(obj + "/weight", name, &l.weight_shape);
    l.bias = floats(obj + "/bias", name);
    l.scale = floats(obj + "/scale", name);
    l.shift = floats(obj + "/shift", name);
    read_bitwise(obj, name, l);
    if ((l.op == OpKind::Dense || l.op == OpKind::Conv2D) && l.weight.empty())
      fail(name, "dataset 'weight' is missing");
    if (l.op == OpKind::Conv2D && l.weight_shape.size() == 4 &&
        (l.weight_shape[2] != l.kernel_h || l.weight_shape[3] != l.kernel_w))
      fail(name, fmt::format("weight shape {} contradicts kernel {}x{}", shape_str(l.weight_shape),
                             l.kernel_h, l.kernel_w));
    if (index_.count(name)) fail(name, "listed twice in layer_names");
    index_[name] = static_cast<int>(g_.layers.size());
    g_.layers.push_back(std::move(l));
  }

  const Source& f_;
  Graph g_;
  std::map<std::string, int> index_;
};

// The h5::File calls NativeReader makes, over a NativeDescription, with the same messages
// ("label: object: ...").
class DescriptionSource {
 public:
  explicit DescriptionSource(const NativeDescription& d) : d_(d) {}

  const std::string& label() const { return d_.label; }
  bool is_group(const std::string& path) const { return d_.objects.count(path) != 0; }
  bool is_dataset(const std::string& path) const { return d_.datasets.count(path) != 0; }
  bool has_attr(const std::string& object, const std::string& name) const {
    const auto o = d_.objects.find(object);
    return o != d_.objects.end() && o->second.count(name) != 0;
  }
  std::vector<std::string> strings_attr(const std::string& object, const std::string& name) const {
    const NativeAttribute& a = attr(object, name);
    if (!a.is_string) throw InputError(fmt::format("{}: attribute '{}' is not a string", where(object), name));
    return a.strings;
  }
  std::string string_attr(const std::string& object, const std::string& name) const {
    auto v = strings_attr(object, name);
    if (v.size() != 1)
      throw InputError(fmt::format("{}: attribute '{}' holds {} strings, expected one", where(object),
                                   name, v.size()));
    return v[0];
  }
  std::vector<double> numbers_attr(const std::string& object, const std::string& name) const {
    const NativeAttribute& a = attr(object, name);
    if (a.is_string) throw InputError(fmt::format("{}: attribute '{}' is not numeric", where(object), name));
    return a.numbers;
  }
  std::vector<std::int64_t> integers_attr(const std::string& object, const std::string& name) const {
    std::vector<std::int64_t> out;
    for (double d : numbers_attr(object, name)) {
      if (!(d == std::floor(d) && d >= -0x1p63 && d < 0x1p63))
        throw InputError(fmt::format("{}: attribute '{}': value {} is not an int64", where(object), name, d));
      out.push_back(static_cast<std::int64_t>(d));
    }
    return out;
  }
  const NativeArray& read_floats(const std::string& path) const {
    const auto it = d_.datasets.find(path);
    if (it == d_.datasets.end()) throw InputError(fmt::format("{}: no dataset", where(path)));
    const NativeArray& a = it->second;
    std::size_t n = 1;
    for (int s : a.shape) {
      if (s < 0) throw InputError(fmt::format("{}: negative dimension {}", where(path), s));
      if (s != 0 && n > a.data.size() / static_cast<std::size_t>(s) + 1)
        throw InputError(fmt::format("{}: shape {} does not fit {} values", where(path), shape_str(a.shape),
                                     a.data.size()));
      n *= static_cast<std::size_t>(s);
    }
    if (n != a.data.size())
      throw InputError(fmt::format("{}: shape {} holds {} values, {} given", where(path),
                                   shape_str(a.shape), n, a.data.size()));
    return a;
  }

 private:
  std::string where(const std::string& object) const {
    return fmt::format("{}: {}", d_.label, object.empty() ? "/" : object);
  }
  const NativeAttribute& attr(const std::string& object, const std::string& name) const {
    const auto o = d_.objects.find(object);
    if (o == d_.objects.end() || !o->second.count(name))
      throw InputError(fmt::format("{}: attribute '{}' is missing", where(object), name));
    return o->second.at(name);
  }

  const NativeDescription& d_;
};

template <class Source>
Graph read_validated(const Source& source) {
  Graph g = NativeReader<Source>(source).read();
  fuse_activations(g);
  try {
    validate(g);
  } catch (const InputError& e) {
    throw InputError(fmt::format("{}: {}", source.label(), e.what()));
  }
  return g;
}

}  // namespace

Graph read_native(const h5::File& file) { return read_validated(file); }

}  // namespace brisk::detail

namespace brisk {

Graph load_native_description(const NativeDescription& d) {
  const detail::DescriptionSource source(d);
  if (!source.has_attr("", "brisk_format"))
    throw InputError(fmt::format("{}: no brisk_format attribute (not a brisk ANN description)", d.label));
  const std::string name = source.string_attr("", "brisk_format");
  if (name != "brisk-ann") throw InputError(fmt::format("{}: unknown brisk_format '{}'", d.label, name));
  return detail::read_validated(source);
}

}  // namespace brisk
