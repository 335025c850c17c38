// libFuzzer harness: the graph's shape inference (infer_shapes) on a network described by
// a small byte format, so every geometry field takes arbitrary 32-bit values:
//   byte: layer count - 1 (mod 8); input rank (1 or 3) and its dims (int32 LE each);
//   per further layer: op (mod the operator count), input count (mod 3) and indices
//   (bytes), kernel h/w, stride h/w, pads t/b/l/r (int32 LE), weight rank (mod 5) and
//   dims, out_shape rank (mod 4) and dims (Reshape's target).
// Exhausted input reads as zeros. Weights are allocated only for small shapes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include <brisk/core/base/error.hpp>
#include <brisk/core/base/shape.hpp>
#include <brisk/core/graph/graph.hpp>

namespace {

struct Reader {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (!n) return 0;
    --n;
    return *p++;
  }
  int i32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(byte()) << (8 * i);
    int r;
    std::memcpy(&r, &v, sizeof r);
    return r;
  }
  std::vector<int> dims(std::size_t rank) {
    std::vector<int> d;
    for (std::size_t i = 0; i < rank; ++i) d.push_back(i32());
    return d;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace brisk;
  Reader r{data, size};
  Graph g;
  const std::size_t layers = r.byte() % 8 + 1;
  Layer in;
  in.name = "input";
  in.op = OpKind::Input;
  in.out_shape = r.dims(r.byte() % 2 ? 3 : 1);
  g.layers.push_back(in);
  const auto ops = all_ops();
  for (std::size_t i = 1; i < layers; ++i) {
    Layer l;
    l.name = std::to_string(i);
    l.name.insert(0, 1, 'l');
    l.op = ops[r.byte() % ops.size()];
    const int inputs = r.byte() % 3;
    for (int k = 0; k < inputs; ++k) l.inputs.push_back(static_cast<int>(r.byte() % (i + 1)) - (k == 2));
    l.kernel_h = r.i32(), l.kernel_w = r.i32();
    l.stride_h = r.i32(), l.stride_w = r.i32();
    l.pad_top = r.i32(), l.pad_bottom = r.i32(), l.pad_left = r.i32(), l.pad_right = r.i32();
    l.weight_shape = r.dims(r.byte() % 5);
    if (auto n = checked_shape_size(l.weight_shape, 4096)) l.weight.assign(*n, 0.5f);
    const std::size_t out_rank = r.byte() % 4;
    l.out_shape = r.dims(out_rank);
    if (l.op == OpKind::Affine && !g.layers.empty()) {
      const std::size_t c = r.byte();
      l.scale.assign(c, 1.0f);
      l.shift.assign(c, 0.0f);
    }
    g.layers.push_back(std::move(l));
  }
  g.output = static_cast<int>(g.layers.size()) - 1;
  try {
    validate(g);
    (void)graph_macs(g);
  } catch (const InputError&) {
  }
  return 0;
}
