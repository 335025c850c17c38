#pragma once
// Datasets: float32 samples in channels-first order plus integer labels.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace brisk {

struct Dataset {
  std::vector<float> x;        // count() * sample_size() values, NCHW
  std::vector<int32_t> y;      // count() labels in [0, num_classes)
  std::vector<int> shape;      // per-sample shape, e.g. {1, 28, 28}
  int num_classes = 0;         // max label + 1 (or the one-hot width)
  std::string source;          // the spec it was loaded from, for messages

  std::size_t count() const { return y.size(); }
  std::size_t sample_size() const;
  std::span<const float> sample(std::size_t i) const {
    return {x.data() + i * sample_size(), sample_size()};
  }
};

inline constexpr std::uint64_t kDefaultMaxInputBytes = std::uint64_t{4} << 30;  // 4 GiB

struct LoadOptions {
  std::size_t offset = 0;         // first sample taken
  std::size_t samples = 0;        // 0 = all from offset on
  bool nhwc = false;              // the file's images are channels-last: transpose to NCHW
  std::string x_name = "x_test";  // HDF5 dataset names
  std::string y_name = "y_test";
  // Bytes of one input array as decoded (after decompression), checked before it is
  // allocated (docs/datasets.md "Limits"; --max-input-bytes).
  std::uint64_t max_input_bytes = kDefaultMaxInputBytes;
};

// Loads a dataset named by one spec string:
//   fashion-mnist | fashion-mnist:test | fashion-mnist:train   (Debian's copy)
//   X.npz,Y.npz | X.npy,Y.npy                                    (numpy)
//   IMAGES-idx3-ubyte[.gz],LABELS-idx1-ubyte[.gz]                (IDX)
//   FILE.h5[:XNAME,YNAME]                                        (HDF5)
// Throws UsageError for a malformed spec, InputError for a bad file (naming it).
Dataset load_dataset(const std::string& spec, const LoadOptions& opts = {});

}  // namespace brisk
