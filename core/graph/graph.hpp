#pragma once
// The ANN graph: *what* a trained network computes, in float, independent of how brisk
// later runs it. Importers (conversion/import) produce it; conversion passes rewrite it;
// the spiking compiler (core/) turns it into a SpikingNetwork plan.
//
// Conventions (fixed; importers convert into them):
//  - activations are per sample, channels first: {C, H, W} for images, {N} for vectors;
//  - Dense weight is stored [in][out] row-major (one input spike adds one contiguous row);
//  - Conv2D weight is stored [cout][cin][kh][kw] (PyTorch OIHW) as a cross-correlation
//    (Theano-flipped kernels are already rotated by the importer);
//  - layers are in topological order: every input index is smaller than the layer's own.
#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <brisk/core/base/shape.hpp>

namespace brisk {

enum class OpKind {
  Input,            // the network input; out_shape is the sample shape
  Dense,            // weight [in][out], bias [out] or empty
  Conv2D,           // weight [cout][cin][kh][kw], bias [cout] or empty; stride, explicit pads
  AvgPool2D,        // kernel, stride, explicit pads; avg_count_pad selects the divisor
  MaxPool2D,        // kernel, stride, explicit pads (padding never wins the max)
  GlobalAvgPool2D,  // {C,H,W} -> {C}
  Flatten,          // {C,H,W} -> {C*H*W}, element order by flatten_order
  Reshape,          // flat reinterpretation to out_shape (element order by flatten_order)
  ZeroPad2D,        // explicit pads, no weights
  Affine,           // per-channel y = x*scale[c] + shift[c] (a BatchNorm not folded)
  Activation,       // a stand-alone activation (act) with no synaptic operator
  Add,              // element-wise sum of all inputs (same shapes), plus bias [C] if any
  Concat,           // concatenation along the channel axis (axis 0 of the per-sample shape)
};

// Activation applied to a layer's output. Softmax is only allowed on the output layer,
// where it is dropped: the readout keeps logits (argmax is unchanged).
// QCFS (quantization clip-floor-shift, Bu et al., ICLR 2022) with L = act_levels levels and
// trained threshold λ = act_max: y = λ/L * clamp(floor(x * L / λ + 1/2), 0, L), computed in
// float as tools/brisk_torch.py's QCFS does: t = clamp(x / λ, 0, 1), floor(t * L + 0.5) / L * λ.
enum class Act { Linear, ReLU, ClippedReLU, Softmax, QCFS };

// Order in which a Flatten/Reshape walks a {C,H,W} tensor. Keras channels_last (and
// channels_first from Keras 2.1.6 on) flattens as HWC; PyTorch and old 'th' as CHW.
enum class FlattenOrder { CHW, HWC };

// Binary / ternary layers (docs/native-schema.md, "Bitwise layers"): a Dense layer whose
// weights are the alphabet {-1,+1} or {-1,0,+1}; its pre-activation z = sum w * a is an
// integer (a: +-1/0 outputs of a bitwise producer, or round(x * input_levels) of the input).
enum class Bitwise { None, Binary, Ternary };

struct Layer {
  std::string name;          // name in the source file, used in every message
  std::string source_class;  // class in the source file ("Conv2D", "Linear", ...)
  OpKind op = OpKind::Input;
  std::vector<int> inputs;     // producer layer indices (empty for Input)
  std::vector<int> out_shape;  // per-sample output shape, filled by infer_shapes()

  Act act = Act::Linear;
  float act_max = std::numeric_limits<float>::infinity();  // ClippedReLU ceiling
  // Clip-floor quantized activation (ANNs trained for radix coding): when act_bits > 0 the
  // layer outputs clamp(floor(x * 2^bits / act_max), 0, 2^bits - 1) * act_max / 2^bits.
  // Requires act == ClippedReLU.
  int act_bits = 0;
  int act_levels = 0;  // QCFS: L >= 1 (act_max is its threshold λ); ignored by other kinds

  std::vector<float> weight;
  std::vector<int> weight_shape;  // Dense {in, out}; Conv2D {cout, cin, kh, kw}
  std::vector<float> bias;        // empty = no bias

  int kernel_h = 1, kernel_w = 1;
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_bottom = 0, pad_left = 0, pad_right = 0;
  bool avg_count_pad = false;  // AvgPool2D: divide by the full window (PyTorch default) or
                               // by the valid elements only (Keras 'same')

  FlattenOrder flatten_order = FlattenOrder::CHW;

  std::vector<float> scale, shift;  // Affine, per channel

  // Bitwise layers (Dense only). A hidden one outputs +1 at z >= threshold_hi, -1 at
  // z <= threshold_lo (ternary; binary: -1 otherwise), else 0; the output layer outputs the
  // logits weight_scale * z + bias. weight_scale > 0 per output (informative for hidden
  // layers: the thresholds already include it); latent_weight (optional, [in][out] in
  // [-1, 1]) is what stochastic ensembles round; input_levels > 0: the input is
  // round(x * input_levels) (the first layer, on the analog image).
  Bitwise bitwise = Bitwise::None;
  int input_levels = 0;
  std::vector<float> weight_scale, latent_weight, threshold_hi, threshold_lo;
};

struct Graph {
  std::vector<Layer> layers;  // topological order, layers[0] is the Input
  int output = -1;            // the readout layer (normally the last one)
  // Provenance and format facts: "source", "format" (keras|brisk), "keras_version",
  // "backend", "data_format", ...
  std::map<std::string, std::string> meta;

  const std::vector<int>& input_shape() const { return layers.front().out_shape; }
  const Layer& find(const std::string& name) const;  // throws InputError when absent
};

std::span<const OpKind> all_ops();  // every operator, in the names table
const char* op_name(OpKind op);   // "Conv2D": the names files use (native schema, SNN file)
const char* act_name(Act act);    // "linear", "relu", "clipped_relu", "softmax", "qcfs"
std::optional<OpKind> op_from_name(std::string_view name);
std::optional<Act> act_from_name(std::string_view name);
const char* bitwise_name(Bitwise b);  // "none", "binary", "ternary"
std::optional<Bitwise> bitwise_from_name(std::string_view name);

// Checks of the bitwise attribute set (validate() calls it): weights in the alphabet, one
// positive finite scale per output, finite thresholds on hidden layers (lo < hi for
// ternary), none on the output layer, integer inputs. InputError naming the layer.
void validate_bitwise(const Graph& g);
// The output of a bitwise layer from its input x (Graph order): see Layer::bitwise.
void bitwise_forward(const Layer& l, bool is_output, std::span<const float> x, std::vector<float>& y);

// Copies the activation of `src` (act, act_max, act_bits, act_levels) onto `dst`: what
// fusing a stand-alone activation or folding a BatchNorm moves onto the producer.
void copy_activation(Layer& dst, const Layer& src);

// Fills every out_shape from the Input shape and checks every weight shape against the
// layer's geometry. Throws InputError naming the layer on any contradiction.
void infer_shapes(Graph& g);

// infer_shapes() plus: weights and biases finite, inputs in topological order, output set.
void validate(Graph& g);

// Multiply-accumulates of one layer for one sample (0 for layers without weights).
std::size_t layer_macs(const Graph& g, int layer);
std::size_t graph_macs(const Graph& g);

// Reference float forward pass of one sample (input in the Input's {C,H,W} order).
// Returns the output layer's values before any softmax. If `activations` is given it
// receives every layer's output (after its activation), indexed like g.layers.
std::vector<float> forward(const Graph& g, std::span<const float> input,
                           std::vector<std::vector<float>>* activations = nullptr);

}  // namespace brisk
