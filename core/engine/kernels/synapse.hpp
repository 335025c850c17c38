#pragma once
// Synaptic kernels: add a step's input events into the target potentials.
//
// Each fast kernel has a scalar reference (`*_ref`) that states the operation in its
// most literal form; tests/sim/test_kernels.cpp checks every fast path against it over
// random sizes with ragged tails. The fast kernels are compiled for AVX-512, AVX2 and
// baseline x86-64 (function multi-versioning picks one at load time) with
// -ffp-contract=off, so every variant rounds exactly like the reference.
//
// Scatter (sparse) and gather (dense) twins add the contributions to each target in the
// same order (increasing input id) and so give bitwise-identical results; the engine picks
// one per step by event density.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace brisk::kernels {

// Dense: weight [in][out]; one event adds payload * row[id] into v[0..out).
void dense_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                   const float* weight, int out);
void dense_scatter_ref(float* v, std::span<const std::int32_t> ids,
                       std::span<const float> payload, const float* weight, int out);
// Dense twin: x is the step's input as a dense vector of `in` values (zeros = no event).
void dense_gather(float* v, const float* x, int in, const float* weight, int out);

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

// v[i] += a[i] over n values (constant currents; vectorized).
void add_into(float* v, const float* a, std::size_t n);

}  // namespace brisk::kernels
