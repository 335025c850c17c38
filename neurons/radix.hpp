#pragma once
// Radix-encoded neuron (Wang et al.): base B, K digits. Over its window it integrates
// MSB-first input digits by shift-and-add (U_k = B*U_{k-1} + sum_j w_j d_jk), so
// U_K = B^K * sum_j w_j a_j / theta_in exactly. At the end of the window the bias
// (B^K * b) and V0 are added once and q = clip(floor(U_K / theta), 0, B^K - 1) is kept;
// its digits go out MSB first over the next K steps (latency K per layer). A radix
// network reproduces the K-bit clip-floor quantized ANN. Its integer state is q.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include <brisk/neurons/neuron.hpp>

namespace brisk::neurons {

struct Radix {
  static constexpr NeuronKind kind = NeuronKind::Radix;
  static constexpr bool has_aux = true;  // q

  int base = 2;
  int digits = 8;

  static Radix from(const Params& p) { return {p.radix_base, p.radix_digits}; }

  double scale() const { return std::pow(static_cast<double>(base), digits); }
  std::int32_t q_max() const { return static_cast<std::int32_t>(scale()) - 1; }

  // Shift: called before each window step's input is added (a no-op on the first step,
  // where U = 0).
  void shift(std::span<float> v) const {
    const float b = static_cast<float>(base);
    for (float& x : v) x *= b;
  }
  // End of window: U_K + B^K*bias + V0, then q = clip(floor(. / theta), 0, q_max()) per
  // neuron, computed by the engine in one pass with the nonzero scan (kernels::radix_fire).
  // Emits digit `k` (0 = most significant) of the neurons listed in `nz` (those with
  // q != 0, in increasing order) whose digit is not 0. Power-of-two bases (the usual 2 and
  // 4) use shifts; others divide. The compaction is branch-free: `ids`/`pay` are scratch
  // of nz.size() entries, then emitted in order.
  template <class Emit>
  void emit_digit(const std::int32_t* q, std::span<const std::int32_t> nz, int k,
                  std::int32_t* ids, float* pay, Emit&& emit) const {
    std::size_t n = 0;
    if ((base & (base - 1)) == 0) {
      int bits = 0;
      while ((1 << bits) < base) ++bits;
      const int shift = bits * (digits - 1 - k);
      const std::int32_t mask = base - 1;
      for (const std::int32_t i : nz) {
        const std::int32_t d = (q[i] >> shift) & mask;
        ids[n] = i;
        pay[n] = static_cast<float>(d);
        n += d != 0;
      }
    } else {
      std::int32_t div = 1;
      for (int i = 0; i < digits - 1 - k; ++i) div *= base;
      for (const std::int32_t i : nz) {
        const std::int32_t d = (q[i] / div) % base;
        ids[n] = i;
        pay[n] = static_cast<float>(d);
        n += d != 0;
      }
    }
    for (std::size_t e = 0; e < n; ++e) emit(ids[e], pay[e]);
  }
};

}  // namespace brisk::neurons
