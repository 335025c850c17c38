// Simulator: the radix pipeline (a layer integrates its K-digit window, then emits its own
// digits over the next K steps; folded windows; value links) and the readout.
#include <algorithm>
#include <bit>

#include <brisk/core/base/scan.hpp>
#include <brisk/core/engine/kernels/vector.hpp>
#include <brisk/core/engine/metrics.hpp>
#include <brisk/core/engine/ops/window.hpp>
#include <brisk/core/engine/sim/simulator.hpp>
#include <brisk/encoders/radix.hpp>

namespace brisk::sim {

// The bit count is spelled out: the baseline x86-64 target has no popcnt instruction and
// std::popcount would call libgcc.
int nonzero_digits(std::uint32_t x, int bits) {
  if (bits == 1) {
    x = x - ((x >> 1) & 0x55555555u);
    x = (x & 0x33333333u) + ((x >> 2) & 0x33333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0Fu;
    return static_cast<int>((x * 0x01010101u) >> 24);
  }
  int n = 0;
  for (; x != 0; x >>= bits) n += (x & ((1u << bits) - 1u)) != 0;
  return n;
}

int digit_sum(std::uint32_t x, int bits) {
  if (bits == 1) return nonzero_digits(x, 1);
  int n = 0;
  for (; x != 0; x >>= bits) n += static_cast<int>(x & ((1u << bits) - 1u));
  return n;
}

int log2_base(int base) { return std::countr_zero(static_cast<unsigned>(base)); }

// A silent radix encoder: the first layer reads the levels (value link); the digit events
// are counted, not emitted.
void Simulator::encode_radix_levels(Worker& w, LayerState& s) const {
  const SnnSpec& spec = net_.spec();
  encoders::radix_levels(w.input, spec.input_scale, spec.input_radix_base, spec.input_radix_digits,
                         w.levels);
  s.train.clear(steps_);
  s.train.close_until(steps_);
  const int bits = log2_base(spec.input_radix_base);
  for (const std::int64_t q : w.levels)
    s.spikes += static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(q < 0 ? -q : q), bits));
}

void Simulator::radix_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
  const neurons::Radix m{p.radix_base, p.radix_digits};
  const int k = t - p.window_start;
  const auto li = static_cast<std::size_t>(&p - plan_.data());
  if (net_.options().radix_fold) {
    if (k == p.radix_digits - 1) {
      if (links_[li]) radix_fold_values(w, p, s, *links_[li]);
      else if (!analog_input(p)) radix_fold(w, p, s);
      finish_radix(p, s, m);
      if (silent_[li]) s.spikes += digit_events(p, s);
    }
  } else if (k >= 0 && k < p.radix_digits) {
    if (k > 0) m.shift(s.v);
    if (!analog_input(p)) integrate_inputs(w, p, s, t, s.v.data(), true);
    if (k == p.radix_digits - 1) finish_radix(p, s, m);
  }
  const int e = t - p.emit_start;
  if (e >= 0 && e < p.radix_digits && !silent_[li])
    m.emit_digit(s.aux.data(), s.nz, e, w.rows.data(), w.pay.data(), emitter(s));
}

