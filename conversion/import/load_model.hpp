#pragma once
// The front door: read a trained ANN file into a validated Graph.
//
//   Graph g = load_model("model.h5");                 // format detected from the file
//   Graph g = load_model("weights.h5", {.arch = "model.json"});
//
// Formats: Keras HDF5 from model.save() (Keras 1.x, 2.x, tf.keras, Keras 3 .h5), Keras
// weights-only HDF5 plus the architecture JSON (`arch`), Keras 3 `.keras` zip archives, and
// the native "brisk ANN HDF5" schema (docs/native-schema.md, written by tools/brisk_torch.py).
//
// The result follows core/graph/graph.hpp: channels-first activations, cross-correlation kernels,
// explicit pads, Flatten order made explicit, BatchNorm as an Affine layer (fold it with
// conversion/passes/fold_batchnorm), stand-alone activations fused into their producer where
// that producer is linear and has no other consumer. Graph::meta gets "format", "source",
// "keras_version", "backend", "data_format" (where known) and "theano_flip".
// Every problem is an InputError with a one-line message naming the file and the layer.
#include <string>

#include <brisk/core/graph/graph.hpp>

namespace brisk {

// Theano-trained Keras files hold convolution kernels flipped by 180 degrees.
enum class TheanoFlip {
  Auto,    // flip when backend == "theano", or for Keras 1 'th' files without a backend
  Flip,    // always flip convolution kernels
  NoFlip,  // never flip
};

struct ImportOptions {
  std::string arch;  // architecture JSON for weights-only Keras files ("" = from the file)
  TheanoFlip theano_flip = TheanoFlip::Auto;
};

Graph load_model(const std::string& path, const ImportOptions& opts = {});

// Parses "auto" | "flip" | "no-flip" (for command-line flags); UsageError otherwise.
TheanoFlip parse_theano_flip(const std::string& text);

}  // namespace brisk

namespace brisk {

// Checks that dataset samples of `sample_shape` can feed the network: the same shape, or the
// same number of values when the network takes a vector (an MLP fed 1x28x28 images reads
// them flattened in the stored order). InputError naming `data` otherwise.
void check_sample_shape(const Graph& g, const std::vector<int>& sample_shape, const std::string& data);

// check_sample_shape(), then relabels the samples with the model's input shape (the same
// values, read flat), so code that needs equal shapes (the engine, calibration) accepts them.
void conform_sample_shape(const Graph& g, std::vector<int>& sample_shape, const std::string& data);

}  // namespace brisk
