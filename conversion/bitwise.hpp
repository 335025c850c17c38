#pragma once
// Binary and ternary networks as single-step SNNs (issue 10).
//
// A bitwise model (docs/native-schema.md, "Bitwise layers") maps onto the engine's
// degenerate case: T = 1, direct input (round(x * input_levels), the image's integer
// levels), and per hidden layer double-threshold neurons with, per output channel,
//   theta = (hi - lo) / 2,  V0 = -(hi + lo) / 2        (binary: lo = hi - 1),
// so that after the one step V = V0 + z and the neuron emits +1 iff z >= hi, -1 iff
// z <= lo (never "only while positive"), i.e. exactly the bitwise ANN's activation; the
// readout accumulates weight_scale * w per event plus the bias (dyadic: exact in float).
//
// Stochastic ensembles (Vogel et al.): member m of a model rounds every latent weight
// l in [-1, 1] stochastically to the alphabet, with a stream seeded from (seed, m) and
// the weight's index (core/base/seed.hpp), so a member never depends on the thread count:
//   binary   +1 with probability (1 + l) / 2, else -1;
//   ternary  sign(l) with probability |l|, else 0.
// The members keep the model's scales and thresholds.
#include <cstdint>
#include <optional>
#include <string>

#include <brisk/conversion/mapping.hpp>
#include <brisk/core/graph/graph.hpp>

namespace brisk {

// "binary" | "ternary" -> the kind; nullopt for any other --method value.
std::optional<Bitwise> bitwise_method(const std::string& name);

// Whether any layer of `g` is bitwise.
bool has_bitwise_layers(const Graph& g);

// The T = 1 SNN of a validated bitwise model whose bitwise layers are all of kind `kind`.
// UsageError naming --method when the model's layers are of the other kind or it has none;
// InputError naming the layer for a weighted layer that is not bitwise.
Conversion convert_bitwise(const Graph& model, Bitwise kind);

// Member `member` of the stochastic ensemble of `model` (see above). InputError naming the
// layer when a bitwise layer has no latent_weight.
Graph sample_member(const Graph& model, std::uint64_t seed, std::uint64_t member);

}  // namespace brisk
