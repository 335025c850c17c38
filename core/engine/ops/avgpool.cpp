// AvgPool2D: one weight per output position (1/window, or 1/valid taps for Keras 'same'),
// the fan-out table of every input position, and for non-overlapping windows (stride >=
// window, the usual 2x2/2) a per-input target map: an event is then one indexed add.
#include <algorithm>

#include <brisk/core/engine/ops/conv2d.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>

namespace brisk::ops {
namespace {

void plan_pool_map(PlanLayer& p) {
  const auto& t = p.taps;
  for (std::size_t q = 0; q + 1 < t.start.size(); ++q)
    if (t.start[q + 1] - t.start[q] > 1) return;
  const std::size_t n = t.pos_of.size();
  p.pool_target.assign(n, -1);
  p.pool_weight.assign(n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    const auto q = static_cast<std::size_t>(t.pos_of[i]);
    if (t.start[q + 1] == t.start[q]) continue;
    const auto o = static_cast<std::size_t>(t.out[static_cast<std::size_t>(t.start[q])]);
    const std::size_t c = i - q * static_cast<std::size_t>(p.in_c);
    p.pool_target[i] = static_cast<std::int32_t>(o * static_cast<std::size_t>(p.c) + c);
    p.pool_weight[i] = p.weight[o];
  }
}

void pack(const Layer& l, const std::vector<PlanLayer>& plan, PlanLayer& p) {
  const PlanLayer& in = plan[static_cast<std::size_t>(l.inputs.front())];
  set_window(l, in, p);
  p.weight.resize(static_cast<std::size_t>(p.h) * p.w);
  for (int oy = 0; oy < p.h; ++oy)
    for (int ox = 0; ox < p.w; ++ox) {
      int valid = 0;
      for (int ky = 0; ky < p.kh; ++ky)
        for (int kx = 0; kx < p.kw; ++kx) {
          const int y = oy * p.sh - p.pad_top + ky, x = ox * p.sw - p.pad_left + kx;
          valid += (y >= 0 && y < in.h && x >= 0 && x < in.w);
        }
      const int div = l.avg_count_pad ? p.kh * p.kw : std::max(valid, 1);
      p.weight[static_cast<std::size_t>(oy) * p.w + ox] = 1.0f / static_cast<float>(div);
    }
  window_fanout(in, p, 1);
  kernels::ConvGeom g = p.geom();
  g.cout = 1;  // taps hold output positions
  p.taps = kernels::make_conv_taps(g);
  plan_pool_map(p);
}

std::uint64_t integrate(const Context& c, Events ev, float* target) {
  const PlanLayer& p = c.p;
  const std::size_t n = ev.ids.size();
  std::uint64_t sops = 0;
  if (!p.pool_target.empty()) {
    const std::int32_t* tg = p.pool_target.data();
    const float* pw = p.pool_weight.data();
    for (std::size_t e = 0; e < n; ++e) {
      const auto i = static_cast<std::size_t>(ev.ids[e]);
      if (tg[i] < 0) continue;
      target[tg[i]] += ev.pay[e] * pw[i];
      ++sops;
    }
    return sops;
  }
  for (std::size_t e = 0; e < n; ++e) {
    const int pos = p.taps.pos_of[static_cast<std::size_t>(ev.ids[e])];
    const std::size_t ch = static_cast<std::size_t>(ev.ids[e] - pos * p.in_c);
    const auto q = static_cast<std::size_t>(pos);
    for (auto k = static_cast<std::size_t>(p.taps.start[q]); k < static_cast<std::size_t>(p.taps.start[q + 1]); ++k) {
      const auto o = static_cast<std::size_t>(p.taps.out[k]);
      target[o * static_cast<std::size_t>(p.c) + ch] += ev.pay[e] * p.weight[o];
    }
    sops += p.taps.start[q + 1] - p.taps.start[q];
  }
  return sops;
}

}  // namespace

const OpTraits kAvgPool2D{KernelKind::AvgPool2D, "AvgPool2D", pack, integrate};

}  // namespace brisk::ops
