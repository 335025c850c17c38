#pragma once
// Mappings: how a balanced ANN becomes a spiking network (Graph with rescaled weights +
// SnnSpec), for each coding method.
//
// Units. Every spiking layer l has a clip value λ_l (per layer or per channel, ANN units,
// from balancing or from a K-bit model's act_max). Its membrane potential, bias, V0 and
// threshold stay in ANN units; one output event of payload p of channel c stands for the
// activation value p * θ_c (radix: digit k of B^-k weight, by the engine's shift-and-add).
// So the mapping multiplies every consumer's weights by the event scale of the producing
// channel (θ for spiking producers, 1 for the direct analog input), and the engine simply
// adds payload * weight. The readout accumulates (weights·events + bias) every step.
//
//   rate    IF, reset by subtraction, θ = λ, V0 = θ/2 (round), bias every step, direct input
//           (Rueckauer et al. 2017; V0 = θ/2 as in Li et al. 2021 / Bu et al. 2022).
//   radix   base-B K-digit neurons, θ = λ = the layer's clip value; exact for ANNs trained
//           with a K-bit clip-floor activation (λ = act_max), post-training quantization of
//           float ANNs otherwise (the reference is the same ANN with clip-floor at λ).
//   termap  double-threshold neurons (TerMapping): +1 at V >= θ, -1 at V <= -θ while the
//           net count is positive, θ = λ, V0 = θ/2.
//   augmap  augmented spikes (AugMapping): one spike carries c = floor(V/θ) <= 2^b - 1,
//           θ = λ / (2^b - 1), so one step spans the full range at b-bit resolution.
#include <map>
#include <string>
#include <vector>

#include <brisk/conversion/balance.hpp>
#include <brisk/core/graph/graph.hpp>
#include <brisk/core/engine/snn_spec.hpp>

namespace brisk {

enum class Method { Rate, Radix, TerMap, AugMap };

Method parse_method(const std::string& name);  // UsageError naming --method
const char* method_name(Method m);

struct MappingOptions {
  Method method = Method::Rate;
  int timesteps = 16;        // T (rate-like codes)
  int radix_base = 2;        // B
  int radix_digits = 0;      // K; 0 = the model's act_bits, or 8 for float models
  int aug_bits = 4;          // AugMapping: coefficient bit width b (max 2^b - 1)
  bool half_v0 = true;       // rate/termap/augmap: V0 = θ/2 (rounding) instead of 0
  ResetMode reset = ResetMode::Subtract;
};

// The role of each Graph layer in the spiking network.
enum class Role {
  Input,    // the encoder
  Neurons,  // Dense/Conv2D/Add/Affine with a ReLU-family activation: a spiking population
  Readout,  // the output layer: accumulates its potential
  Routing,  // weightless (pooling, flatten, padding, reshape, concat, linear add): no neurons
  Synapse,  // a linear Dense/Conv2D/Affine feeding only Adds (a residual branch's last op,
            // a projection or identity shortcut): no neurons, its per-step current is
            // passed on as events with real payload (ANN units) to the population
};

// Rewrites `g` into the form conversion works on: BatchNorm folded, stand-alone ReLU-family
// Activation layers fused into their linear producer (Dense, Conv2D, Add, Affine),
// residual branches in canonical form (passes/branches.hpp: identity synapses on shortcuts,
// branch biases moved to the population after the Add), then checks that every layer has
// a role.
// Throws InputError naming the layer for anything that cannot be converted.
Graph prepare_for_conversion(Graph g);
std::vector<Role> layer_roles(const Graph& g);

// The quantizer a method applies to a layer's activation (for mse balancing and reports).
Quantizer method_quantizer(const MappingOptions& o, int radix_digits);
// Resolved K for radix (option, else the model's act_bits, else 8).
int resolved_radix_digits(const Graph& g, const MappingOptions& o);

// A converted network: what `brisk convert` writes and `brisk run` simulates.
struct Conversion {
  Graph ann;    // the source ANN, prepared (BatchNorm folded, activations fused), unscaled
  Graph graph;  // the spiking network's graph: weights rescaled by the producers' θ
  SnnSpec spec;
  std::vector<std::vector<float>> lambda;  // per Graph layer: λ (empty for non-spiking)
  std::map<std::string, std::string> provenance;
  std::string calibration_report;  // JSON: per layer error before/after each stage
  std::vector<std::int64_t> calib_indices;  // the calibration samples used
};

// Builds graph + spec from a prepared ANN and λ per layer (empty for non-Neurons layers).
// The input is direct (analog); set_encoder() changes it.
Conversion map_network(const Graph& ann, const std::vector<std::vector<float>>& lambda,
                       const MappingOptions& o);

// Input encoders. Every method's natural encoder is direct (the analog input as a constant
// current). Which encoders a network can read:
//   rate, termap, augmap networks: direct, rate, augmented (their neurons add payload * w
//     every step; a rate or augmented train has the analog input as its mean);
//   radix networks: direct or radix (radix neurons weigh step k's digits by shift-and-add,
//     so their input must be K base-B digits MSB first, with the layers' B and K).
EncoderKind default_encoder(Method m);
// UsageError naming --encoder when `network_is_radix` and `e` do not fit (see above).
void check_encoder(EncoderKind e, bool network_is_radix, const std::string& method);

// Sets the input encoder of a converted network: SnnSpec::encoder, input_scale and the
// encoder's parameters, and rescales the weights that read the input (their event scale
// changes from 1 (direct) to input_scale). The scale rule, from `input_max` (the largest
// |x| of the calibration samples, 1 when none were drawn):
//   rate, radix   input_scale = input_max (p = |x| / input_max; digits of x / input_max)
//   augmented     input_scale = input_max / (2^aug_bits - 1), coefficients <= 2^aug_bits - 1
//                 (one step spans the input range at aug_bits resolution, like AugMapping)
//   direct        input_scale = 1 (unused)
// Radix digits and base are the network's (its first radix layer's). Also used by
// `brisk run NET.h5 --encoder` on a converted file.
void set_encoder(Conversion& c, EncoderKind e, float input_max, int aug_bits);

// The event scale of every layer's output elements (size = the layer's output size):
// θ of the producing channel for spiking layers, 1 for the direct input.
std::vector<std::vector<float>> event_scales(const Graph& g, const SnnSpec& spec);

// Rewrites the weights of spiking layers and the readout of `graph` from `ann` (same
// topology) times the event scales of their inputs. Used after calibration changes
// thresholds or ANN-unit weights.
void rescale_weights(const Graph& ann_units, const SnnSpec& spec, Graph& graph);

// The ANN the spiking network approximates: c.ann, and for radix networks the quantized
// ANN it reproduces (clip-floor at λ with log2(B^K) bits; c.ann when B is not a power of 2).
Graph reference_ann(const Conversion& c);

// The K-bit quantized ANN that a radix network reproduces: `ann` with every spiking
// layer's activation set to clip-floor with act_max = λ and act_bits = K.
Graph quantized_ann(const Graph& ann, const std::vector<std::vector<float>>& lambda, int bits);

}  // namespace brisk
