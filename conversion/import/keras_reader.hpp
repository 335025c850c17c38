#pragma once
// Internal to the Keras importer: the reader class whose parts live in keras_config.cpp (the
// model_config JSON to a layer list), keras_layers.cpp (per-layer-class translation),
// keras_weights.cpp (locating and laying out weights) and keras.cpp (the entry point).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include <brisk/conversion/import/importers.hpp>

namespace brisk::detail::keras {

using json = nlohmann::json;

// Limits on what a config may ask for (docs/security.md): any count or size a layer
// config gives (filters, units, kernel, stride, padding, input dims), and the layers.
inline constexpr int kMaxConfigInt = 1 << 24;
inline constexpr std::size_t kMaxLayers = 10000;

struct KLayer {
  std::string name;
  std::string cls;
  json cfg;
  std::vector<std::string> inbound;  // producer layer names
  std::string weight_key;            // Keras 3 archive: layers/<weight_key>/vars
};

inline bool is_one_of(const std::string& s, std::initializer_list<const char*> options) {
  return std::any_of(options.begin(), options.end(), [&](const char* o) { return s == o; });
}

class KerasReader {
 public:
  KerasReader(const KerasSource& src, const ImportOptions& opts) : src_(src), opts_(opts) {}
  Graph read();  // keras.cpp

 private:
  // -- config parsing (keras_config.cpp) ---------------------------------------------------
  void parse_config();
  void parse_sequential(const json& layers);
  void parse_functional(const json& cfg);
  std::vector<std::string> inbound_of(const json& layer, const std::string& name) const;
  void detect_data_format();
  std::vector<int> input_shape(const KLayer& kl) const;
  KLayer make_klayer(const json& entry, std::size_t position) const;
  std::vector<int> to_chw(std::vector<int> keras_shape, const std::string& what) const;

  // -- layer conversion (keras_layers.cpp) -------------------------------------------------
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

  // -- helpers -----------------------------------------------------------------------------
  [[noreturn]] void fail(const KLayer& kl, const std::string& what) const;
  const std::vector<int>& input_shape_of(const KLayer& kl, std::size_t k = 0) const;
  // -- weights (keras_weights.cpp) ---------------------------------------------------------
  std::vector<h5::FloatArray> weights(const KLayer& kl, std::size_t expected,
                                      const char* names) const;
  void decide_flip(const std::string& backend);
  std::vector<float> conv_kernel(const std::vector<float>& stored, bool th_layout, int filters,
                                 int cin, int kh, int kw) const;
  std::pair<Act, float> activation(const KLayer& kl, const json& value) const;
  void check_format(const KLayer& kl) const;
  bool spatial_axis_ok(const KLayer& kl, int axis, std::size_t rank) const;
  std::pair<int, int> same_pads(int in, int kernel, int stride) const;
  // Checked reads of a layer's config: the first of `keys` present and not null is read;
  // a wrong JSON type, a fractional or out-of-range number or an unknown enum string is an
  // InputError naming the layer, the key and the value.
  const json* find(const KLayer& kl, std::initializer_list<const char*> keys,
                   const char** used = nullptr) const;
  int to_int(const KLayer& kl, const std::string& key, const json& v, int min, int max) const;
  int cfg_int(const KLayer& kl, std::initializer_list<const char*> keys, int fallback, int min,
              int max = kMaxConfigInt) const;
  bool cfg_bool(const KLayer& kl, std::initializer_list<const char*> keys, bool fallback) const;
  double cfg_number(const KLayer& kl, const char* key, double fallback) const;  // finite
  std::string cfg_enum(const KLayer& kl, std::initializer_list<const char*> keys,
                       const std::string& fallback, std::initializer_list<const char*> allowed) const;
  // An int or [int, int] (each >= min), else `fallback` when absent.
  std::pair<int, int> cfg_pair(const KLayer& kl, std::initializer_list<const char*> keys,
                               std::pair<int, int> fallback, int min) const;
  std::pair<int, int> int_pair(const KLayer& kl, const std::string& key, const json& v, int min) const;
  std::string layer_format(const KLayer& kl) const;  // "" when the layer does not say

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

}  // namespace brisk::detail::keras
