// load_model(): format detection and the container formats (HDF5 file, .keras zip archive,
// weights-only file + architecture JSON) in front of the Keras and native readers.
#include <brisk/conversion/import/load_model.hpp>

#include <fmt/format.h>
#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>

#include <brisk/conversion/import/checked_json.hpp>
#include <brisk/conversion/import/importers.hpp>
#include <brisk/conversion/passes/graph_edit.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk {

namespace {

std::string read_text_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot read the {}", path, what));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool starts_with_zip_magic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }  // read-only: nothing to write back
};
struct ZipFileCloser {
  void operator()(zip_file_t* f) const { zip_fclose(f); }
};

// Limits on a .keras member (docs/security.md): the weights file, and the JSON members.
constexpr std::uint64_t kMaxWeightsMember = std::uint64_t{2} << 30;
constexpr std::uint64_t kMaxJsonMember = std::uint64_t{64} << 20;
// Deflate cannot expand by more than about 1032:1.
constexpr std::uint64_t kMaxDeflateRatio = 1032;

class ZipArchive {
 public:
  explicit ZipArchive(const std::string& path) : path_(path) {
    int err = 0;
    std::error_code ec;
    archive_size_ = std::filesystem::file_size(path, ec);
    if (ec) throw InputError(fmt::format("{}: cannot read the archive ({})", path, ec.message()));
    zip_.reset(zip_open(path.c_str(), ZIP_RDONLY, &err));
    if (!zip_) throw InputError(fmt::format("{}: not a readable zip archive", path));
  }
  bool has(const std::string& name) const { return zip_name_locate(zip_.get(), name.c_str(), 0) >= 0; }
  // The member's bytes: its sizes checked against `limit` and the archive before
  // allocating, its CRC-32 checked after reading.
  std::vector<unsigned char> read(const std::string& name, std::uint64_t limit) const {
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat(zip_.get(), name.c_str(), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE))
      throw InputError(fmt::format("{}: the archive has no member '{}'", path_, name));
    const std::string member = fmt::format("{}: member '{}'", path_, name);
    if (st.size > limit)
      throw InputError(fmt::format("{} declares {} bytes (at most {} are read)", member, st.size, limit));
    if (!(st.valid & ZIP_STAT_COMP_SIZE) || !(st.valid & ZIP_STAT_COMP_METHOD) || !(st.valid & ZIP_STAT_CRC))
      throw InputError(fmt::format("{} has no recorded size, method or CRC", member));
    if (st.comp_size > archive_size_)
      throw InputError(fmt::format("{} declares {} compressed bytes in a {}-byte archive", member,
                                   st.comp_size, archive_size_));
    if (st.comp_method == ZIP_CM_STORE ? st.size != st.comp_size
                                       : st.size > st.comp_size * kMaxDeflateRatio + 1024)
      throw InputError(fmt::format("{} declares {} bytes from {} compressed (corrupt directory?)",
                                   member, st.size, st.comp_size));
    std::unique_ptr<zip_file_t, ZipFileCloser> f(zip_fopen(zip_.get(), name.c_str(), 0));
    if (!f) throw InputError(fmt::format("{}: cannot open member '{}'", path_, name));
    std::vector<unsigned char> data(static_cast<std::size_t>(st.size));
    zip_int64_t got = data.empty() ? 0 : zip_fread(f.get(), data.data(), data.size());
    if (got != static_cast<zip_int64_t>(data.size()))
      throw InputError(fmt::format("{} is truncated or corrupt", member));
    // One byte more lets libzip reach the member's end (where it checks the CRC); the CRC
    // is checked here as well, whatever libzip does.
    unsigned char extra = 0;
    if (zip_fread(f.get(), &extra, 1) != 0)
      throw InputError(fmt::format("{} is corrupt ({})", member, zip_file_strerror(f.get())));
    uLong crc = crc32(0L, Z_NULL, 0);
    for (std::size_t at = 0; at < data.size();) {
      const auto n = static_cast<uInt>(std::min<std::size_t>(data.size() - at, std::size_t{1} << 30));
      crc = crc32(crc, data.data() + at, n);
      at += n;
    }
    if (crc != st.crc)
      throw InputError(fmt::format("{} is corrupt (CRC-32 {:08x}, the archive records {:08x})",
                                   member, static_cast<std::uint32_t>(crc), st.crc));
    return data;
  }

 private:
  std::string path_;
  std::uint64_t archive_size_ = 0;
  std::unique_ptr<zip_t, ZipCloser> zip_;
};

