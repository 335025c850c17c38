#pragma once
// The neuron models brisk knows, and their traits. Each model has one home in neurons/
// (parameters, state and its integrate / fire / reset rules): if.hpp, radix.hpp,
// double_threshold.hpp, augmented.hpp, readout.hpp. Models work on spans and small
// structs and know nothing of the engine.
#include <optional>
#include <string_view>

namespace brisk {

// Neuron model of a layer's population.
enum class NeuronKind {
  None,             // no neurons: the layer is a pure synaptic re-routing (Flatten, Reshape,
                    // ZeroPad2D, Concat, MaxPool gate) and forwards its input events
  IF,               // integrate-and-fire (leak < 1 gives leaky IF)
  Radix,            // base-B, K-digit shift-and-add neuron, digits emitted MSB first
  DoubleThreshold,  // +1 at V >= theta, -1 at V <= -theta (TerMapping, ternary)
  Augmented,        // one spike carries c = floor(V / theta) (bounded) (AugMapping)
  Readout,          // the non-spiking output layer: accumulates potential (the logits)
};

enum class ResetMode { Subtract, Zero };

namespace neurons {

struct Traits {
  NeuronKind kind;
  const char* name;  // the name in files (SNN schema) and reports
  const char* label; // short label for tables ("IF", "radix", ...)
};

inline constexpr Traits kNeurons[] = {
    {NeuronKind::None, "none", "-"},
    {NeuronKind::IF, "if", "IF"},
    {NeuronKind::Radix, "radix", "radix"},
    {NeuronKind::DoubleThreshold, "double_threshold", "double-thr"},
    {NeuronKind::Augmented, "augmented", "augmented"},
    {NeuronKind::Readout, "readout", "readout"},
};

inline const Traits& traits(NeuronKind k) {
  for (const auto& t : kNeurons)
    if (t.kind == k) return t;
  return kNeurons[0];
}
inline const char* name(NeuronKind k) { return traits(k).name; }
inline std::optional<NeuronKind> from_name(std::string_view s) {
  for (const auto& t : kNeurons)
    if (s == t.name) return t.kind;
  return std::nullopt;
}

}  // namespace neurons
}  // namespace brisk
