#pragma once
// What a converted spiking network computes: the contract between conversion/ (which
// chooses neuron models, thresholds, initial potentials and rescales the Graph's weights)
// and core/'s compiler + engine (which decide how to run it fast). A SpikingNetwork is
// compiled from (Graph, SnnSpec); neither conversion nor the engine reach into the other.
#include <cstdint>
#include <string>
#include <vector>

#include <brisk/encoders/encoder.hpp>
#include <brisk/neurons/neuron.hpp>

namespace brisk {

struct LayerSpec {
  NeuronKind neuron = NeuronKind::IF;
  ResetMode reset = ResetMode::Subtract;
  float leak = 1.0f;  // V <- leak * V before integrating (1 = no leak)
  // Firing threshold: one value (per layer) or one per output channel.
  std::vector<float> threshold{1.0f};
  // Initial membrane potential, absolute units: empty (0), one value, one per channel, or
  // one per neuron of the layer's output.
  std::vector<float> v0;
  // Bias: added every step as a constant current (rate coding, Rueckauer et al.) — the
  // Graph layer's bias scaled by bias_scale (1 = the Graph's bias as is).
  float bias_scale = 1.0f;
  // Radix: base and digits (K). Augmented: max coefficient per spike (0 = unbounded).
  int radix_base = 2;
  int radix_digits = 8;
  int max_coefficient = 0;
  // DoubleThreshold: only allow a -1 spike while the neuron's net spike count is positive.
  bool negative_only_if_positive = true;
};

struct SnnSpec {
  std::vector<LayerSpec> layers;  // indexed like Graph::layers
  EncoderKind encoder = EncoderKind::Direct;
  float input_scale = 1.0f;       // input value that maps to one full spike / full scale
  int input_radix_base = 2, input_radix_digits = 8;
  // Direct encoder only: > 0 feeds round(x * input_levels) instead of x (bitwise networks,
  // whose first layer reads the image's integer pixel levels); 0 = x as is.
  int input_levels = 0;
  int timesteps = 32;             // T (for radix networks: digits per layer, see engine)
  std::uint64_t seed = 1;
  std::string method;             // "rate", "radix", "termap", "augmap", "binary", ...
};

}  // namespace brisk
