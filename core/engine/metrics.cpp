#include <brisk/core/engine/metrics.hpp>

namespace brisk {

int argmax(std::span<const float> v) {
  int best = v.empty() ? -1 : 0;
  for (std::size_t i = 1; i < v.size(); ++i)
    if (v[i] > v[static_cast<std::size_t>(best)]) best = static_cast<int>(i);
  return best;
}

}  // namespace brisk
