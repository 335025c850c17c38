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

// Population scan (vectorized): indices, increasing, of the neurons with v >= theta[c]
// (with `both`, also v <= -theta[c]) over `rows` rows of `channels` neurons; returns how
// many were written (out needs rows * channels + 16 entries).
std::size_t at_threshold(const float* v, const float* theta, int channels, std::size_t rows,
                         bool both, std::int32_t* out);
// Integrate-and-fire step of a population in one pass: v += drive (when drive is not
// null), then every neuron with v >= theta[c] is reset (v - theta[c], or 0 with
// `to_zero`) and its index written to out (increasing); returns how many fired (out needs
// rows * channels + 16 entries). The same float operations, in the same order, as
// add_into + at_threshold + a scalar reset, so results are bitwise equal to if_fire_ref.
std::size_t if_fire(float* v, const float* drive, const float* theta, int channels,
                    std::size_t rows, bool to_zero, std::int32_t* out);
std::size_t if_fire_ref(float* v, const float* drive, const float* theta, int channels,
                        std::size_t rows, bool to_zero, std::int32_t* out);
// All `steps` steps of an IF population driven by a constant current only (direct
// input, no leak): per step v += drive, fire at v >= theta[c], reset; the potential stays
// in a register across the steps. fired[t * vecs + k] holds the firing bits of vector k
// (16 neurons of one row; a row of `channels` neurons has ceil(channels / 16) vectors) at
// step t, vecs = rows * ceil(channels / 16). Bitwise the same as `steps` calls of if_fire.
void if_fire_steps(float* v, const float* drive, const float* theta, int channels,
                   std::size_t rows, bool to_zero, int steps, std::uint16_t* fired);
void if_fire_steps_ref(float* v, const float* drive, const float* theta, int channels,
                       std::size_t rows, bool to_zero, int steps, std::uint16_t* fired);
// The neuron ids of one step's firing bits (as written by if_fire_steps), increasing;
// returns how many (out needs rows * channels + 16 entries).
std::size_t fired_ids(const std::uint16_t* fired, int channels, std::size_t rows,
                      std::int32_t* out);
// Radix output: q = clip(floor(v / theta[c]), 0, top) over rows of `channels` neurons
// (top is an integer).
void quantize_floor(const float* v, const float* theta, int channels, std::size_t rows,
                    float top, std::int32_t* q);

// Indices i with v[i] != 0, in increasing order; returns how many were written (out
// needs n + 16 entries).
std::size_t nonzero(const float* v, std::size_t n, std::int32_t* out);
// The same for integers (radix outputs q).
std::size_t nonzero_i32(const std::int32_t* v, std::size_t n, std::int32_t* out);

}  // namespace brisk::kernels
