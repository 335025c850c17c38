#include <brisk/conversion/balance.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include <brisk/core/base/error.hpp>

namespace brisk {

double Quantizer::apply(double a, double lambda) const {
  double index = std::floor(a * levels / lambda + offset);
  index = std::clamp(index, 0.0, max_index);
  return index * lambda / levels;
}

double quantization_error(std::span<const float> values, double lambda, const Quantizer& q) {
  double sum = 0;
  for (float v : values) {
    double d = v - q.apply(v, lambda);
    sum += d * d;
  }
  return sum;
}

namespace {

// The positive activations of one group (a channel, or the whole layer when channel < 0).
// Zeros are left out: every code represents them exactly, and the percentile of a ReLU
// layer's positive values is the robust statistic (as in Rueckauer et al.'s toolbox).
std::vector<float> positive_values(const ActivationView& acts, long channel) {
  std::vector<float> out;
  const std::size_t row = acts.channels * acts.spatial;
  for (std::size_t s = 0; s < acts.samples; ++s) {
    std::size_t begin = s * row, end = begin + row;
    if (channel >= 0) {
      begin += static_cast<std::size_t>(channel) * acts.spatial;
      end = begin + acts.spatial;
    }
    for (std::size_t i = begin; i < end; ++i)
      if (acts.values[i] > 0) out.push_back(acts.values[i]);
  }
  return out;
}

float percentile_of(std::vector<float>& v, double p) {
  // Linear interpolation between closest ranks (numpy's default).
  double rank = p / 100.0 * static_cast<double>(v.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(rank));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(lo), v.end());
  double a = v[lo];
  if (lo + 1 >= v.size()) return static_cast<float>(a);
  double b = *std::min_element(v.begin() + static_cast<long>(lo) + 1, v.end());
  return static_cast<float>(a + (rank - static_cast<double>(lo)) * (b - a));
}

// MSE grid search on a histogram of the values: the error of each candidate is summed over
// bin centres weighted by the bin counts (bins are far narrower than a quantization step).
float mse_clip(const std::vector<float>& v, const BalanceOptions& opts) {
  const double vmax = *std::max_element(v.begin(), v.end());
  const int bins = 8192;
  std::vector<double> count(bins, 0.0);
  for (float x : v) {
    int b = std::min(bins - 1, static_cast<int>(x / vmax * bins));
    count[static_cast<std::size_t>(b)] += 1;
  }
  double best_lambda = vmax, best_err = -1;
  for (int g = 1; g <= opts.mse_grid; ++g) {
    double lambda = vmax * g / opts.mse_grid;
    double err = 0;
    for (int b = 0; b < bins; ++b) {
      if (count[static_cast<std::size_t>(b)] == 0) continue;
      double centre = (b + 0.5) * vmax / bins;
      double d = centre - opts.quantizer.apply(centre, lambda);
      err += count[static_cast<std::size_t>(b)] * d * d;
    }
    if (best_err < 0 || err < best_err) {
      best_err = err;
      best_lambda = lambda;
    }
  }
  return static_cast<float>(best_lambda);
}

float choose_lambda(std::vector<float> v, const BalanceOptions& opts) {
  if (v.empty()) return 1.0f;  // never active: any threshold gives the same (zero) output
  switch (opts.method) {
    case BalanceMethod::Max: return *std::max_element(v.begin(), v.end());
    case BalanceMethod::Percentile: return percentile_of(v, opts.percentile);
    case BalanceMethod::Mse: return mse_clip(v, opts);
  }
  return 1.0f;
}

}  // namespace

std::vector<float> balance(const ActivationView& acts, const BalanceOptions& opts) {
  if (!(opts.percentile > 0 && opts.percentile <= 100))
    throw UsageError(fmt::format("--percentile must be in (0, 100], got {}", opts.percentile));
  if (acts.values.size() != acts.samples * acts.channels * acts.spatial)
    throw InternalError("balance: activation view size does not match its shape");
  if (!opts.per_channel) return {choose_lambda(positive_values(acts, -1), opts)};
  std::vector<float> lambdas(acts.channels);
  for (std::size_t c = 0; c < acts.channels; ++c)
    lambdas[c] = choose_lambda(positive_values(acts, static_cast<long>(c)), opts);
  return lambdas;
}

BalanceMethod parse_balance_method(const std::string& name) {
  if (name == "max") return BalanceMethod::Max;
  if (name == "percentile") return BalanceMethod::Percentile;
  if (name == "mse") return BalanceMethod::Mse;
  throw UsageError(
      fmt::format("--balance: unknown method '{}' (expected max, percentile or mse)", name));
}

const char* balance_method_name(BalanceMethod m) {
  switch (m) {
    case BalanceMethod::Max: return "max";
    case BalanceMethod::Percentile: return "percentile";
    case BalanceMethod::Mse: return "mse";
  }
  return "?";
}

}  // namespace brisk
