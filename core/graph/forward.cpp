// The reference float forward pass of a Graph: the ANN every SNN figure is compared with,
// written for clarity first (one function per operator, channels-first buffers).
#include <brisk/core/graph/graph.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <utility>

#include <brisk/core/base/error.hpp>

namespace brisk {

// ---------------------------------------------------------------------------------------
// Reference float forward pass
// ---------------------------------------------------------------------------------------

namespace {

using Buffer = std::vector<float>;

struct Dims {
  int c, h, w;
  explicit Dims(const std::vector<int>& s)
      : c(s.empty() ? 1 : s[0]), h(s.size() == 3 ? s[1] : 1), w(s.size() == 3 ? s[2] : 1) {}
};

// First and one-past-last output index o with 0 <= o*stride + offset < in (offset may be < 0).
std::pair<int, int> valid_range(int out, int in, int stride, int offset) {
  int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  int hi = in - offset <= 0 ? 0 : (in - offset - 1) / stride + 1;
  return {std::min(lo, out), std::clamp(hi, 0, out)};
}

void dense(const Layer& l, const Buffer& x, Buffer& y) {
  const std::size_t n_out = static_cast<std::size_t>(l.weight_shape[1]);
  if (l.bias.empty()) std::fill(y.begin(), y.end(), 0.0f);
  else std::copy(l.bias.begin(), l.bias.end(), y.begin());
  float* out = y.data();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const float a = x[i];
    if (a == 0.0f) continue;  // post-ReLU inputs are mostly zero
    const float* row = l.weight.data() + i * n_out;
    for (std::size_t o = 0; o < n_out; ++o) out[o] += a * row[o];
  }
}

// Stride 1: pad the input once, then every kernel tap (ci, ky, kx) is ONE long contiguous
// multiply-add over the whole output plane laid out with the padded row pitch (the extra
// columns are computed and dropped). Long unit-stride loops vectorize well, even for the
// small planes of late layers, where a per-row loop would be all overhead.
void conv2d_stride1(const Layer& l, const Dims& in, const Dims& out, const Buffer& x, Buffer& y) {
  const int kh = l.kernel_h, kw = l.kernel_w;
  const int ph = in.h + l.pad_top + l.pad_bottom, pw = in.w + l.pad_left + l.pad_right;
  const std::size_t pplane = static_cast<std::size_t>(ph) * static_cast<std::size_t>(pw);
  const bool padded = ph != in.h || pw != in.w;
  Buffer xp;
  if (padded) {
    xp.assign(static_cast<std::size_t>(in.c) * pplane, 0.0f);
    for (int c = 0; c < in.c; ++c)
      for (int iy = 0; iy < in.h; ++iy)
        std::copy_n(x.data() + (static_cast<std::size_t>(c) * static_cast<std::size_t>(in.h) + static_cast<std::size_t>(iy)) * static_cast<std::size_t>(in.w),
                    in.w,
                    xp.data() + static_cast<std::size_t>(c) * pplane +
                        static_cast<std::size_t>(iy + l.pad_top) * static_cast<std::size_t>(pw) +
                        static_cast<std::size_t>(l.pad_left));
  }
  const float* src = padded ? xp.data() : x.data();
  const std::size_t span = static_cast<std::size_t>(out.h - 1) * static_cast<std::size_t>(pw) +
                           static_cast<std::size_t>(out.w);
  Buffer acc(span);
  for (int co = 0; co < out.c; ++co) {
    std::fill(acc.begin(), acc.end(), l.bias.empty() ? 0.0f : l.bias[static_cast<std::size_t>(co)]);
    float* a = acc.data();
    for (int ci = 0; ci < in.c; ++ci) {
      const float* wk = l.weight.data() + (static_cast<std::size_t>(co) * static_cast<std::size_t>(in.c) +
                                           static_cast<std::size_t>(ci)) * static_cast<std::size_t>(kh * kw);
      const float* xc = src + static_cast<std::size_t>(ci) * pplane;
      for (int ky = 0; ky < kh; ++ky)
        for (int kx = 0; kx < kw; ++kx) {
          const float wv = wk[ky * kw + kx];
          const float* xs = xc + static_cast<std::size_t>(ky) * static_cast<std::size_t>(pw) + static_cast<std::size_t>(kx);
          for (std::size_t i = 0; i < span; ++i) a[i] += wv * xs[i];
        }
    }
    float* yo = y.data() + static_cast<std::size_t>(co) * static_cast<std::size_t>(out.h) * static_cast<std::size_t>(out.w);
    for (int oy = 0; oy < out.h; ++oy)
      std::copy_n(a + static_cast<std::size_t>(oy) * static_cast<std::size_t>(pw), out.w,
                  yo + static_cast<std::size_t>(oy) * static_cast<std::size_t>(out.w));
  }
}

void conv2d_strided(const Layer& l, const Dims& in, const Dims& out, const Buffer& x, Buffer& y) {
  const int kh = l.kernel_h, kw = l.kernel_w, sh = l.stride_h, sw = l.stride_w;
  const std::size_t plane = static_cast<std::size_t>(out.h) * static_cast<std::size_t>(out.w);
  const std::size_t in_plane = static_cast<std::size_t>(in.h) * static_cast<std::size_t>(in.w);
  for (int co = 0; co < out.c; ++co) {
    float* yo = y.data() + static_cast<std::size_t>(co) * plane;
    std::fill(yo, yo + plane, l.bias.empty() ? 0.0f : l.bias[static_cast<std::size_t>(co)]);
    for (int ci = 0; ci < in.c; ++ci) {
      const float* xi = x.data() + static_cast<std::size_t>(ci) * in_plane;
      const float* wk = l.weight.data() + (static_cast<std::size_t>(co) * static_cast<std::size_t>(in.c) +
                                           static_cast<std::size_t>(ci)) *
                                              static_cast<std::size_t>(kh * kw);
      for (int ky = 0; ky < kh; ++ky) {
        auto [oy0, oy1] = valid_range(out.h, in.h, sh, ky - l.pad_top);
        for (int kx = 0; kx < kw; ++kx) {
          const float wv = wk[ky * kw + kx];
          auto [ox0, ox1] = valid_range(out.w, in.w, sw, kx - l.pad_left);
          for (int oy = oy0; oy < oy1; ++oy) {
            const float* xr = xi + static_cast<std::size_t>(oy * sh + ky - l.pad_top) * static_cast<std::size_t>(in.w) +
                              (kx - l.pad_left);
            float* yr = yo + static_cast<std::size_t>(oy) * static_cast<std::size_t>(out.w);
            if (sw == 1) {
              for (int ox = ox0; ox < ox1; ++ox) yr[ox] += wv * xr[ox];
            } else {
              for (int ox = ox0; ox < ox1; ++ox) yr[ox] += wv * xr[ox * sw];
            }
          }
        }
      }
    }
  }
}

template <bool IsMax>
void pool2d(const Layer& l, const Dims& in, const Dims& out, const Buffer& x, Buffer& y) {
  const float full = static_cast<float>(l.kernel_h * l.kernel_w);
  for (int c = 0; c < out.c; ++c) {
    const float* xc = x.data() + static_cast<std::size_t>(c) * static_cast<std::size_t>(in.h * in.w);
    for (int oy = 0; oy < out.h; ++oy) {
      const int y0 = std::max(oy * l.stride_h - l.pad_top, 0);
      const int y1 = std::min(oy * l.stride_h - l.pad_top + l.kernel_h, in.h);
      for (int ox = 0; ox < out.w; ++ox) {
        const int x0 = std::max(ox * l.stride_w - l.pad_left, 0);
        const int x1 = std::min(ox * l.stride_w - l.pad_left + l.kernel_w, in.w);
        float acc = IsMax ? -std::numeric_limits<float>::infinity() : 0.0f;
        for (int iy = y0; iy < y1; ++iy)
          for (int ix = x0; ix < x1; ++ix) {
            const float v = xc[iy * in.w + ix];
            if constexpr (IsMax) acc = std::max(acc, v);
            else acc += v;
          }
        const int valid = std::max(y1 - y0, 0) * std::max(x1 - x0, 0);
        float& dst = y[(static_cast<std::size_t>(c) * static_cast<std::size_t>(out.h) +
                        static_cast<std::size_t>(oy)) * static_cast<std::size_t>(out.w) +
                       static_cast<std::size_t>(ox)];
        if constexpr (IsMax) dst = valid > 0 ? acc : 0.0f;
        else dst = valid == 0 ? 0.0f : acc / (l.avg_count_pad ? full : static_cast<float>(valid));
      }
    }
  }
}

// Copies a {C,H,W} tensor into (or out of) the H,W,C walking order.
void chw_to_hwc(const Dims& d, const float* src, float* dst) {
  for (int c = 0; c < d.c; ++c)
    for (int i = 0; i < d.h * d.w; ++i) dst[static_cast<std::size_t>(i) * static_cast<std::size_t>(d.c) + static_cast<std::size_t>(c)] =
        src[static_cast<std::size_t>(c) * static_cast<std::size_t>(d.h * d.w) + static_cast<std::size_t>(i)];
}
void hwc_to_chw(const Dims& d, const float* src, float* dst) {
  for (int c = 0; c < d.c; ++c)
    for (int i = 0; i < d.h * d.w; ++i) dst[static_cast<std::size_t>(c) * static_cast<std::size_t>(d.h * d.w) + static_cast<std::size_t>(i)] =
        src[static_cast<std::size_t>(i) * static_cast<std::size_t>(d.c) + static_cast<std::size_t>(c)];
}

void reshape(const Layer& l, const std::vector<int>& in_shape, const Buffer& x, Buffer& y) {
  const bool hwc = l.flatten_order == FlattenOrder::HWC;
  const bool in3 = in_shape.size() == 3, out3 = l.out_shape.size() == 3;
  if (!hwc || (!in3 && !out3)) {
    std::copy(x.begin(), x.end(), y.begin());
    return;
  }
  Buffer flat(x.size());
  if (in3) chw_to_hwc(Dims(in_shape), x.data(), flat.data());
  else flat = x;
  if (out3) hwc_to_chw(Dims(l.out_shape), flat.data(), y.data());
  else y = std::move(flat);
}

void zero_pad(const Layer& l, const Dims& in, const Dims& out, const Buffer& x, Buffer& y) {
  std::fill(y.begin(), y.end(), 0.0f);
  for (int c = 0; c < in.c; ++c)
    for (int iy = 0; iy < in.h; ++iy) {
      const float* src = x.data() + (static_cast<std::size_t>(c) * static_cast<std::size_t>(in.h) + static_cast<std::size_t>(iy)) *
                                        static_cast<std::size_t>(in.w);
      float* dst = y.data() + (static_cast<std::size_t>(c) * static_cast<std::size_t>(out.h) +
                               static_cast<std::size_t>(iy + l.pad_top)) * static_cast<std::size_t>(out.w) +
                   static_cast<std::size_t>(l.pad_left);
      std::copy(src, src + in.w, dst);
    }
}

void affine(const Layer& l, const Buffer& x, Buffer& y) {
  const std::size_t channels = l.scale.size();
  const std::size_t inner = channels == 0 ? 0 : x.size() / channels;
  for (std::size_t c = 0; c < channels; ++c) {
    const float s = l.scale[c], b = l.shift[c];
    for (std::size_t i = c * inner; i < (c + 1) * inner; ++i) y[i] = x[i] * s + b;
  }
}

void apply_activation(const Layer& l, Buffer& y) {
  switch (l.act) {
    case Act::Linear:
    case Act::Softmax:  // only on the output layer, where the readout keeps the logits
      return;
    case Act::ReLU:
      for (float& v : y) v = std::max(v, 0.0f);
      return;
    case Act::ClippedReLU:
      if (l.act_bits > 0) {
        // Same operation order as tools/brisk_torch.py ClipFloor: x*2^K/m, floor, clamp, *m/2^K.
        const float levels = std::ldexp(1.0f, l.act_bits), m = l.act_max;
        for (float& v : y) v = std::clamp(std::floor(v * levels / m), 0.0f, levels - 1.0f) * m / levels;
      } else {
        for (float& v : y) v = std::clamp(v, 0.0f, l.act_max);
      }
      return;
    case Act::QCFS: {
      // Same operation order as tools/brisk_torch.py QCFS: clamp(x/λ, 0, 1), *L, +0.5, floor,
      // /L, *λ, each rounded to float (the build has -ffp-contract=off: no fused multiply-add).
      const float lambda = l.act_max, levels = static_cast<float>(l.act_levels);
      for (float& v : y) {
        const float t = std::clamp(v / lambda, 0.0f, 1.0f);
        v = std::floor(t * levels + 0.5f) / levels * lambda;
      }
      return;
    }
  }
}

void run_layer(const Graph& g, const Layer& l, const std::vector<Buffer>& acts, Buffer& y) {
  const auto& x = acts[static_cast<std::size_t>(l.inputs.front())];
  const auto& in_shape = g.layers[static_cast<std::size_t>(l.inputs.front())].out_shape;
  if (l.bitwise != Bitwise::None) {  // binary / ternary layer (bitwise.cpp)
    bitwise_forward(l, &l == &g.layers[static_cast<std::size_t>(g.output)], x, y);
    return;
  }
  y.resize(shape_size(l.out_shape));
  switch (l.op) {
    case OpKind::Input: break;
    case OpKind::Dense: dense(l, x, y); break;
    case OpKind::Conv2D:
      if (l.stride_h == 1 && l.stride_w == 1) conv2d_stride1(l, Dims(in_shape), Dims(l.out_shape), x, y);
      else conv2d_strided(l, Dims(in_shape), Dims(l.out_shape), x, y);
      break;
    case OpKind::AvgPool2D: pool2d<false>(l, Dims(in_shape), Dims(l.out_shape), x, y); break;
    case OpKind::MaxPool2D: pool2d<true>(l, Dims(in_shape), Dims(l.out_shape), x, y); break;
    case OpKind::GlobalAvgPool2D: {
      const Dims d(in_shape);
      const std::size_t plane = static_cast<std::size_t>(d.h * d.w);
      for (std::size_t c = 0; c < y.size(); ++c) {
        float s = 0.0f;
        for (std::size_t i = 0; i < plane; ++i) s += x[c * plane + i];
        y[c] = s / static_cast<float>(plane);
      }
      break;
    }
    case OpKind::Flatten:
      if (in_shape.size() == 3 && l.flatten_order == FlattenOrder::HWC)
        chw_to_hwc(Dims(in_shape), x.data(), y.data());
      else std::copy(x.begin(), x.end(), y.begin());
      break;
    case OpKind::Reshape: reshape(l, in_shape, x, y); break;
    case OpKind::ZeroPad2D: zero_pad(l, Dims(in_shape), Dims(l.out_shape), x, y); break;
    case OpKind::Affine: affine(l, x, y); break;
    case OpKind::Activation: std::copy(x.begin(), x.end(), y.begin()); break;
    case OpKind::Add:
      std::copy(x.begin(), x.end(), y.begin());
      for (std::size_t k = 1; k < l.inputs.size(); ++k) {
        const auto& z = acts[static_cast<std::size_t>(l.inputs[k])];
        for (std::size_t i = 0; i < y.size(); ++i) y[i] += z[i];
      }
      if (!l.bias.empty()) {  // per channel (conversion moves residual branches' biases here)
        const std::size_t inner = y.size() / l.bias.size();
        for (std::size_t i = 0; i < y.size(); ++i) y[i] += l.bias[i / inner];
      }
      break;
    case OpKind::Concat: {
      auto pos = y.begin();  // channels first: concatenating along C appends whole tensors
      for (int src : l.inputs) {
        const auto& z = acts[static_cast<std::size_t>(src)];
        pos = std::copy(z.begin(), z.end(), pos);
      }
      break;
    }
  }
  apply_activation(l, y);
}

}  // namespace

std::vector<float> forward(const Graph& g, std::span<const float> input,
                           std::vector<std::vector<float>>* activations) {
  if (g.layers.empty() || g.output < 0) throw InternalError("forward: the graph is not validated");
  if (input.size() != shape_size(g.input_shape()))
    throw InputError(fmt::format("the sample has {} values, the network's input {} needs {}",
                                 input.size(), shape_str(g.input_shape()),
                                 shape_size(g.input_shape())));
  std::vector<Buffer> local;
  std::vector<Buffer>& acts = activations ? *activations : local;
  acts.resize(g.layers.size());
  acts[0].assign(input.begin(), input.end());
  apply_activation(g.layers[0], acts[0]);
  const auto last = static_cast<std::size_t>(g.output);
  for (std::size_t i = 1; i <= last; ++i) run_layer(g, g.layers[i], acts, acts[i]);
  return acts[last];
}

}  // namespace brisk
