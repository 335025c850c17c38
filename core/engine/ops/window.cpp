#include <brisk/core/engine/ops/window.hpp>

#include <fmt/format.h>

#include <brisk/core/base/error.hpp>

namespace brisk::ops {

void fail(const Layer& l, const std::string& what) {
  throw InputError(fmt::format("layer '{}': {}", l.name, what));
}

void set_window(const Layer& l, const PlanLayer& in, PlanLayer& p) {
  if (!in.image) fail(l, "needs an image input");
  p.in_c = in.c, p.in_h = in.h, p.in_w = in.w;
  p.kh = l.kernel_h, p.kw = l.kernel_w, p.sh = l.stride_h, p.sw = l.stride_w;
  p.pad_top = l.pad_top, p.pad_left = l.pad_left;
  if (p.sh < 1 || p.sw < 1 || p.kh < 1 || p.kw < 1) fail(l, "bad kernel or stride");
}

namespace {

// Number of outputs along one axis that read input coordinate `i`.
int taps_reading(int i, int k, int s, int pad, int out) {
  int n = 0;
  for (int kk = 0; kk < k; ++kk) {
    const int num = i + pad - kk;
    if (num >= 0 && num % s == 0 && num / s < out) ++n;
  }
  return n;
}

}  // namespace

void window_fanout(const PlanLayer& in, PlanLayer& p, int per_tap) {
  p.fanout.resize(in.size());
  for (int y = 0; y < in.h; ++y)
    for (int x = 0; x < in.w; ++x) {
      const auto n = static_cast<std::uint32_t>(taps_reading(y, p.kh, p.sh, p.pad_top, p.h) *
                                                taps_reading(x, p.kw, p.sw, p.pad_left, p.w) *
                                                per_tap);
      for (int c = 0; c < in.c; ++c) p.fanout[(static_cast<std::size_t>(y) * in.w + x) * in.c + c] = n;
    }
}

}  // namespace brisk::ops
