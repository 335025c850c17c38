// The operator table: KernelKind -> its home (ops/<name>.cpp).
#include <brisk/core/base/error.hpp>
#include <brisk/core/engine/ops/op.hpp>

namespace brisk::ops {
namespace {

std::uint64_t input_integrate(const Context&, Events, float*) { return 0; }
void input_pack(const Layer&, const std::vector<PlanLayer>&, PlanLayer&) {}
const OpTraits kInput{KernelKind::Input, "Input", input_pack, input_integrate};

const OpTraits* const kTable[] = {&kInput,     &kDense,        &kConv2D,      &kAvgPool2D,
                                  &kMaxPool2D, &kMaxPool2DRadix, &kGlobalAvgPool, &kIdentity,
                                  &kZeroPad2D, &kAffine,       &kAdd,         &kConcat};

}  // namespace

const OpTraits& op_traits(KernelKind k) {
  for (const OpTraits* t : kTable)
    if (t->kind == k) return *t;
  throw InternalError("operator table: a KernelKind has no entry");
}

}  // namespace brisk::ops

namespace brisk {
const char* kernel_name(KernelKind k) { return ops::op_traits(k).name; }
}  // namespace brisk
