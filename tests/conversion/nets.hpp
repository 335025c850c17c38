#pragma once
// Small hand-made networks and data for the conversion tests.
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <brisk/core/graph/graph.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::convtest {

inline Layer make_layer(std::string name, OpKind op, std::vector<int> inputs) {
  Layer l;
  l.name = std::move(name);
  l.op = op;
  l.inputs = std::move(inputs);
  return l;
}

inline std::vector<float> random_values(std::size_t n, float lo, float hi, std::uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

// Input {1,6,6} -> conv1 3@3x3 relu -> pool avg 2 -> flatten -> fc1 12 relu -> fc2 4.
// `bits` > 0 makes the hidden activations K-bit clip-floor (act_max 2, 3).
inline Graph small_cnn(std::uint32_t seed, int bits = 0) {
  Graph g;
  Layer in = make_layer("input", OpKind::Input, {});
  in.out_shape = {1, 6, 6};
  g.layers.push_back(in);
  Layer conv = make_layer("conv1", OpKind::Conv2D, {0});
  conv.weight = random_values(3 * 1 * 3 * 3, -0.6f, 0.9f, seed);
  conv.weight_shape = {3, 1, 3, 3};
  conv.bias = random_values(3, 0.0f, 0.2f, seed + 1);
  conv.kernel_h = conv.kernel_w = 3;
  conv.act = Act::ReLU;
  g.layers.push_back(conv);
  Layer pool = make_layer("pool1", OpKind::AvgPool2D, {1});
  pool.kernel_h = pool.kernel_w = pool.stride_h = pool.stride_w = 2;
  g.layers.push_back(pool);
  g.layers.push_back(make_layer("flatten", OpKind::Flatten, {2}));
  Layer fc1 = make_layer("fc1", OpKind::Dense, {3});
  fc1.weight = random_values(12 * 12, -0.5f, 0.7f, seed + 2);
  fc1.weight_shape = {12, 12};
  fc1.bias = random_values(12, -0.1f, 0.3f, seed + 3);
  fc1.act = Act::ReLU;
  g.layers.push_back(fc1);
  Layer fc2 = make_layer("fc2", OpKind::Dense, {4});
  fc2.weight = random_values(12 * 4, -0.8f, 0.8f, seed + 4);
  fc2.weight_shape = {12, 4};
  fc2.bias = random_values(4, -0.1f, 0.1f, seed + 5);
  g.layers.push_back(fc2);
  g.output = 5;
  if (bits > 0) {
    g.layers[1].act = g.layers[4].act = Act::ClippedReLU;
    g.layers[1].act_bits = g.layers[4].act_bits = bits;
    g.layers[1].act_max = 2.0f;
    g.layers[4].act_max = 3.0f;
  }
  validate(g);
  return g;
}

// Uniform random images for a graph's input, labels from the graph's own predictions (so
// accuracy measures agreement with the ANN).
inline Dataset noise_dataset(const Graph& g, std::size_t count, std::uint32_t seed) {
  Dataset d;
  d.shape = g.input_shape();
  d.x = random_values(count * shape_size(d.shape), 0.0f, 1.0f, seed);
  d.num_classes = g.layers[static_cast<std::size_t>(g.output)].out_shape[0];
  d.source = "random";
  for (std::size_t i = 0; i < count; ++i) {
    const auto logits = forward(g, d.sample(i));
    d.y.push_back(static_cast<std::int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin()));
  }
  return d;
}

}  // namespace brisk::convtest
