// The operator table: KernelKind -> its home (ops/<name>.cpp).
#include <iterator>

#include <brisk/core/base/error.hpp>
#include <brisk/core/engine/ops/op.hpp>

namespace brisk::ops {
namespace {

std::uint64_t input_integrate(const Context&, Events, float*) { return 0; }
void input_pack(const Layer&, const std::vector<PlanLayer>&, PlanLayer&) {}
const OpTraits kInput{KernelKind::Input, "Input", input_pack, input_integrate};

const OpTraits* const kTable[] = {&kInput,     &kDense,        &kConv2D,      &kAvgPool2D,
                                  &kMaxPool2D, &kMaxPool2DRadix, &kGlobalAvgPool, &kIdentity,
                                  &kZeroPad2D, &kAffine,       &kAdd,         &kConcat,
                                  &kBitDense};

}  // namespace

// Indexed by KernelKind (the rows are in enumerator order): this is called for every layer,
// step and input, so it is one load and one compare, not a search.
const OpTraits& op_traits(KernelKind k) {
  const auto i = static_cast<std::size_t>(k);
  if (i >= std::size(kTable) || kTable[i]->kind != k)
    throw InternalError("operator table: the rows are not in KernelKind order");
  return *kTable[i];
}

}  // namespace brisk::ops

namespace brisk {
const char* kernel_name(KernelKind k) { return ops::op_traits(k).name; }
}  // namespace brisk
