#pragma once
// Threshold balancing: choose, for every spiking layer, the activation value λ that one
// full-rate spike train (or the radix/augmented full scale) represents.
//
// λ is chosen from the ANN's activations on calibration samples:
//  - max:        the largest activation (Diehl et al. 2015);
//  - percentile: the p-th percentile, robust to outliers (Rueckauer et al. 2017, p = 99.9);
//  - mse:        the clip value that minimises the squared error between the activation and
//                its clip-floor quantization with the code's levels (Li et al. 2021): for
//                rate coding at T steps the levels are {0, λ/T, ..., λ}.
// Per layer (one λ) or per channel (one λ per output channel). The mapping (mapping.hpp)
// turns λ into thresholds and rescales the weights of the consumers.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace brisk {

enum class BalanceMethod { Max, Percentile, Mse };

// The quantizer the spiking code applies to an activation a with clip value λ:
// q(a) = clamp(floor(a * levels / λ + offset), 0, max_index) * λ / levels.
//   rate / TerMapping, T steps:          levels = T,        max_index = T, offset 0.5 with V0 = θ/2
//   radix, K digits base B:              levels = B^K,      max_index = B^K - 1, offset 0
//   AugMapping, T steps, coefficient c:  levels = T * c,    max_index = T * c
struct Quantizer {
  double levels = 16;
  double max_index = 16;
  double offset = 0.5;
  double apply(double a, double lambda) const;
};

struct BalanceOptions {
  BalanceMethod method = BalanceMethod::Mse;
  double percentile = 99.9;  // in (0, 100]
  bool per_channel = false;
  Quantizer quantizer;  // used by Mse
  int mse_grid = 200;   // candidates λ = max * g / grid, g = 1..grid
};

// Activations of one layer on the calibration samples, sample-major: value (s, c, p) at
// s * channels * spatial + c * spatial + p (channels first; spatial = H*W, 1 for vectors).
struct ActivationView {
  std::span<const float> values;
  std::size_t samples = 0, channels = 1, spatial = 1;
};

// One λ per layer (size 1) or per channel (size channels). A channel or layer that never
// activates gets λ = 1 (its value never matters, and 1 keeps the weights unchanged).
std::vector<float> balance(const ActivationView& acts, const BalanceOptions& opts);

// Squared quantization error sum over all values of `values` for clip value λ (exact, no
// histogram): the figure the mse method minimises, exposed for reports and tests.
double quantization_error(std::span<const float> values, double lambda, const Quantizer& q);

BalanceMethod parse_balance_method(const std::string& name);  // UsageError naming --balance
const char* balance_method_name(BalanceMethod m);

}  // namespace brisk
