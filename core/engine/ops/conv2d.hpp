#pragma once
// Conv2D kernels (the operator is in ops/conv2d.cpp), on channels-last tensors. The
// scatter and gather twins are bitwise equal; the reference states the operation
// literally (tests/sim/test_kernels.cpp).
#include <cstdint>
#include <span>
#include <vector>

namespace brisk::kernels {

// Conv2D on channels-last tensors; weight [cin][kh][kw][cout].
struct ConvGeom {
  int in_h, in_w, cin, out_h, out_w, cout, kh, kw, sh, sw, pad_top, pad_left;
};
// Precomputed fan-out of every input neuron: the scatter does no index arithmetic (no
// divisions) per event. For input position q = y*in_w + x, the pairs
// [start[q], start[q+1]) hold the target offset (output position * cout) and the weight
// offset within one input channel's slice ((ky*kw + kx) * cout).
struct ConvTaps {
  std::vector<std::int32_t> pos_of;  // per input id: its position (id / cin)
  std::vector<std::int32_t> start, out, w;
};
ConvTaps make_conv_taps(const ConvGeom& g);
void conv_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                  const float* weight, const ConvGeom& g, const ConvTaps& taps);
void conv_scatter_ref(float* v, std::span<const std::int32_t> ids,
                      std::span<const float> payload, const float* weight, const ConvGeom& g);
// Conv2D twin over a dense channels-last input (in_h * in_w * cin values).
void conv_gather(float* v, const float* x, const float* weight, const ConvGeom& g);
// The event density (events / inputs) from which conv_gather is expected to be faster
// than conv_scatter (a cost model of both, fitted on AVX-512: the scatter pays per
// delivered vector and per input position it visits, the blocked gather per vector of the
// whole window, zeros included); -1 when the gather is not the blocked one (cout not a
// multiple of 16) or never wins. A speed choice only: both give the same result.
float conv_dense_above(const ConvGeom& g, const ConvTaps& taps);

}  // namespace brisk::kernels
