#include <brisk/core/engine/kernels/vector.hpp>

#include <brisk/core/base/isa.hpp>

namespace brisk::kernels {

BRISK_CLONES
void add_into(float* v, const float* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) v[i] += a[i];
}

}  // namespace brisk::kernels