// The whole window at once: decode each input's K digits into n_j (in dense_in), then
// scatter the nonzero n_j. SOPs are counted per digit event.
void Simulator::radix_fold(Worker& w, const PlanLayer& p, LayerState& s) const {
  for (std::size_t j = 0; j < p.inputs.size(); ++j) {
    const PlanLayer& in = plan_[static_cast<std::size_t>(p.inputs[j])];
    const SpikeTrain& tr = w.layers[static_cast<std::size_t>(p.inputs[j])].train;
    float weight = 1.0f;
    for (int k = 1; k < p.radix_digits; ++k) weight *= static_cast<float>(p.radix_base);
    std::uint64_t sops = 0, spikes = 0;
    const int start = p.window_start - p.delay(j);
    for (int k = 0; k < p.radix_digits; ++k, weight /= static_cast<float>(p.radix_base)) {
      const auto ids = tr.ids(start + k);
      const auto pay = tr.payload(start + k);
      for (std::size_t e = 0; e < ids.size(); ++e) {
        w.dense_in[static_cast<std::size_t>(ids[e])] += weight * pay[e];
        sops += p.fanout.empty() ? 1 : p.fanout[static_cast<std::size_t>(ids[e])];
      }
      if (spike_sops_ && !ids.empty()) {  // each digit event weighs its digit value
        const std::span<const float> m = multiplicities(w, p.inputs[j], start + k);
        for (std::size_t e = 0; e < ids.size(); ++e)
          spikes += static_cast<std::uint64_t>(m[e]) *
                    (p.fanout.empty() ? 1 : p.fanout[static_cast<std::size_t>(ids[e])]);
      }
    }
    if (spike_sops_) sops = spikes;
    if (p.kernel != KernelKind::Add) s.sops += sops;  // Add: counted at the branches
    const std::size_t n = kernels::nonzero(w.dense_in.data(), in.size(), w.rows.data());
    w.ev_ids.assign(w.rows.begin(), w.rows.begin() + static_cast<std::ptrdiff_t>(n));
    w.ev_pay.resize(n);
    for (std::size_t e = 0; e < n; ++e) {
      const auto i = static_cast<std::size_t>(w.ev_ids[e]);
      w.ev_pay[e] = w.dense_in[i];
      w.dense_in[i] = 0.0f;
    }
    integrate(w, p, s, j, w.ev_ids, w.ev_pay, s.v.data(), false);
  }
}

// The digit events a silent radix layer would have emitted.
std::uint64_t Simulator::digit_events(const PlanLayer& p, const LayerState& s) {
  const int bits = log2_base(p.radix_base);
  std::uint64_t n = 0;
  for (const std::int32_t i : s.nz) n += static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(s.aux[static_cast<std::size_t>(i)]), bits));
  return n;
}

// radix_fold() for a value link: the decoded input of the window is the producer's q
// (through the average pool, if any), scattered once for its nonzero entries. SOPs are
// those of the digit-level run: a (pooled) input sends an event at digit k iff some
// integer under it has a nonzero digit k (pool weights are positive, digits >= 0), so its
// events are the nonzero digits of the OR of those integers.
void Simulator::radix_fold_values(Worker& w, const PlanLayer& p, LayerState& s,
                                  const ValueLink& link) const {
  const LayerState& src = w.layers[static_cast<std::size_t>(link.source)];
  const int bits = log2_base(p.radix_base);
  w.ev_ids.clear();
  w.ev_pay.clear();
  std::uint64_t sops = 0;
  auto fan = [&](std::size_t id) -> std::uint64_t { return p.fanout.empty() ? 1 : p.fanout[id]; };
  // The digit events of q (SopConvention::Events) or the digits' sum (Spikes).
  auto digits = [&](std::uint32_t q) -> std::uint64_t {
    return static_cast<std::uint64_t>(spike_sops_ ? digit_sum(q, bits) : nonzero_digits(q, bits));
  };
  if (link.source == 0) {  // the radix encoder's signed levels
    for (std::size_t i = 0; i < w.levels.size(); ++i) {
      const std::int64_t q = w.levels[i];
      if (q == 0) continue;
      w.ev_ids.push_back(static_cast<std::int32_t>(i));
      w.ev_pay.push_back(static_cast<float>(q));
      sops += digits(static_cast<std::uint32_t>(q < 0 ? -q : q)) * fan(i);
    }
  } else if (link.pool < 0) {
    for (const std::int32_t i : src.nz) {
      const std::int32_t q = src.aux[static_cast<std::size_t>(i)];
      w.ev_ids.push_back(i);
      w.ev_pay.push_back(static_cast<float>(q));
      sops += digits(static_cast<std::uint32_t>(q)) * fan(static_cast<std::size_t>(i));
    }
  } else {
    sops += pool_values(w, plan_[static_cast<std::size_t>(link.pool)], src.aux.data(), bits, fan);
  }
  s.sops += sops;
  integrate(w, p, s, 0, w.ev_ids, w.ev_pay, s.v.data(), false);
}

