#pragma once
// The inner loop of the Dense and Conv2D kernels (internal).
namespace brisk::kernels {

// dst[0..n) += p * src[0..n). Payloads +-1 skip the multiply (p*w == w exactly, so the
// result is the same as the general path).
[[gnu::always_inline]] inline void axpy(float* __restrict dst, float p, const float* __restrict src, int n) {
  if (p == 1.0f) {
    for (int o = 0; o < n; ++o) dst[o] += src[o];
  } else if (p == -1.0f) {
    for (int o = 0; o < n; ++o) dst[o] -= src[o];
  } else {
    for (int o = 0; o < n; ++o) dst[o] += p * src[o];
  }
}


}  // namespace brisk::kernels
