#pragma once
// Population kernels of the neuron models (vectorized, with scalar references; every
// variant rounds like its reference, see core/base/isa.hpp). Population layout: `rows`
// rows of `channels` neurons (channels-last images; a vector layer is one row),
// thresholds per channel.
#include <cstddef>
#include <cstdint>

namespace brisk::kernels {

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
// Radix end of window in one pass (v += scale * drive, v += v0, the quantizer
// q = clip(floor(v / theta[c]), 0, top) for an integer top, and the nonzero scan): per neuron, v += scale * drive[i] (drive not null;
// else v += scale * bias[c] when bias is not null),
// then v += v0[i] (v0 not null), v is stored, q[i] = clip(floor(v / theta[c]), 0, top);
// the neurons with q != 0 go to nz (increasing) and, when pay is not null, float(q) to
// pay, their q to qnz (when not null) and, when ones is not null, the number of one bits
// of q to ones; when
// qf is not null, float(q) of every neuron to qf (rows * channels entries).
// Returns how many; every output array needs rows * channels + 16 entries.
struct RadixFire {
  float* v;
  const float* drive;   // nullable
  float scale;          // B^K
  const float* v0;      // nullable
  const float* theta;   // per channel
  int channels;
  std::size_t rows;
  float top;            // B^K - 1
  std::int32_t* q;
  std::int32_t* nz;
  std::int32_t* qnz;    // nullable
  float* pay;           // nullable: with qnz and ones
  std::uint32_t* ones;  // nullable
  float* qf = nullptr;  // nullable: float(q) of every neuron (a dense copy of q)
  // Nullable: per channel fl(1 / theta[c]), every theta and reciprocal a normal float.
  // A kernel may then take floor(v * recip) where that provably equals floor(v / theta)
  // (v * recip not within 16 ulp of an integer) and divide elsewhere: q is unchanged.
  const float* recip = nullptr;
  // Nullable, used when drive is null: a constant current per channel (the bias), added as
  // v += scale * bias[c].
  const float* bias = nullptr;
  // Nullable: the number of one bits of every neuron's q (0 where q = 0).
  std::uint32_t* ones_all = nullptr;
  // Nullable (with ones_all): the sum of those bit counts is added to *ones_total.
  std::uint64_t* ones_total = nullptr;
  // Store 0 instead of the potential (it is not read after the window; the next sample
  // then finds the zero it starts from).
  bool clear_v = false;
};
std::size_t radix_fire(const RadixFire& a);
// One digit step of a power-of-two-base radix population: d = (q[i] >> shift) & mask for
// every neuron; the neurons with d != 0 go to ids (increasing) and float(d) to pay.
// Returns how many (ids and pay need n + 16 entries).
std::size_t radix_digit(const std::int32_t* q, std::size_t n, int shift, std::int32_t mask,
                        std::int32_t* ids, float* pay);
std::size_t radix_digit_ref(const std::int32_t* q, std::size_t n, int shift, std::int32_t mask,
                            std::int32_t* ids, float* pay);
std::size_t radix_fire_ref(const RadixFire& a);
// Double-threshold step of a vector population (one row, a threshold per neuron; negative
// spikes unconditional, negative_only_if_positive = false) that also writes its spikes as
// bit planes (neurons/dt_planes.cpp): a neuron with v >= theta[i] sends +1 (v -= theta[i],
// count[i] += 1), any other with v <= -theta[i] sends -1 (v += theta[i], count[i] -= 1).
// Ids (increasing) and payloads go to ids / pay (n + 16 entries each), and the +1 / -1
// neurons to the bits of xp / xn ((n + 63) / 64 words each, every word written, bits past
// n zero). Returns the number of spikes. The same float operations as
// DoubleThreshold::fire, so bitwise equal to dt_fire_planes_ref.
std::size_t dt_fire_planes(float* v, std::int32_t* count, const float* theta, std::size_t n,
                           std::int32_t* ids, float* pay, std::uint64_t* xp, std::uint64_t* xn);
std::size_t dt_fire_planes_ref(float* v, std::int32_t* count, const float* theta, std::size_t n,
                               std::int32_t* ids, float* pay, std::uint64_t* xp, std::uint64_t* xn);

}  // namespace brisk::kernels
