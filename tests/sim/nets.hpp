#pragma once
// Small hand-made networks for the simulation tests.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <brisk/data/dataset.hpp>
#include <brisk/core/graph/graph.hpp>
#include <brisk/core/engine/snn_spec.hpp>

namespace brisk::test {

inline Layer input_layer(std::vector<int> shape) {
  Layer l;
  l.name = "input";
  l.op = OpKind::Input;
  l.out_shape = std::move(shape);
  return l;
}

inline Layer dense_layer(std::string name, int from, int in, int out, std::vector<float> w,
                         std::vector<float> b = {}) {
  Layer l;
  l.name = std::move(name);
  l.op = OpKind::Dense;
  l.inputs = {from};
  l.weight = std::move(w);
  l.weight_shape = {in, out};
  l.bias = std::move(b);
  l.act = Act::ReLU;
  return l;
}

inline Layer conv_layer(std::string name, int from, int cin, int cout, int k, int stride, int pad,
                        std::vector<float> w, std::vector<float> b = {}) {
  Layer l;
  l.name = std::move(name);
  l.op = OpKind::Conv2D;
  l.inputs = {from};
  l.weight = std::move(w);
  l.weight_shape = {cout, cin, k, k};
  l.bias = std::move(b);
  l.kernel_h = l.kernel_w = k;
  l.stride_h = l.stride_w = stride;
  l.pad_top = l.pad_bottom = l.pad_left = l.pad_right = pad;
  l.act = Act::ReLU;
  return l;
}

inline Layer pool_layer(std::string name, OpKind op, int from, int k) {
  Layer l;
  l.name = std::move(name);
  l.op = op;
  l.inputs = {from};
  l.kernel_h = l.kernel_w = l.stride_h = l.stride_w = k;
  return l;
}

inline Layer flatten_layer(int from, FlattenOrder order = FlattenOrder::CHW) {
  Layer l;
  l.name = "flatten";
  l.op = OpKind::Flatten;
  l.inputs = {from};
  l.flatten_order = order;
  return l;
}

// Uniform multiples of 1/den in [-lo, hi]: dyadic values keep float sums exact.
inline std::vector<float> dyadic(std::mt19937& rng, std::size_t n, int lo, int hi, float den) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(d(rng)) / den;
  return v;
}

inline std::vector<float> uniform(std::mt19937& rng, std::size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// One LayerSpec per layer: weightless layers get None, the output a Readout, the rest
// `hidden`.
inline SnnSpec spec_for(const Graph& g, const LayerSpec& hidden, EncoderKind enc, int T) {
  SnnSpec s;
  s.encoder = enc;
  s.timesteps = T;
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    LayerSpec ls = hidden;
    const OpKind op = g.layers[i].op;
    if (op == OpKind::Input || op == OpKind::Flatten || op == OpKind::MaxPool2D ||
        op == OpKind::ZeroPad2D || op == OpKind::Reshape)
      ls.neuron = NeuronKind::None;
    if (static_cast<int>(i) == g.output) ls.neuron = NeuronKind::Readout;
    s.layers.push_back(ls);
  }
  return s;
}

// A small CNN on 1x8x8 inputs: conv 4@3x3 pad 1 -> avgpool 2 -> conv 6@3x3 stride 1
// -> maxpool 2 -> flatten -> dense 12 -> dense 5.
inline Graph small_cnn(std::uint32_t seed, bool dyadic_weights = false) {
  std::mt19937 rng(seed);
  auto w = [&](std::size_t n, float scale) {
    return dyadic_weights ? dyadic(rng, n, -16, 16, 32.0f) : uniform(rng, n, -scale, scale);
  };
  Graph g;
  g.layers.push_back(input_layer({1, 8, 8}));
  g.layers.push_back(conv_layer("conv1", 0, 1, 4, 3, 1, 1, w(4 * 9, 0.6f), w(4, 0.05f)));
  g.layers.push_back(pool_layer("pool1", OpKind::AvgPool2D, 1, 2));
  g.layers.push_back(conv_layer("conv2", 2, 4, 6, 3, 1, 1, w(6 * 4 * 9, 0.4f), w(6, 0.05f)));
  g.layers.push_back(pool_layer("pool2", OpKind::MaxPool2D, 3, 2));
  g.layers.push_back(flatten_layer(4));
  g.layers.push_back(dense_layer("fc1", 5, 24, 12, w(24 * 12, 0.4f), w(12, 0.05f)));
  g.layers.push_back(dense_layer("out", 6, 12, 5, w(12 * 5, 0.5f), w(5, 0.05f)));
  g.layers.back().act = Act::Linear;
  g.output = 7;
  validate(g);
  return g;
}

}  // namespace brisk::test
