#pragma once
// Encoders: how a dataset sample enters the first layer. Each encoder has its own header
// (direct: no header, the engine's analog path; rate.hpp, radix.hpp, augmented.hpp) and
// knows nothing of the engine: it reads a span of input values and writes events into any
// sink with push(id, payload) and end_step() (the engine passes its SpikeTrain).
//
// Adding an encoder: its header, one enumerator here and one row of kEncoders.
#include <optional>
#include <span>
#include <string_view>

namespace brisk {

enum class EncoderKind {
  Direct,     // the analog value as a constant current every step (computed once)
  Rate,       // Bernoulli spikes with p = |value| / input_scale per step, seeded per sample
  Radix,      // base-B digits of value / input_scale, MSB first
  Augmented,  // integer coefficients: an augmented neuron driven by value / input_scale
};

namespace encoders {

struct Traits {
  EncoderKind kind;
  const char* name;         // the name in flags (--encoder), files and JSON
  const char* description;  // one line for --help
};

inline constexpr Traits kEncoders[] = {
    {EncoderKind::Direct, "direct", "analog input as a constant current (computed once)"},
    {EncoderKind::Rate, "rate", "Bernoulli spikes, p = x / input scale per step (seeded per sample)"},
    {EncoderKind::Radix, "radix", "base-B digits of x / input scale, MSB first"},
    {EncoderKind::Augmented, "augmented", "integer coefficients of an augmented neuron driven by x"},
};

inline const char* name(EncoderKind k) {
  for (const auto& t : kEncoders)
    if (t.kind == k) return t.name;
  return "?";
}
inline std::optional<EncoderKind> from_name(std::string_view s) {
  for (const auto& t : kEncoders)
    if (s == t.name) return t.kind;
  return std::nullopt;
}

}  // namespace encoders
}  // namespace brisk
