#pragma once
// Radix MaxPool: MSB-first comparison. Each output keeps a mask of the window elements
// still tied for the maximum; a digit below the candidates' largest drops an element.
// (The radix MaxPool2D operator: its step, included by ops/maxpool.hpp.)
#include <algorithm>

#include <brisk/core/engine/ops/window.hpp>

namespace brisk::ops {

template <class Emit>
void maxpool_radix_step(const PlanLayer& p, RadixPoolStep in, float* dense_in, std::int32_t* masks,
                        Emit&& emit) {
  for (std::size_t e = 0; e < in.ids.size(); ++e) dense_in[static_cast<std::size_t>(in.ids[e])] = in.pay[e];
  for (int oy = 0; oy < p.h; ++oy)
    for (int ox = 0; ox < p.w; ++ox)
      for (int c = 0; c < p.c; ++c) {
        const std::size_t o = (static_cast<std::size_t>(oy) * p.w + ox) * p.c + c;
        auto mask = static_cast<std::uint32_t>(masks[o]);
        if (in.k == 0) mask = ~0u;
        float top = 0.0f;
        int bit = 0;
        for_window(p, oy, ox, [&](std::size_t q) {
          if (mask >> bit & 1u) top = std::max(top, dense_in[q * p.in_c + c]);
          ++bit;
        });
        bit = 0;
        for_window(p, oy, ox, [&](std::size_t q) {
          if (dense_in[q * p.in_c + c] < top) mask &= ~(1u << bit);
          ++bit;
        });
        masks[o] = static_cast<std::int32_t>(mask);
        if (top > 0.0f) emit(static_cast<std::int32_t>(o), top);
      }
  for (std::size_t e = 0; e < in.ids.size(); ++e) dense_in[static_cast<std::size_t>(in.ids[e])] = 0.0f;
}

}  // namespace brisk::ops
