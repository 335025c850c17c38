#pragma once
// Sliding-window geometry shared by the windowed operators (Conv2D, AvgPool2D, MaxPool2D
// for rate and radix codes): packing helpers and the window walk.
#include <cstddef>
#include <string>

#include <brisk/core/engine/network.hpp>
#include <brisk/core/graph/graph.hpp>

namespace brisk::ops {

[[noreturn]] void fail(const Layer& l, const std::string& what);

// Copies kernel, stride and pads from the Graph layer; the input must be an image.
void set_window(const Layer& l, const PlanLayer& in, PlanLayer& p);
// fanout[i] = outputs reading input i times `per_tap` targets each.
void window_fanout(const PlanLayer& in, PlanLayer& p, int per_tap);

// Calls f(input position) for every valid position of output window (oy, ox).
template <class F>
void for_window(const PlanLayer& p, int oy, int ox, F&& f) {
  for (int ky = 0; ky < p.kh; ++ky) {
    const int y = oy * p.sh - p.pad_top + ky;
    if (y < 0 || y >= p.in_h) continue;
    for (int kx = 0; kx < p.kw; ++kx) {
      const int x = ox * p.sw - p.pad_left + kx;
      if (x < 0 || x >= p.in_w) continue;
      f(static_cast<std::size_t>(y) * p.in_w + x);
    }
  }
}

// The window walk over channels-last rows: for every output cell, f(out_row, in_row) for
// each valid input position of its window; out is [p.h * p.w][p.c], in [p.in_h * p.in_w][p.c].
template <class T, class U, class F>
void for_window_rows(const PlanLayer& p, T* out, const U* in, F&& f) {
  const auto C = static_cast<std::size_t>(p.c);
  for (int oy = 0; oy < p.h; ++oy)
    for (int ox = 0; ox < p.w; ++ox) {
      T* o = out + (static_cast<std::size_t>(oy) * p.w + ox) * C;
      for_window(p, oy, ox, [&](std::size_t pos) { f(o, in + pos * C); });
    }
}

}  // namespace brisk::ops
