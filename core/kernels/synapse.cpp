#include "core/kernels/synapse.hpp"

namespace brisk::kernels {

// Function multi-versioning: one clone per ISA, chosen once at load time. Sanitizer
// builds keep a single version (ifunc resolvers run before the sanitizer runtime).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__)
#define BRISK_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define BRISK_CLONES
#endif

namespace {

// dst[0..n) += p * src[0..n). Payloads +-1 skip the multiply (p*w == w exactly, so the
// result is the same as the general path).
inline void axpy(float* __restrict dst, float p, const float* __restrict src, int n) {
  if (p == 1.0f) {
    for (int o = 0; o < n; ++o) dst[o] += src[o];
  } else if (p == -1.0f) {
    for (int o = 0; o < n; ++o) dst[o] -= src[o];
  } else {
    for (int o = 0; o < n; ++o) dst[o] += p * src[o];
  }
}

}  // namespace

BRISK_CLONES
void dense_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                   const float* weight, int out) {
  for (std::size_t e = 0; e < ids.size(); ++e)
    axpy(v, payload[e], weight + static_cast<std::size_t>(ids[e]) * out, out);
}

void dense_scatter_ref(float* v, std::span<const std::int32_t> ids,
                       std::span<const float> payload, const float* weight, int out) {
  for (std::size_t e = 0; e < ids.size(); ++e)
    for (int o = 0; o < out; ++o)
      v[o] = v[o] + payload[e] * weight[static_cast<std::size_t>(ids[e]) * out + o];
}

BRISK_CLONES
void dense_gather(float* v, const float* x, int in, const float* weight, int out) {
  for (int i = 0; i < in; ++i)
    if (x[i] != 0.0f) axpy(v, x[i], weight + static_cast<std::size_t>(i) * out, out);
}

BRISK_CLONES
void conv_scatter(float* v, std::span<const std::int32_t> ids, std::span<const float> payload,
                  const float* weight, const ConvGeom& g) {
  const int co = g.cout;
  for (std::size_t e = 0; e < ids.size(); ++e) {
    const int pos = ids[e] / g.cin, c = ids[e] - pos * g.cin;
    const int y = pos / g.in_w, x = pos - y * g.in_w;
    const float p = payload[e];
    for (int ky = 0; ky < g.kh; ++ky) {
      const int ny = y + g.pad_top - ky;  // = oy * sh
      if (ny < 0) break;                  // decreases with ky
      if (ny % g.sh != 0 || ny / g.sh >= g.out_h) continue;
      const int oy = ny / g.sh;
      for (int kx = 0; kx < g.kw; ++kx) {
        const int nx = x + g.pad_left - kx;
        if (nx < 0) break;
        if (nx % g.sw != 0 || nx / g.sw >= g.out_w) continue;
        const int ox = nx / g.sw;
        axpy(v + (static_cast<std::size_t>(oy) * g.out_w + ox) * co, p,
             weight + ((static_cast<std::size_t>(c) * g.kh + ky) * g.kw + kx) * co, co);
      }
    }
  }
}

// Literal definition: every output position checks whether its window holds the event.
void conv_scatter_ref(float* v, std::span<const std::int32_t> ids,
                      std::span<const float> payload, const float* weight, const ConvGeom& g) {
  for (std::size_t e = 0; e < ids.size(); ++e) {
    const int pos = ids[e] / g.cin, c = ids[e] % g.cin;
    const int y = pos / g.in_w, x = pos % g.in_w;
    for (int oy = 0; oy < g.out_h; ++oy)
      for (int ox = 0; ox < g.out_w; ++ox) {
        const int ky = y - (oy * g.sh - g.pad_top), kx = x - (ox * g.sw - g.pad_left);
        if (ky < 0 || ky >= g.kh || kx < 0 || kx >= g.kw) continue;
        for (int o = 0; o < g.cout; ++o) {
          float& t = v[(static_cast<std::size_t>(oy) * g.out_w + ox) * g.cout + o];
          t = t + payload[e] * weight[((static_cast<std::size_t>(c) * g.kh + ky) * g.kw + kx) * g.cout + o];
        }
      }
  }
}

// Gather form: for each output, its window's inputs in increasing input id order (the
// order in which the scatter twin visits a step's events).
BRISK_CLONES
void conv_gather(float* v, const float* x, const float* weight, const ConvGeom& g) {
  const int co = g.cout;
  for (int oy = 0; oy < g.out_h; ++oy)
    for (int ox = 0; ox < g.out_w; ++ox) {
      float* dst = v + (static_cast<std::size_t>(oy) * g.out_w + ox) * co;
      for (int ky = 0; ky < g.kh; ++ky) {
        const int y = oy * g.sh - g.pad_top + ky;
        if (y < 0 || y >= g.in_h) continue;
        for (int kx = 0; kx < g.kw; ++kx) {
          const int xx = ox * g.sw - g.pad_left + kx;
          if (xx < 0 || xx >= g.in_w) continue;
          const float* in = x + (static_cast<std::size_t>(y) * g.in_w + xx) * g.cin;
          for (int c = 0; c < g.cin; ++c)
            if (in[c] != 0.0f)
              axpy(dst, in[c], weight + ((static_cast<std::size_t>(c) * g.kh + ky) * g.kw + kx) * co, co);
        }
      }
    }
}

BRISK_CLONES
void add_into(float* v, const float* a, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) v[i] += a[i];
}

}  // namespace brisk::kernels
