#pragma once
// Throughput of the simulation core (`brisk bench`): a network converted with the
// conversion library's balancing (the same convention as `brisk convert`), simulated over
// a dataset with per-layer timing; and a dense-layer scatter micro-benchmark.
#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include <brisk/conversion/mapping.hpp>
#include <brisk/core/engine/engine.hpp>
#include <brisk/core/graph/graph.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::experiments {

// The Fashion-MNIST CNN conv 16@3x3 -> avgpool 2 -> conv 32@3x3 -> avgpool 2 -> dense 128
// -> dense 10 (valid padding, like models/fmnist_cnn.h5) with deterministic He-uniform
// weights: a network of realistic size and shape when no trained model is at hand.
Graph builtin_fmnist_cnn();

struct BenchOptions {
  std::string neuron = "if";  // if (rate) | radix | augmented (augmap) | dt (termap)
  int timesteps = 32;         // T of the rate-like codes
  int digits = 8;             // K of radix
  double percentile = 99.9;   // thresholds: percentile balancing, per layer ...
  std::size_t calib = 50;     // ... on this many samples drawn (seeded) from the data
  RunOptions run;             // threads, schedule, kernel policy, per-layer timing
};

// The conversion method a --neuron name stands for (UsageError naming --neuron).
Method bench_method(const std::string& neuron);

struct BenchResult {
  Conversion conversion;
  bool radix = false;  // the compiled network is radix-coded
  int threads = 1;     // workers the run used
  RunResult result;
};

// Converts `g` (percentile balancing on `calib` samples of `data`, no calibration stages)
// and simulates it on `data`. `data` is relabelled with the model's input shape.
BenchResult run_bench(const Graph& g, Dataset data, const BenchOptions& o);

// The figures of one run (the keys of `brisk bench --json`); `network` names the model.
nlohmann::json bench_json(const std::string& network, const BenchOptions& o, const BenchResult& b);

// Dense layer `in` x `out` scattering events at `density` for about `seconds`, one thread:
// {"in", "out", "density", "sops", "seconds", "sops_per_s_per_core"}.
nlohmann::json micro_dense(int in, int out, double density, double seconds);

// Peak resident set size of this process, MB.
double peak_rss_mb();

}  // namespace brisk::experiments
