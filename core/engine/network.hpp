#pragma once
// The compiled spiking network: *how* brisk runs a (Graph, SnnSpec) pair.
//
// (Graph, SnnSpec) says what is computed; compile() turns it into a SpikingNetwork plan
// laid out for event-driven execution:
//  - plan layer i is Graph layer i (same indices, same names) — results and recordings
//    are indexed like Graph::layers;
//  - images are channels-last inside the plan (neuron id = (y*W + x)*C + c), so that one
//    spike adds cout-contiguous vectors; Dense weights are [in][out] rows whose order
//    follows the producer's internal layout (a Flatten costs nothing at run time);
//    Conv2D weights are repacked [cin][kh][kw][cout];
//  - thresholds are expanded per channel, V0 per neuron, biases pre-multiplied by
//    bias_scale;
//  - with direct encoding every layer reachable from the Input through weightless layers
//    is "analog": its input is a constant current computed once per sample;
//  - radix layers are pipelined: a layer integrates the K digits of its inputs in its
//    window [window_start, window_start + K) and emits its own digits in the next K steps.
// The plan is immutable after compile() and shared read-only by all worker threads.
#include <cstdint>
#include <string>
#include <vector>

#include <brisk/core/base/aligned.hpp>
#include <brisk/core/graph/graph.hpp>
#include <optional>

#include <brisk/core/engine/ops/conv2d.hpp>
#include <brisk/neurons/model.hpp>
#include <brisk/core/engine/snn_spec.hpp>

namespace brisk {

// The synaptic operator of a plan layer.
enum class KernelKind {
  Input,          // the encoder's output
  Dense,          // weight [in][out] (rows in the producer's internal order)
  Conv2D,         // weight [cin][kh][kw][cout]
  AvgPool2D,      // weight 1/window (or 1/valid count) per tap
  MaxPool2D,      // rate: gate of the input with the largest accumulated payload
  MaxPool2DRadix, // radix: exact MSB-first comparison of the windows' digits
  GlobalAvgPool,  // {C,H,W} -> {C}, weight 1/(H*W)
  Identity,       // Flatten, Reshape (to a vector), Activation: ids unchanged
  ZeroPad2D,      // ids moved into the padded image
  Affine,         // per channel: weight scale[c], bias shift[c] (without neurons: a
                  // scaled identity synapse, e.g. a residual shortcut, weight θ_in)
  Add,            // element-wise sum of all inputs (with neurons: the population after a
                  // residual Add, integrating its branches' currents; no SOPs of its own)
  Concat,         // channel concatenation
  BitDense,       // binary / ternary Dense on +-1/0 spikes: bit planes and popcounts (ops/bitdense.cpp)
};

const char* kernel_name(KernelKind k);

struct PlanLayer {
  std::string name;
  KernelKind kernel = KernelKind::Input;
  NeuronKind neuron = NeuronKind::None;
  std::vector<int> inputs;  // producer plan indices

  // Output geometry. Images: c, h, w (internal layout HWC); vectors: c = size, h = w = 1.
  int c = 0, h = 1, w = 1;
  bool image = false;  // the Graph shape is {C,H,W}
  std::size_t size() const { return static_cast<std::size_t>(c) * h * w; }
  // Geometry of the first input (images).
  int in_c = 0, in_h = 1, in_w = 1;