// Keras 3 .keras archive: config.json + model.weights.h5 (+ metadata.json).
Graph load_keras_archive(const std::string& path, const ImportOptions& opts) {
  ZipArchive zip(path);
  detail::KerasSource src;
  src.source = path;
  if (!opts.arch.empty()) {
    src.config_json = read_text_file(opts.arch, "architecture JSON");
    src.config_origin = opts.arch;
  } else {
    auto bytes = zip.read("config.json", kMaxJsonMember);
    src.config_json.assign(bytes.begin(), bytes.end());
    src.config_origin = "config.json";
  }
  if (zip.has("metadata.json")) {
    auto bytes = zip.read("metadata.json", kMaxJsonMember);
    nlohmann::json meta;
    try {
      meta = detail::parse_json_capped(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
                                       path + ": metadata.json");
    } catch (const InputError&) {  // metadata only names the Keras version
    }
    if (meta.is_object() && meta.contains("keras_version") && meta["keras_version"].is_string())
      src.keras_version = meta["keras_version"];
  }
  const h5::File weights =
      h5::File::open_image(zip.read("model.weights.h5", kMaxWeightsMember), path + ":model.weights.h5");
  src.weights = &weights;
  src.layout = detail::KerasWeightLayout::Keras3Archive;
  return detail::read_keras(src, opts);
}

std::string attr_or_empty(const h5::File& f, const std::string& obj, const char* name) {
  if (!f.has_attr(obj, name)) return {};
  auto v = f.strings_attr(obj, name);
  return v.size() == 1 ? v[0] : std::string();
}

Graph load_keras_hdf5(const h5::File& f, const std::string& path, const ImportOptions& opts) {
  detail::KerasSource src;
  src.source = path;
  src.weights = &f;
  src.weight_root = f.is_group("model_weights") ? "model_weights" : "";
  if (!opts.arch.empty()) {
    src.config_json = read_text_file(opts.arch, "architecture JSON");
    src.config_origin = opts.arch;
  } else if (f.has_attr("", "model_config")) {
    src.config_json = f.string_attr("", "model_config");
    src.config_origin = "model_config";
  } else {
    throw InputError(fmt::format("{}: no model_config attribute (a weights-only file? give the "
                                 "architecture JSON with --arch FILE)", path));
  }
  for (const std::string& obj : {std::string(), src.weight_root}) {
    if (src.keras_version.empty()) src.keras_version = attr_or_empty(f, obj, "keras_version");
    if (src.backend.empty()) src.backend = attr_or_empty(f, obj, "backend");
  }
  if (src.weight_root.empty() && !f.has_attr("", "layer_names") && !f.has_attr("", "layer_names0"))
    throw InputError(fmt::format("{}: neither a Keras model (model_weights) nor a weights file "
                                 "(layer_names)", path));
  return detail::read_keras(src, opts);
}

}  // namespace

Graph load_model(const std::string& path, const ImportOptions& opts) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw InputError(fmt::format("{}: no such file", path));
  if (starts_with_zip_magic(path)) return load_keras_archive(path, opts);
  const h5::File f = h5::File::open(path);
  if (f.has_attr("", "brisk_format")) {
    const std::string fmt_name = f.string_attr("", "brisk_format");
    if (fmt_name != "brisk-ann")
      throw InputError(fmt::format("{}: unknown brisk_format '{}'", path, fmt_name));
    return detail::read_native(f);
  }
  return load_keras_hdf5(f, path, opts);
}

TheanoFlip parse_theano_flip(const std::string& text) {
  if (text == "auto") return TheanoFlip::Auto;
  if (text == "flip") return TheanoFlip::Flip;
  if (text == "no-flip") return TheanoFlip::NoFlip;
  throw UsageError(fmt::format("--theano-flip must be auto, flip or no-flip, got '{}'", text));
}

namespace detail {

void check_output_is_final(const Graph& g, const std::string& source) {
  if (g.output < 0 || static_cast<std::size_t>(g.output) >= g.layers.size())
    throw InputError(fmt::format("{}: output index {} is out of range", source, g.output));
  for (const Layer& l : g.layers)
    for (int in : l.inputs)
      if (in == g.output)
        throw InputError(fmt::format("{}: output layer '{}' is a hidden layer (layer '{}' reads it)",
                                     source, g.layers[static_cast<std::size_t>(g.output)].name, l.name));
}

void fuse_activations(Graph& g) {
  std::vector<int> replace(g.layers.size());
  std::iota(replace.begin(), replace.end(), 0);
  bool any = false;
  for (std::size_t i = 1; i < g.layers.size(); ++i) {
    const Layer& a = g.layers[i];
    if (a.op != OpKind::Activation || a.inputs.size() != 1) continue;
    const int p = a.inputs[0];
    Layer& producer = g.layers[static_cast<std::size_t>(p)];
    if (p == 0 || producer.act != Act::Linear || producer.act_bits != 0 || consumer_count(g, p) != 1)
      continue;
    copy_activation(producer, a);
    replace[i] = p;
    any = true;
  }
  if (any) bypass_layers(g, std::move(replace));
}

}  // namespace detail

}  // namespace brisk

namespace brisk {

void check_sample_shape(const Graph& g, const std::vector<int>& sample_shape, const std::string& data) {
  const auto& in = g.input_shape();
  if (in == sample_shape) return;
  if (in.size() == 1 && shape_size(in) == shape_size(sample_shape)) return;
  throw InputError(fmt::format("{}: samples of shape {} do not fit the model input {}", data,
                               shape_str(sample_shape), shape_str(in)));
}

void conform_sample_shape(const Graph& g, std::vector<int>& sample_shape, const std::string& data) {
  check_sample_shape(g, sample_shape, data);
  sample_shape = g.input_shape();
}

}  // namespace brisk