// The pooled integers of a value link, window by window (channels innermost, so the loops
// vectorize): dense_in[o] = sum_j w_o q_j in increasing j, as the scatter adds them
// (q >= 0, so the zero terms change no bit), and the OR of the q_j for the digit events.
// Appends the nonzero outputs to ev_ids/ev_pay; returns their SOPs.
template <class Fan>
std::uint64_t Simulator::pool_values(Worker& w, const PlanLayer& P, const std::int32_t* q, int bits,
                                     Fan&& fan) const {
  const auto C = static_cast<std::size_t>(P.c);
  for (int oy = 0; oy < P.h; ++oy)
    for (int ox = 0; ox < P.w; ++ox) {
      const std::size_t o = static_cast<std::size_t>(oy) * P.w + ox;
      const float wo = P.weight[o];
      float* __restrict dv = w.dense_in.data() + o * C;
      std::int32_t* __restrict om = w.or_mask.data() + o * C;
      if (spike_sops_) {  // or_mask holds the pooled integers' digit sums instead
        ops::for_window(P, oy, ox, [&](std::size_t pos) {
          const std::int32_t* __restrict qr = q + pos * C;
          for (std::size_t c = 0; c < C; ++c) {
            dv[c] += static_cast<float>(qr[c]) * wo;
            om[c] += digit_sum(static_cast<std::uint32_t>(qr[c]), bits);
          }
        });
        continue;
      }
      ops::for_window(P, oy, ox, [&](std::size_t pos) {
        const std::int32_t* __restrict qr = q + pos * C;
        for (std::size_t c = 0; c < C; ++c) {
          dv[c] += static_cast<float>(qr[c]) * wo;
          om[c] |= qr[c];
        }
      });
    }
  const std::size_t n = kernels::nonzero(w.dense_in.data(), P.size(), w.rows.data());
  std::uint64_t sops = 0;
  for (std::size_t e = 0; e < n; ++e) {
    const auto o = static_cast<std::size_t>(w.rows[e]);
    w.ev_ids.push_back(w.rows[e]);
    w.ev_pay.push_back(w.dense_in[o]);
    const auto mask = static_cast<std::uint32_t>(w.or_mask[o]);
    sops += static_cast<std::uint64_t>(spike_sops_ ? mask : nonzero_digits(mask, bits)) * fan(o);
    w.dense_in[o] = 0.0f;
  }
  std::fill_n(w.or_mask.begin(), P.size(), 0);
  return sops;
}

// End of the window: U_K + B^K * (bias [+ analog current]) + V0, then q.
void Simulator::finish_radix(const PlanLayer& p, LayerState& s, const neurons::Radix& m) const {
  const auto scale = static_cast<float>(m.scale());  // B^K <= 2^24: exact
  const bool drive = !p.bias.empty() || analog_input(p);
  float* __restrict v = s.v.data();
  const std::size_t n = s.v.size();
  if (drive) {
    const float* __restrict d = s.drive.data();
    for (std::size_t i = 0; i < n; ++i) v[i] += scale * d[i];
  }
  if (!p.v0.empty()) kernels::add_into(v, p.v0.data(), n);
  m.quantize({v, s.aux.data(), p.threshold.data(), p.c, p.size() / p.c});
  s.nz.resize(n + 16);
  s.nz.resize(kernels::nonzero_i32(s.aux.data(), n, s.nz.data()));
}

void Simulator::readout_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
  const bool analog = analog_input(p);
  const auto& m = std::get<neurons::Readout>(*p.model);
  if (net_.is_radix()) {
    const neurons::Radix shifter{p.radix_base, p.radix_digits};
    const int k = t - p.window_start;
    if (k >= 0 && k < p.radix_digits) {
      if (k > 0) shifter.shift(s.v);
      if (!analog) integrate_inputs(w, p, s, t, s.v.data(), true);
    }
    // Logits: the digits seen so far, as a fraction of full scale, plus the constants.
    const int seen = std::clamp(k + 1, 0, p.radix_digits);
    const bool drive = !p.bias.empty() || analog;
    m.radix_logits(s.v, drive ? s.drive.data() : nullptr, p.v0.empty() ? nullptr : p.v0.data(),
                   seen, !analog, w.logits);
  } else {
    m.begin_step(s.v);
    integrate_step(w, p, s, t);
    std::copy(s.v.begin(), s.v.end(), w.logits.begin());
  }
  const int pred = argmax(w.logits);
  if (w.label >= 0 && pred == w.label) ++w.correct[static_cast<std::size_t>(t)];
  w.prediction = pred;
  if (w.trace) w.trace->push_back(w.logits);
}

}  // namespace brisk::sim