  // Operator parameters (repacked; see the header comment).
  AlignedFloats weight;  // cache-line aligned (core/base/aligned.hpp)
  std::vector<float> bias;       // per output channel, times bias_scale; empty = none
  int kh = 1, kw = 1, sh = 1, sw = 1, pad_top = 0, pad_left = 0;
  std::vector<int> concat_offset;  // Concat: channel offset of each input
  kernels::ConvTaps taps;          // Conv2D, AvgPool2D: fan-out table of each input position
  // Conv2D: the event density (events / inputs) from which its dense twin (the blocked
  // gather) is faster than scattering, by the kernels' cost model (kernels::
  // conv_dense_above); <0: none, the CompileOptions threshold alone decides.
  float dense_above = -1.0f;
  // AvgPool2D with non-overlapping windows: per input id its output id (-1: none) and the
  // window weight, so an event is one indexed add (empty: walk the taps).
  std::vector<std::int32_t> pool_target;
  std::vector<float> pool_weight;
  // BitDense: the weights' two bit planes, word-major (+1 words, then -1 words, bit_words
  // x c each; ops/bitdense.hpp), words per plane, and whether the layer is binary
  // (XNOR/popcount when every input fires).
  std::vector<std::uint64_t> bits;
  int bit_words = 0;
  bool bit_binary = false;
  // BitDense fed the integer levels of the analog input (bitwise nets' first layer): the
  // bit planes per level bit (0: the input is not split into planes, float rows), and the
  // weights transposed word-major for them (+1 words, then -1 words when ternary;
  // kernels::bit_planes_dense).
  int bit_planes = 0;
  std::vector<std::uint64_t> bits_t;
  // BitDense readout of a bitwise net: weights a_o * (+-1) per output o, bit_scale[o] = a_o
  // (empty: the weights are the alphabet itself).
  std::vector<float> bit_scale;
  kernels::ConvGeom geom() const {
    return {in_h, in_w, in_c, h, w, c, kh, kw, sh, sw, pad_top, pad_left};
  }

  // Neuron population: its model (parameters; nullopt for NeuronKind::None), thresholds
  // and initial potentials.
  std::optional<neurons::Model> model;
  std::vector<float> threshold;  // per output channel (size c)
  std::vector<float> v0;         // per neuron (internal order); empty = 0
  float leak = 1.0f;
  ResetMode reset = ResetMode::Subtract;
  int radix_base = 2, radix_digits = 8;
  int max_coefficient = 0;  // Augmented: 0 = unbounded
  bool negative_only_if_positive = true;

  // Scheduling.
  bool analog = false;    // output is a constant analog vector (direct encoding path)
  int window_start = 0;   // first step this layer integrates (radix: K-digit window)
  int emit_start = 0;     // first step this layer can emit events
  int emit_steps = 0;     // how many steps it emits (T; radix: K)
  // Radix: per input, the steps its events wait before this layer integrates them (a
  // shortcut around a population arrives K steps before the branch through it); empty =
  // none. Input j's events of step t are integrated at step t + input_delay[j].
  std::vector<int> input_delay;
  int delay(std::size_t j) const { return input_delay.empty() ? 0 : input_delay[j]; }
  // An IF layer driven only by a constant current (direct input, no leak): when layers run
  // one after the other it runs all its steps per 16-neuron vector in registers.
  bool constant_drive_if = false;

