#pragma once
#include <brisk/core/graph/graph.hpp>

namespace brisk {

// Folds each Affine (an unfolded BatchNorm) into the Dense or Conv2D that feeds it, when that
// layer has a linear activation and the Affine is its only consumer:
//   w'[.., o] = w[.., o] * scale[o],  b'[o] = b[o] * scale[o] + shift[o],
// and the merged layer takes the Affine's activation. Other Affine layers stay as they are.
// The graph must have been through infer_shapes(); it is re-validated. Returns the number of
// layers folded.
int fold_batchnorm(Graph& g);

}  // namespace brisk
