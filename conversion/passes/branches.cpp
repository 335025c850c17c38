#include <brisk/conversion/passes/branches.hpp>

#include <fmt/format.h>

#include <brisk/core/base/error.hpp>

namespace brisk {

namespace {

std::vector<std::vector<int>> consumers(const Graph& g) {
  std::vector<std::vector<int>> out(g.layers.size());
  for (std::size_t i = 0; i < g.layers.size(); ++i)
    for (int p : g.layers[i].inputs) out[static_cast<std::size_t>(p)].push_back(static_cast<int>(i));
  return out;
}

bool current_with(const Graph& g, const std::vector<std::vector<int>>& cons, int i) {
  const Layer& l = g.layers[static_cast<std::size_t>(i)];
  if (l.act != Act::Linear || i == g.output) return false;
  if (l.op == OpKind::Add) return true;
  if (l.op != OpKind::Dense && l.op != OpKind::Conv2D && l.op != OpKind::Affine) return false;
  const auto& c = cons[static_cast<std::size_t>(i)];
  if (c.empty()) return false;
  for (int k : c)
    if (g.layers[static_cast<std::size_t>(k)].op != OpKind::Add) return false;
  return true;
}

}  // namespace

bool is_current_layer(const Graph& g, int layer) { return current_with(g, consumers(g), layer); }

int canonicalize_branches(Graph& g) {
  int inserted = 0;
  // 1. Identity synapses on the Add inputs that are not currents.
  {
    const auto cons = consumers(g);
    std::vector<char> current(g.layers.size(), 0);
    for (std::size_t i = 0; i < g.layers.size(); ++i) current[i] = current_with(g, cons, static_cast<int>(i));
    std::vector<Layer> out;
    std::vector<int> index(g.layers.size(), -1);
    for (std::size_t i = 0; i < g.layers.size(); ++i) {
      Layer l = g.layers[i];
      for (int& src : l.inputs) src = index[static_cast<std::size_t>(src)];
      if (l.op == OpKind::Add) {
        for (std::size_t k = 0; k < l.inputs.size(); ++k) {
          const int old = g.layers[i].inputs[k];
          if (current[static_cast<std::size_t>(old)]) continue;
          const Layer& producer = g.layers[static_cast<std::size_t>(old)];
          Layer id;
          id.name = fmt::format("{}/shortcut{}", l.name, k);
          id.source_class = "identity";
          id.op = OpKind::Affine;
          id.inputs = {l.inputs[k]};
          const auto channels = static_cast<std::size_t>(producer.out_shape.at(0));
          id.scale.assign(channels, 1.0f);
          id.shift.assign(channels, 0.0f);
          l.inputs[k] = static_cast<int>(out.size());
          out.push_back(std::move(id));
          ++inserted;
        }
      }
      index[i] = static_cast<int>(out.size());
      out.push_back(std::move(l));
    }
    if (inserted > 0) {
      g.output = index[static_cast<std::size_t>(g.output)];
      g.layers = std::move(out);
      validate(g);
    }
  }
  // 2. Biases of currents move to the layers that consume them (topological order, so a
  //    chain of currents accumulates into its end).
  const auto cons = consumers(g);
  for (std::size_t i = 0; i < g.layers.size(); ++i) {
    if (!current_with(g, cons, static_cast<int>(i))) continue;
    Layer& l = g.layers[i];
    std::vector<float>& b = l.op == OpKind::Affine ? l.shift : l.bias;
    bool any = false;
    for (float v : b) any |= v != 0.0f;
    if (!any) continue;
    for (int k : cons[i]) {
      Layer& c = g.layers[static_cast<std::size_t>(k)];
      if (c.op == OpKind::Add) {
        if (c.bias.empty()) c.bias.assign(b.size(), 0.0f);
        for (std::size_t ch = 0; ch < b.size(); ++ch) c.bias[ch] += b[ch];
      } else if (c.op == OpKind::Affine) {
        for (std::size_t ch = 0; ch < b.size(); ++ch) c.shift[ch] += c.scale[ch] * b[ch];
      } else {
        throw InputError(fmt::format(
            "layer '{}' ({}): its output has no ReLU and feeds '{}' ({}); a residual sum must "
            "reach a ReLU (the spiking population) through Add or BatchNorm only",
            l.name, op_name(l.op), c.name, op_name(c.op)));
      }
    }
    if (l.op == OpKind::Affine) std::fill(b.begin(), b.end(), 0.0f);
    else b.clear();
  }
  validate(g);
  return inserted;
}

}  // namespace brisk
