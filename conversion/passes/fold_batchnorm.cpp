#include <brisk/conversion/passes/fold_batchnorm.hpp>

#include <numeric>

#include <brisk/conversion/passes/graph_edit.hpp>

namespace brisk {

namespace {

bool foldable(const Graph& g, const Layer& affine, int producer) {
  const Layer& p = g.layers[static_cast<std::size_t>(producer)];
  return affine.op == OpKind::Affine && affine.inputs.size() == 1 &&
         (p.op == OpKind::Dense || p.op == OpKind::Conv2D) && p.act == Act::Linear &&
         p.act_bits == 0 && consumer_count(g, producer) == 1;
}

void fold_into(Layer& p, const Layer& affine) {
  const std::size_t outs = affine.scale.size();
  if (p.op == OpKind::Dense) {  // [in][out]: scale every column
    for (std::size_t i = 0; i < p.weight.size(); ++i) p.weight[i] *= affine.scale[i % outs];
  } else {  // [cout][cin][kh][kw]: scale every output filter
    const std::size_t per_filter = p.weight.size() / outs;
    for (std::size_t i = 0; i < p.weight.size(); ++i) p.weight[i] *= affine.scale[i / per_filter];
  }
  if (p.bias.empty()) p.bias.assign(outs, 0.0f);
  for (std::size_t o = 0; o < outs; ++o) p.bias[o] = p.bias[o] * affine.scale[o] + affine.shift[o];
  copy_activation(p, affine);
}

}  // namespace

int fold_batchnorm(Graph& g) {
  std::vector<int> replace(g.layers.size());
  std::iota(replace.begin(), replace.end(), 0);
  int folded = 0;
  for (std::size_t i = 1; i < g.layers.size(); ++i) {
    const Layer& a = g.layers[i];
    if (a.op != OpKind::Affine || a.inputs.size() != 1 || !foldable(g, a, a.inputs[0])) continue;
    fold_into(g.layers[static_cast<std::size_t>(a.inputs[0])], a);
    replace[i] = a.inputs[0];
    ++folded;
  }
  if (folded > 0) {
    bypass_layers(g, std::move(replace));
    validate(g);
  }
  return folded;
}

}  // namespace brisk
