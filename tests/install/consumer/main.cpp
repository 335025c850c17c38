// Loads a model through the installed headers and libraries and prints its size.
#include <cstdio>

#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/base/version.hpp>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const brisk::Graph g = brisk::load_model(argv[1], {});
  std::printf("brisk %s: %zu layers, %zu MACs\n", brisk::kVersion, g.layers.size(),
              brisk::graph_macs(g));
  return 0;
}
