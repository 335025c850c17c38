#pragma once
// Turns the arrays the format readers decoded into a Dataset. All rules about samples and
// labels live here, identical for every format:
//
//  samples (x): float32 / float64 kept as they are; uint8 scaled to [0, 1] by dividing
//    by 255 (IDX pixels, np.uint8 images). Shapes per sample: (N, D) -> {D},
//    (N, H, W) -> {1, H, W}, (N, C, H, W) -> {C, H, W}; with LoadOptions::nhwc,
//    (N, H, W, C) is transposed to {C, H, W}. NaN or Inf in the taken slice is an error
//    naming the file and the first bad sample.
//  labels (y): class indices of any integer type, or float/bool holding whole numbers,
//    shaped (N,) or (N, 1); or one-hot rows (N, K), K >= 2, each with exactly one 1 and
//    zeros elsewhere. Negative labels and rows that are not one-hot are errors.
//    num_classes = max label + 1 over the whole file (not only the slice), or K.
//  slice: LoadOptions::offset / samples, checked against the count.
#include <cstdint>
#include <vector>

#include <brisk/data/array.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::data {

struct Labels {
  std::vector<std::int32_t> values;
  int num_classes = 0;
};

// Decodes a label array (whole file).
Labels decode_labels(const Array& y);

// Builds the dataset: x/y count check, slice, conversion, validation.
Dataset assemble(const Array& x, const Array& y, const LoadOptions& opts);

}  // namespace brisk::data