  // Metrics: synaptic fan-out of each input neuron (events x fan-out = SOPs), indexed
  // by the first input's internal id; empty for weightless re-routing layers.
  std::vector<std::uint32_t> fanout;
  std::size_t macs = 0;  // the ANN layer's MACs per sample (graph count)
  // Maps an internal id to the Graph's flat (channels-first) index of this layer.
  std::vector<std::int32_t> to_graph;
};

struct CompileOptions {
  // Density (events / input neurons) above which a step uses the dense kernel instead of
  // scattering. Both give the same result; this is a speed knob only. <0: never dense.
  // Measured on the Fashion-MNIST CNN (brisk bench --kernel sparse|dense|auto): scatter
  // wins at the densities seen there (IF up to ~25%, radix inputs ~50-60%: 12.2k vs 9.4k
  // images/s with 0.25), because the gather branches on every zero input; hence 0.8.
  // A Conv2D layer whose blocked gather wins earlier (PlanLayer::dense_above: strided and
  // one-channel convolutions) switches at the lower of the two densities.
  float dense_threshold = 0.8f;
  // Radix layers integrate their window in one pass at its last step: the digits of each
  // input are decoded to n_j = sum_k B^(K-1-k) d_jk and U_K = sum_j w_j n_j is scattered
  // once (work ~ nonzero inputs x fan-out instead of digit events x fan-out). It equals the
  // shift-and-add recurrence U_k = B U_(k-1) + sum_j w_j d_jk exactly in real arithmetic
  // and in float whenever the products are exact (integer / dyadic weights); otherwise the
  // two differ by float rounding only. false: step-by-step shift-and-add. The readout
  // always uses shift-and-add so that its value is known at every step. SOPs are counted
  // as digit events x fan-out either way (the work of event-driven hardware).
  bool radix_fold = true;
  // With radix_fold, run() passes whole windows as values between folded radix layers
  // instead of emitting and decoding digit trains: a radix population's integers q, the
  // encoder's levels, and what a layer without neurons (Identity, ZeroPad2D, Concat,
  // AvgPool2D, radix MaxPool2D, Add, and the synapses Dense/Conv2D/Affine, e.g. a residual
  // branch's conv or shortcut) computes from its inputs' values once per window. A folded
  // radix population reads all its inputs' values when each is available (and, unless it
  // is an Add, their digit events can be counted from them: no synapse on the way). The
  // window value equals the decoded digit trains in real arithmetic (linearity; the
  // digit-wise max is the max of the integers); in float it differs by rounding where the
  // summation order changes (exact with dyadic weights). Spike and SOP counts are those of
  // the digit-level run (counted from the digits of q: an OR of the q under a pool, since
  // its digits are >= 0). A layer emits its digit train only when a reader needs it (the
  // readout, a layer that does not read values, a recorded layer, the output); simulate()
  // (which keeps every train) runs digit level. Power-of-two bases only. false: always
  // digit-level.
  bool radix_values = true;
  // Bitwise Dense layers (Layer::bitwise) fed by spiking layers run on the bit-packed
  // BitDense operator (same integers, popcounts); so does a bitwise Dense layer fed the
  // analog input of a net with SnnSpec::input_levels in [1, 255] (its integer levels are
  // split into bit planes; exact); false: the float Dense operator.
  bool bitwise_kernels = true;
};

// CompileOptions::radix_values, per plan layer (core/engine/plan_passes.cpp).
struct ValueLink {
  // The layer's radix window is available as values (ids, values, digit masks) once per
  // window: the radix encoder's signed levels, a radix population's q, or a layer without
  // neurons applied to its inputs' values.
  bool values = false;
  // Its digit events per neuron follow from the values (an OR of nonnegative integers, or
  // |level|): false after a synapse (currents) or a pool of signed levels.
  bool counted = false;
  bool integer = false;   // the values are integers >= 0 (radix MaxPool2D takes their max)
  bool sign = false;      // the values may be negative (the encoder's levels)
  int base = 0, digits = 0;  // of the digit train the values stand for
  // A radix population: it folds its inputs' values (every input has values). A layer
  // without neurons: its value is computed for such a reader.
  bool read = false;
};
class SpikingNetwork {
 public:
  const std::vector<PlanLayer>& layers() const { return layers_; }
  const PlanLayer& layer(int i) const { return layers_.at(static_cast<std::size_t>(i)); }
  int output() const { return output_; }
  const SnnSpec& spec() const { return spec_; }
  const CompileOptions& options() const { return options_; }
  // Steps one sample needs: T for rate-like codes; for radix the end of the readout's
  // K-digit window (K per layer, pipelined).
  int total_steps() const { return total_steps_; }
  // Latency in steps until the readout holds its final value (radix: K per layer).
  int latency_steps() const { return total_steps_; }
  bool is_radix() const { return radix_; }
  std::size_t ann_macs() const { return ann_macs_; }
  const std::vector<int>& input_shape() const { return input_shape_; }
  // Per layer: how its window travels as values (CompileOptions::radix_values); all
  // false without radix_values.
  const std::vector<ValueLink>& value_links() const { return links_; }

 private:
  friend SpikingNetwork compile(const Graph&, const SnnSpec&, const CompileOptions&);
  std::vector<PlanLayer> layers_;
  SnnSpec spec_;
  CompileOptions options_;
  std::vector<int> input_shape_;
  std::vector<ValueLink> links_;
  int output_ = -1;
  int total_steps_ = 0;
  bool radix_ = false;
  std::size_t ann_macs_ = 0;
};

// Compiles a validated Graph with its SnnSpec (spec.layers indexed like g.layers).
// Throws InputError naming the layer for anything the engine cannot run (unsupported
// operator/neuron combination, wrong threshold count...). Layers without neurons pass their
// per-step result on as events (Dense/Conv2D/Affine without neurons: synaptic currents with
// real payload, SOPs counted there). Radix branches of unequal depth are aligned by
// PlanLayer::input_delay (multiples of K).
SpikingNetwork compile(const Graph& g, const SnnSpec& spec, const CompileOptions& opts = {});

}  // namespace brisk
