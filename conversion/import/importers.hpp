#pragma once
// Internal: the per-format readers behind load_model().
#include <string>

#include <brisk/data/hdf5/file.hpp>
#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/graph/graph.hpp>

namespace brisk::detail {

// Where a Keras model's weights live.
enum class KerasWeightLayout {
  ByWeightNames,   // <root>/<layer>/ with attribute weight_names (model.save, save_weights)
  Keras3Archive,   // layers/<snake_class>[_n]/vars/<i> (model.weights.h5 inside a .keras zip)
};

struct KerasSource {
  const h5::File* weights = nullptr;
  std::string weight_root;        // "model_weights", or "" for weights-only files
  KerasWeightLayout layout = KerasWeightLayout::ByWeightNames;
  std::string config_json;        // model_config / config.json / --arch contents
  std::string config_origin;      // for messages: "model_config", the arch file, ...
  std::string keras_version;      // "" when unknown
  std::string backend;            // "" when the file does not say
  std::string source;             // the path the user gave
};

Graph read_keras(const KerasSource& src, const ImportOptions& opts);
Graph read_native(const h5::File& file);

// InputError naming `source` when g.output is an input of another layer (a hidden layer
// named as the output: the run would score it against the labels).
void check_output_is_final(const Graph& g, const std::string& source);

// Fuses each stand-alone Activation into its producer when that producer is linear and the
// activation is its only consumer (Conv2D + Activation('relu') -> Conv2D with act ReLU).
void fuse_activations(Graph& g);

}  // namespace brisk::detail
