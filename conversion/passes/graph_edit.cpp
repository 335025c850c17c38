#include <brisk/conversion/passes/graph_edit.hpp>

#include <fmt/format.h>

#include <brisk/core/base/error.hpp>

namespace brisk {

void bypass_layers(Graph& g, std::vector<int> replace_with) {
  const std::size_t n = g.layers.size();
  if (replace_with.size() != n) throw InternalError("bypass_layers: map size differs from the graph");
  std::vector<int> new_index(n, -1);
  int kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    int& r = replace_with[i];
    if (r == static_cast<int>(i)) {
      new_index[i] = kept++;
      continue;
    }
    if (r < 0 || r >= static_cast<int>(i))
      throw InternalError(fmt::format("bypass_layers: layer {} replaced by a later layer", i));
    r = replace_with[static_cast<std::size_t>(r)];  // chains resolve to a kept layer
  }
  auto remap = [&](int old) { return new_index[static_cast<std::size_t>(replace_with[static_cast<std::size_t>(old)])]; };
  std::vector<Layer> layers;
  layers.reserve(static_cast<std::size_t>(kept));
  for (std::size_t i = 0; i < n; ++i) {
    if (new_index[i] < 0) continue;
    Layer l = std::move(g.layers[i]);
    for (int& src : l.inputs) src = remap(src);
    layers.push_back(std::move(l));
  }
  if (g.output >= 0) g.output = remap(g.output);
  g.layers = std::move(layers);
}

int consumer_count(const Graph& g, int producer) {
  int count = g.output == producer ? 1 : 0;
  for (const auto& l : g.layers)
    for (int src : l.inputs) count += src == producer ? 1 : 0;
  return count;
}

}  // namespace brisk
