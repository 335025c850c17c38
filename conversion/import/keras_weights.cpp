// Keras importer, part 3: weights located by weight_names (or Keras 3's archive layout),
// the Theano kernel flip and the Conv2D kernel layouts.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include <brisk/conversion/import/keras_reader.hpp>
#include <brisk/core/base/error.hpp>

namespace brisk::detail::keras {

// ---------------------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------------------

std::vector<h5::FloatArray> KerasReader::weights(const KLayer& kl, std::size_t expected,
                                                 const char* names) const {
  const h5::File& f = *src_.weights;
  std::vector<std::string> paths;
  if (src_.layout == KerasWeightLayout::Keras3Archive) {
    std::string group = "layers/" + kl.weight_key + "/vars";
    if (!f.is_group(group)) group = "layers/" + kl.name + "/vars";
    if (f.is_group(group)) {
      auto children = f.children(group);
      std::sort(children.begin(), children.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;  // "2" before "10"
      });
      for (const auto& c : children) paths.push_back(group + "/" + c);
    }
  } else {
    const std::string group = src_.weight_root.empty() ? kl.name : src_.weight_root + "/" + kl.name;
    if (f.is_group(group)) {
      if (!f.has_attr(group, "weight_names") && !f.has_attr(group, "weight_names0") &&
          !f.children(group).empty())
        fail(kl, fmt::format("weight group '{}' in {} has no weight_names attribute", group, f.label()));
      for (const auto& n : f.split_strings_attr(group, "weight_names")) {
        const std::string p = group + "/" + n;
        if (!f.is_dataset(p))
          fail(kl, fmt::format("weight dataset '{}' is missing from {}", p, f.label()));
        paths.push_back(p);
      }
    }
  }
  if (paths.size() != expected)
    fail(kl, fmt::format("expects {} weight arrays ({}), {} has {}", expected, names, f.label(),
                         paths.size()));
  std::vector<h5::FloatArray> out;
  for (const auto& p : paths) {
    out.push_back(f.read_floats(p));
    for (float v : out.back().data)
      if (!std::isfinite(v)) fail(kl, fmt::format("weight '{}' holds {} (not finite)", p, v));
  }
  return out;
}

// Theano-trained files hold flipped kernels: from the option, else the backend attribute,
// else Keras 1 'th' dim ordering (such files carry no backend).
void KerasReader::decide_flip(const std::string& backend) {
  const bool th_ordering = std::any_of(layers_.begin(), layers_.end(), [](const KLayer& kl) {
    return kl.cfg.contains("dim_ordering") && kl.cfg["dim_ordering"] == "th";
  });
  switch (opts_.theano_flip) {
    case TheanoFlip::Flip: flip_ = true; break;
    case TheanoFlip::NoFlip: flip_ = false; break;
    case TheanoFlip::Auto: flip_ = backend.empty() ? th_ordering : backend == "theano"; break;
  }
}

// A stored Conv2D kernel to brisk's (out, in, kh, kw). Keras 1 'th' stores (out, in, kh, kw);
// every other variant (kh, kw, in, out).
std::vector<float> KerasReader::conv_kernel(const std::vector<float>& stored, bool th_layout,
                                            int filters, int cin, int kh, int kw) const {
  std::vector<float> out(stored.size());
  const auto K = [&](int o, int i, int y, int x) {  // index into the stored kernel
    return th_layout ? ((static_cast<std::size_t>(o) * cin + i) * kh + y) * kw + x
                     : ((static_cast<std::size_t>(y) * kw + x) * cin + i) * filters + o;
  };
  std::size_t k = 0;
  for (int o = 0; o < filters; ++o)
    for (int i = 0; i < cin; ++i)
      for (int y = 0; y < kh; ++y)
        for (int x = 0; x < kw; ++x)
          // Theano convolves (flipped kernel); brisk cross-correlates: rotate by 180 degrees.
          out[k++] = flip_ ? stored[K(o, i, kh - 1 - y, kw - 1 - x)] : stored[K(o, i, y, x)];
  return out;
}

}  // namespace brisk::detail::keras
