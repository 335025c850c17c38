// The reference forward pass against hand-computed values, shape inference errors, and the
// BatchNorm folding pass against the unfolded graph.
#include <doctest/doctest.h>

#include <limits>
#include <random>

#include <brisk/conversion/passes/fold_batchnorm.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/graph/graph.hpp>

using namespace brisk;

namespace {

Graph with_input(std::vector<int> shape) {
  Graph g;
  Layer in;
  in.name = "in";
  in.op = OpKind::Input;
  in.out_shape = std::move(shape);
  g.layers.push_back(in);
  return g;
}

Layer& push(Graph& g, OpKind op, std::vector<int> inputs, const char* name) {
  Layer l;
  l.name = name;
  l.op = op;
  l.inputs = std::move(inputs);
  g.layers.push_back(std::move(l));
  g.output = static_cast<int>(g.layers.size()) - 1;
  return g.layers.back();
}

std::vector<float> iota(std::size_t n, float start = 0.0f) {
  std::vector<float> v(n);
  for (auto& x : v) x = start++;
  return v;
}

}  // namespace

TEST_SUITE("graph") {
TEST_CASE("average pooling divides by the window or by its valid part") {
  for (bool count_pad : {false, true}) {
    Graph g = with_input({1, 2, 2});
    Layer& p = push(g, OpKind::AvgPool2D, {0}, "pool");
    p.kernel_h = p.kernel_w = 2;
    p.stride_h = p.stride_w = 2;
    p.pad_top = p.pad_left = 1;
    p.pad_bottom = p.pad_right = 1;
    p.avg_count_pad = count_pad;
    validate(g);
    CHECK(g.layers[1].out_shape == std::vector<int>{1, 2, 2});
    auto y = forward(g, std::vector<float>{1, 2, 3, 4});
    // corner windows each hold one real value
    CHECK(y == std::vector<float>(count_pad ? std::vector<float>{0.25f, 0.5f, 0.75f, 1.0f}
                                            : std::vector<float>{1, 2, 3, 4}));
  }
}

TEST_CASE("max pooling never lets padding win") {
  Graph g = with_input({1, 2, 2});
  Layer& p = push(g, OpKind::MaxPool2D, {0}, "pool");
  p.kernel_h = p.kernel_w = 2;
  p.stride_h = p.stride_w = 1;
  p.pad_top = p.pad_left = 1;
  validate(g);
  CHECK(forward(g, std::vector<float>{-1, -2, -3, -4}) == std::vector<float>{-1, -1, -1, -1});
}

TEST_CASE("convolution is a cross-correlation with explicit pads and strides") {
  Graph g = with_input({1, 3, 3});
  Layer& c = push(g, OpKind::Conv2D, {0}, "conv");
  c.kernel_h = c.kernel_w = 2;
  c.stride_h = c.stride_w = 2;
  c.pad_bottom = c.pad_right = 1;
  c.weight_shape = {1, 1, 2, 2};
  c.weight = {1, 2, 3, 4};
  c.bias = {0.5f};
  validate(g);
  // windows at (0,0), (0,2), (2,0), (2,2); out-of-range taps read zero
  CHECK(forward(g, iota(9)) == std::vector<float>{0 + 2 + 9 + 16 + 0.5f, 2 + 15 + 0.5f,
                                                  6 + 14 + 0.5f, 8 + 0.5f});
  g.layers[1].stride_h = g.layers[1].stride_w = 1;  // the stride-1 path, same arithmetic
  validate(g);
  auto y = forward(g, iota(9));
  CHECK(y.size() == 9);
  CHECK(y[0] == doctest::Approx(0 + 2 + 9 + 16 + 0.5));
  CHECK(y[8] == doctest::Approx(8 + 0.5));
}

TEST_CASE("Flatten and Reshape walk the tensor in their stated order") {
  Graph g = with_input({2, 1, 2});  // c0: 0 1, c1: 2 3
  Layer& f = push(g, OpKind::Flatten, {0}, "flat");
  f.flatten_order = FlattenOrder::HWC;
  validate(g);
  CHECK(forward(g, iota(4)) == std::vector<float>{0, 2, 1, 3});
  Layer& r = push(g, OpKind::Reshape, {1}, "back");
  r.out_shape = {2, 1, 2};
  r.flatten_order = FlattenOrder::HWC;
  validate(g);
  CHECK(forward(g, iota(4)) == iota(4));  // HWC flatten then HWC reshape is the identity
}

TEST_CASE("clip-floor activation quantizes to K bits below the ceiling") {
  Graph g = with_input({5});
  Layer& a = push(g, OpKind::Activation, {0}, "q");
  a.act = Act::ClippedReLU;
  a.act_max = 2.0f;
  a.act_bits = 2;  // levels of 0.5
  validate(g);
  CHECK(forward(g, std::vector<float>{-1.0f, 0.49f, 0.5f, 1.7f, 9.0f}) ==
        std::vector<float>{0.0f, 0.0f, 0.5f, 1.5f, 1.5f});
  g.layers[1].act_bits = 0;  // plain clipped ReLU
  CHECK(forward(g, std::vector<float>{-1.0f, 0.49f, 9.0f, 1.0f, 2.0f}) ==
        std::vector<float>{0.0f, 0.49f, 2.0f, 1.0f, 2.0f});
}

TEST_CASE("Add and Concat and the activations of every layer") {
  Graph g = with_input({1, 1, 2});
  push(g, OpKind::Add, {0, 0}, "twice");
  push(g, OpKind::Concat, {0, 1}, "cat");
  validate(g);
  CHECK(g.layers[2].out_shape == std::vector<int>{2, 1, 2});
  std::vector<std::vector<float>> acts;
  CHECK(forward(g, std::vector<float>{1, 2}, &acts) == std::vector<float>{1, 2, 2, 4});
  CHECK(acts.size() == 3);
  CHECK(acts[1] == std::vector<float>{2, 4});
}

TEST_CASE("shape and weight contradictions are InputErrors naming the layer") {
  Graph g = with_input({4});
  Layer& d = push(g, OpKind::Dense, {0}, "fc");
  d.weight_shape = {3, 2};
  d.weight.assign(6, 0.0f);
  CHECK_THROWS_WITH_AS(validate(g), doctest::Contains("'fc'"), InputError);
  g.layers[1].weight_shape = {4, 2};
  g.layers[1].weight.assign(8, std::numeric_limits<float>::quiet_NaN());
  CHECK_THROWS_WITH_AS(validate(g), doctest::Contains("not finite"), InputError);
  g.layers[1].weight.assign(8, 0.0f);
  g.layers[1].act = Act::Softmax;
  push(g, OpKind::Activation, {1}, "relu").act = Act::ReLU;
  CHECK_THROWS_WITH_AS(validate(g), doctest::Contains("softmax"), InputError);
  Graph c = with_input({1, 3, 3});
  Layer& k = push(c, OpKind::Conv2D, {0}, "big");
  k.kernel_h = k.kernel_w = 5;
  k.weight_shape = {1, 1, 5, 5};
  k.weight.assign(25, 0.0f);
  CHECK_THROWS_WITH_AS(validate(c), doctest::Contains("larger than the padded input"), InputError);
}

TEST_CASE("fold_batchnorm gives the outputs of the unfolded network") {
  std::mt19937 rng(5);
  std::normal_distribution<float> n(0.0f, 1.0f);
  auto random = [&](std::size_t k) {
    std::vector<float> v(k);
    for (auto& x : v) x = n(rng);
    return v;
  };
  Graph g = with_input({2, 5, 5});
  Layer& c = push(g, OpKind::Conv2D, {0}, "conv");
  c.kernel_h = c.kernel_w = 3;
  c.pad_top = c.pad_bottom = c.pad_left = c.pad_right = 1;
  c.weight_shape = {3, 2, 3, 3};
  c.weight = random(54);
  Layer& bn = push(g, OpKind::Affine, {1}, "bn");
  bn.scale = random(3);
  bn.shift = random(3);
  bn.act = Act::ReLU;
  push(g, OpKind::Flatten, {2}, "flat");
  Layer& d = push(g, OpKind::Dense, {3}, "fc");
  d.weight_shape = {75, 4};
  d.weight = random(300);
  d.bias = random(4);
  Layer& bn2 = push(g, OpKind::Affine, {4}, "bn2");
  bn2.scale = random(4);
  bn2.shift = random(4);
  validate(g);
  const auto x = random(50);
  const auto before = forward(g, x);
  Graph folded = g;
  CHECK(fold_batchnorm(folded) == 2);
  CHECK(folded.layers.size() == 4);
  CHECK(folded.layers[1].act == Act::ReLU);
  const auto after = forward(folded, x);
  REQUIRE(after.size() == before.size());
  for (std::size_t i = 0; i < after.size(); ++i) CHECK(after[i] == doctest::Approx(before[i]).epsilon(1e-5));
}

TEST_CASE("MAC counts") {
  Graph g = with_input({1, 4, 4});
  Layer& c = push(g, OpKind::Conv2D, {0}, "conv");
  c.kernel_h = c.kernel_w = 3;
  c.weight_shape = {2, 1, 3, 3};
  c.weight.assign(18, 1.0f);
  validate(g);
  CHECK(layer_macs(g, 1) == 2 * 2 * 2 * 9);
  CHECK(graph_macs(g) == 72);
}
}
