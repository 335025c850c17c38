#pragma once
// MaxPool2D for rate codes (ops/maxpool.cpp: each window passes the events of its input
// with the largest accumulated payload) and for radix codes (ops/maxpool_radix.cpp: an
// exact MSB-first comparison of the windows' digits), plus the analog max of the direct
// input path.
#include <cstdint>
#include <span>

#include <brisk/core/engine/network.hpp>

namespace brisk::ops {

// out[o] = max over window o of in (channels-last images of p's input / output).
void maxpool_analog(const PlanLayer& p, const float* in, float* out);

// One step of the radix max pool: `dense_in` (zeros, in.size()) is scratch; `mask` holds
// per output the window elements still tied for the maximum; the step's outputs are
// appended through emit(id, digit).
struct RadixPoolStep {
  std::span<const std::int32_t> ids;
  std::span<const float> pay;
  int k;  // digit index within the window
};
template <class Emit>
void maxpool_radix_step(const PlanLayer& p, RadixPoolStep in, float* dense_in, std::int32_t* mask,
                        Emit&& emit);

}  // namespace brisk::ops

#include <brisk/core/engine/ops/maxpool_radix.hpp>
