// Leak in every leaky neuron model (IF, DoubleThreshold, Augmented with leak < 1): one
// neuron (Input {1} -> Dense 1->1 weight 1 -> readout), a constant direct input z, and its
// spike sequence step by step against the recurrence written out here:
//   V <- leak * V;  V <- V + z;  fire (model rule);  reset.
// The reference runs the same float operations in the same order (multiply, then add,
// each rounded: this file is built with -ffp-contract=off), so the sequences must be equal.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <brisk/core/engine/engine.hpp>
#include <brisk/core/engine/network.hpp>
#include "tests/sim/nets.hpp"

using namespace brisk;
using namespace brisk::test;

namespace {

Graph one_neuron() {
  Graph g;
  g.layers.push_back(input_layer({1}));
  g.layers.push_back(dense_layer("pop", 0, 1, 1, {1.0f}));
  g.layers.push_back(dense_layer("out", 1, 1, 1, {1.0f}));
  g.layers.back().act = Act::Linear;
  g.output = 2;
  validate(g);
  return g;
}

// The payload the neuron sent at each step (0: no event).
std::vector<float> payloads(const LayerSpec& ls, float z, int T) {
  const Graph g = one_neuron();
  SnnSpec s = spec_for(g, ls, EncoderKind::Direct, T);
  const SampleTrace tr = simulate(compile(g, s), std::vector<float>{z});
  const SpikeTrain& train = tr.trains[1];
  REQUIRE(train.closed_steps() == T);
  std::vector<float> out(static_cast<std::size_t>(T), 0.0f);
  for (int t = 0; t < T; ++t) {
    const auto p = train.payload(t);
    REQUIRE(p.size() <= 1);
    if (!p.empty()) out[static_cast<std::size_t>(t)] = p[0];
  }
  return out;
}

// The recurrence of each model, written independently of the models in neurons/.
std::vector<float> reference(const LayerSpec& ls, float z, int T) {
  const float th = ls.threshold.at(0);
  float v = 0.0f;
  int net = 0;  // DoubleThreshold: net spike count
  std::vector<float> out;
  for (int t = 0; t < T; ++t) {
    v = v * ls.leak;
    v = v + z;
    float s = 0.0f;
    switch (ls.neuron) {
      case NeuronKind::IF:
        if (v >= th) {
          s = 1.0f;
          v = ls.reset == ResetMode::Zero ? 0.0f : v - th;
        }
        break;
      case NeuronKind::DoubleThreshold:
        if (v >= th) s = 1.0f;
        else if (v <= -th && (!ls.negative_only_if_positive || net > 0)) s = -1.0f;
        v = v - s * th;
        net += static_cast<int>(s);
        break;
      case NeuronKind::Augmented:
        if (v >= th) {
          s = std::floor(v / th);
          if (ls.max_coefficient > 0) s = std::min(s, static_cast<float>(ls.max_coefficient));
          v = v - s * th;
        }
        break;
      default: FAIL("not a leaky spiking model");
    }
    out.push_back(s);
  }
  return out;
}

void check_model(LayerSpec ls, const std::vector<float>& drives) {
  const int T = 24;
  for (float leak : {0.5f, 0.75f, 0.9f}) {
    ls.leak = leak;
    for (float z : drives) {
      CAPTURE(leak);
      CAPTURE(z);
      const auto got = payloads(ls, z, T);
      CHECK(got == reference(ls, z, T));
    }
  }
}

}  // namespace

TEST_CASE("leak: IF with leak < 1 follows V <- leak V + z, fire at theta, reset") {
  LayerSpec ls;
  ls.neuron = NeuronKind::IF;
  ls.threshold = {1.0f};
  for (ResetMode reset : {ResetMode::Subtract, ResetMode::Zero}) {
    ls.reset = reset;
    check_model(ls, {0.3f, 0.6f, 0.45f, 1.3f});
  }
  // Written out: z = 0.6, leak 1/2, theta 1, subtraction: V = 0.6, 0.9, 1.05 (spike, 0.05),
  // 0.625, 0.9125, 1.05625 (spike) ... a spike every third step. Without the leak it
  // would fire at steps 1, 3, 4, 6, ... (0-based).
  ls.reset = ResetMode::Subtract;
  ls.leak = 0.5f;
  std::vector<float> want(12, 0.0f);
  for (int t : {2, 5, 8, 11}) want[static_cast<std::size_t>(t)] = 1.0f;
  CHECK(payloads(ls, 0.6f, 12) == want);
  // z = 0.3, leak 1/2: V tends to 0.6 < theta, so the neuron never fires.
  CHECK(payloads(ls, 0.3f, 12) == std::vector<float>(12, 0.0f));
}

TEST_CASE("leak: DoubleThreshold with leak < 1 follows V <- leak V + z, +-1 spikes, V -= s theta") {
  LayerSpec ls;
  ls.neuron = NeuronKind::DoubleThreshold;
  ls.threshold = {1.0f};
  for (bool only_if_positive : {true, false}) {
    ls.negative_only_if_positive = only_if_positive;
    check_model(ls, {0.3f, 0.6f, 1.3f, -0.6f, -0.3f});
  }
  // Written out: z = -0.6, leak 1/2, negatives allowed: -1 every third step.
  ls.negative_only_if_positive = false;
  ls.leak = 0.5f;
  std::vector<float> want(12, 0.0f);
  for (int t : {2, 5, 8, 11}) want[static_cast<std::size_t>(t)] = -1.0f;
  CHECK(payloads(ls, -0.6f, 12) == want);
  CHECK(payloads(ls, 0.3f, 12) == std::vector<float>(12, 0.0f));
}

TEST_CASE("leak: Augmented with leak < 1 follows V <- leak V + z, c = floor(V / theta), V -= c theta") {
  LayerSpec ls;
  ls.neuron = NeuronKind::Augmented;
  ls.threshold = {0.25f};
  for (int bound : {0, 2}) {
    ls.max_coefficient = bound;
    check_model(ls, {0.1f, 0.6f, 1.3f});
  }
  // Written out: theta 1, z = 0.6, leak 1/2 sends c = 1 every third step (as the IF does);
  // z = 0.3 never reaches theta.
  ls.threshold = {1.0f};
  ls.max_coefficient = 0;
  ls.leak = 0.5f;
  std::vector<float> want(12, 0.0f);
  for (int t : {2, 5, 8, 11}) want[static_cast<std::size_t>(t)] = 1.0f;
  CHECK(payloads(ls, 0.6f, 12) == want);
  CHECK(payloads(ls, 0.3f, 12) == std::vector<float>(12, 0.0f));
}
