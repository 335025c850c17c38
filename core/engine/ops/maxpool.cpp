// MaxPool2D, rate code: each window passes the events of its input with the largest
// accumulated payload (first in raster order on ties); the analog max for direct input.
// The radix variant's step is in ops/maxpool_radix.hpp.
#include <brisk/core/engine/ops/maxpool.hpp>

#include <limits>

#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::ops {

void maxpool_analog(const PlanLayer& p, const float* in, float* out) {
  for (int oy = 0; oy < p.h; ++oy)
    for (int ox = 0; ox < p.w; ++ox)
      for (int c = 0; c < p.c; ++c) {
        float m = -std::numeric_limits<float>::infinity();
        for_window(p, oy, ox, [&](std::size_t pos) { m = std::max(m, in[pos * p.in_c + c]); });
        out[(static_cast<std::size_t>(oy) * p.w + ox) * p.c + c] = m;
      }
}

namespace {

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  set_window(l, plan[static_cast<std::size_t>(l.inputs.front())], p);
  if (p.kh * p.kw > 32) fail(l, "MaxPool2D windows above 32 elements are not supported");
}

// c.state: the accumulated payload per input neuron.
std::uint64_t integrate(const Context& ctx, Events ev, float* target) {
  const PlanLayer& p = ctx.p;
  float* acc = ctx.state;
  for (std::size_t e = 0; e < ev.ids.size(); ++e) acc[static_cast<std::size_t>(ev.ids[e])] += ev.pay[e];
  std::uint64_t passed = 0;
  for (std::size_t e = 0; e < ev.ids.size(); ++e) {
    const int pos = ev.ids[e] / p.in_c, c = ev.ids[e] - pos * p.in_c;
    const int y = pos / p.in_w, x = pos - y * p.in_w;
    for (int oy = 0; oy < p.h; ++oy) {
      const int y0 = oy * p.sh - p.pad_top;
      if (y < y0 || y >= y0 + p.kh) continue;
      for (int ox = 0; ox < p.w; ++ox) {
        const int x0 = ox * p.sw - p.pad_left;
        if (x < x0 || x >= x0 + p.kw) continue;
        std::size_t best = 0;
        float top = -std::numeric_limits<float>::infinity();
        for_window(p, oy, ox, [&](std::size_t q) {
          const float a = acc[q * p.in_c + c];
          if (a > top) top = a, best = q;
        });
        if (best != static_cast<std::size_t>(pos)) continue;
        target[(static_cast<std::size_t>(oy) * p.w + ox) * p.c + c] += ev.pay[e];
        ++passed;
      }
    }
  }
  return passed;
}

// The radix pool routes digits step by step (maxpool_radix_step); it has no integrate.
std::uint64_t no_integrate(const Context&, Events, float*) { return 0; }

}  // namespace

const OpTraits kMaxPool2D{KernelKind::MaxPool2D, "MaxPool2D", pack, integrate};
const OpTraits kMaxPool2DRadix{KernelKind::MaxPool2DRadix, "MaxPool2DRadix", pack, no_integrate};

}  // namespace brisk::ops
