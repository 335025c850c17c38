// Simulator: the radix pipeline (a layer integrates its K-digit window, then emits its own
// digits over the next K steps; folded windows; value links) and the readout.
#include <algorithm>
#include <bit>

#include <brisk/core/base/scan.hpp>
#include <brisk/core/engine/kernels/vector.hpp>
#include <brisk/core/engine/metrics.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/ops/window.hpp>
#include <brisk/core/engine/sim/simulator.hpp>
#include <brisk/encoders/radix.hpp>

namespace brisk::sim {

int log2_base(int base) { return std::countr_zero(static_cast<unsigned>(base)); }

// A silent radix encoder: the readers take the levels (values); the digit events are
// counted, not emitted.
void Simulator::encode_radix_levels(Worker& w, LayerState& s) const {
  const SnnSpec& spec = net_.spec();
  encoders::radix_levels(w.input, spec.input_scale, spec.input_radix_base, spec.input_radix_digits,
                         w.levels);
  s.train.clear(steps_);
  s.train.close_until(steps_);
  const int bits = log2_base(spec.input_radix_base);
  for (const std::int64_t q : w.levels)
    s.spikes += static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(q < 0 ? -q : q), bits));
  level_values(w, s);
}

// The encoder's window as values: its nonzero levels, each with the digits of |level|.
void Simulator::level_values(Worker& w, LayerState& s) const {
  const int bits = log2_base(net_.spec().input_radix_base);
  s.val_ids.clear();
  s.val_pay.clear();
  s.val_bits.clear();
  s.val_units.clear();
  for (std::size_t i = 0; i < w.levels.size(); ++i) {
    const std::int64_t q = w.levels[i];
    if (q == 0) continue;
    s.val_ids.push_back(static_cast<std::int32_t>(i));
    s.val_pay.push_back(static_cast<float>(q));
    s.val_bits.push_back(int_bits(static_cast<std::uint32_t>(q < 0 ? -q : q), bits));
    s.val_units.push_back(static_cast<std::uint32_t>(value_units(s.val_bits.back(), bits)));
  }
  if (gathered_.front())
    for (std::size_t i = 0; i < w.levels.size(); ++i) s.qf[i] = static_cast<float>(w.levels[i]);
}

// A radix population's window as values: its nonzero q (s.val_bits / val_pay / val_units,
// written by finish_radix's fused kernel: q, float(q), and for base 2 its one bits); a
// silent population's spikes (the digit events it would have emitted) in the same pass.
void Simulator::pop_values(const PlanLayer& p, LayerState& s, bool silent) const {
  const int bits = log2_base(p.radix_base);
  if (bits != 1) s.val_ids.assign(s.nz.begin(), s.nz.end());  // base 2: written there
  const std::size_t n = s.val_ids.size();
  std::int32_t* __restrict mask = s.val_bits.data();
  std::uint32_t* __restrict units = s.val_units.data();
  if (bits != 1)
    for (std::size_t e = 0; e < n; ++e) units[e] = static_cast<std::uint32_t>(nonzero_digits(static_cast<std::uint32_t>(mask[e]), bits));
  if (silent) {
    std::uint64_t events = 0;
    if (dense_units_[static_cast<std::size_t>(&p - plan_.data())])  // val_units is not kept
      events = s.ones_total;
    else
      for (std::size_t e = 0; e < n; ++e) events += units[e];
    s.spikes += events;
  }
  if (spike_sops_) {  // the digit sums are the units and the masks
    for (std::size_t e = 0; e < n; ++e)
      mask[e] = static_cast<std::int32_t>(units[e] = static_cast<std::uint32_t>(digit_sum(static_cast<std::uint32_t>(mask[e]), bits)));
  }
}

void Simulator::radix_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
  const neurons::Radix m{p.radix_base, p.radix_digits};
  const int k = t - p.window_start;
  const auto li = static_cast<std::size_t>(&p - plan_.data());
  if (net_.options().radix_fold) {
    if (k == p.radix_digits - 1) {
      if (reads_[li]) radix_fold_values(w, p, s);
      else if (!analog_input(p)) radix_fold(w, p, s);
      finish_radix(p, s, m, feeds_[li]);
      if (feeds_[li]) pop_values(p, s, silent_[li]);
      else if (silent_[li]) s.spikes += digit_events(p, s);
    }
  } else if (k >= 0 && k < p.radix_digits) {
    if (k > 0) m.shift(s.v);
    if (!analog_input(p)) integrate_inputs(w, p, s, t, s.v.data(), true);
    if (k == p.radix_digits - 1) finish_radix(p, s, m, false);
  }
  const int e = t - p.emit_start;
  if (e >= 0 && e < p.radix_digits && !silent_[li]) {
    const int bits = log2_base(p.radix_base);
    if ((1 << bits) == p.radix_base) {  // every neuron's digit e, in one vectorized pass
      const std::size_t n = kernels::radix_digit(s.aux.data(), s.aux.size(), bits * (p.radix_digits - 1 - e),
                                                 p.radix_base - 1, w.rows.data(), w.pay.data());
      s.train.push_n(w.rows.data(), w.pay.data(), n);
    } else {
      m.emit_digit(s.aux.data(), s.nz, e, w.rows.data(), w.pay.data(), emitter(s));
    }
  }
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
  const std::int32_t* __restrict q = s.aux.data();
  const std::size_t n = s.aux.size();
  if (bits == 1) {  // every neuron (q = 0 adds 0): a loop that vectorizes
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += static_cast<std::uint32_t>(nonzero_digits(static_cast<std::uint32_t>(q[i]), 1));
    return sum;
  }
  std::uint64_t sum = 0;
  for (const std::int32_t i : s.nz) sum += static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(q[static_cast<std::size_t>(i)]), bits));
  return sum;
}

std::uint64_t Simulator::value_sops(const PlanLayer& p, int l, const LayerState& src) const {
  if (dense_units_[static_cast<std::size_t>(l)]) {  // (src.val_units is not kept)
    const std::uint32_t* u = src.units_all.data();
    const std::size_t n = src.units_all.size();
    std::uint64_t sum = 0;
    if (p.fanout.empty()) {
      sum = src.ones_total;
    } else if (p.fanout.size() == n) {
      sum = kernels::sop_dot(u, p.fanout.data(), n);
    } else {
      for (const std::int32_t i : src.val_ids)
        sum += std::uint64_t{u[static_cast<std::size_t>(i)]} * p.fanout[static_cast<std::size_t>(i)];
    }
    return sum;
  }
  return kernels::sop_sum(src.val_units.data(), src.val_ids.data(),
                          p.fanout.empty() ? nullptr : p.fanout.data(), src.val_ids.size());
}

// radix_fold() on values: each input's window is its values (CompileOptions::radix_values),
// scattered once. SOPs are those of the digit-level run: digit events (or digit sums) from
// the values' digit masks, times the fan-out.
void Simulator::radix_fold_values(Worker& w, const PlanLayer& p, LayerState& s) const {
  for (std::size_t j = 0; j < p.inputs.size(); ++j) {
    const LayerState& src = w.layers[static_cast<std::size_t>(p.inputs[j])];
    if (p.kernel != KernelKind::Add) {  // Add: counted at the branches
      s.sops += value_sops(p, p.inputs[j], src);
    }
    if (into_[static_cast<std::size_t>(p.inputs[j])] >= 0) continue;  // already in s.v
    if (late_[static_cast<std::size_t>(p.inputs[j])]) {  // its one-to-one op, on its input's values
      const auto l = static_cast<std::size_t>(p.inputs[j]);
      const LayerState& x = w.layers[static_cast<std::size_t>(plan_[l].inputs.front())];
      integrate(w, plan_[l], w.layers[l], 0, x.val_ids, x.val_pay, s.v.data(), false);
      continue;
    }
    if (dense_[static_cast<std::size_t>(p.inputs[j])])  // an Add reads a current densely
      kernels::add_into(s.v.data(), src.val.data(), s.v.size());
    else
      integrate(w, p, s, j, src.val_ids, src.val_pay, s.v.data(), false,
                gathered_[static_cast<std::size_t>(p.inputs[j])] ? src.qf.data() : nullptr);
  }
}

// A layer without neurons on values, once per window (at its first step): its operator
// applied to its inputs' values, as events; a synapse that emits no train counts its SOPs
// here as the digit-level run does per step (its route() counts them otherwise).
void Simulator::value_route(Worker& w, const PlanLayer& p, LayerState& s) const {
  const auto li = static_cast<std::size_t>(&p - plan_.data());
  const bool synapse = p.kernel == KernelKind::Dense || p.kernel == KernelKind::Conv2D ||
                       p.kernel == KernelKind::Affine;
  if (late_[li]) {  // applied by its reader; only its SOPs here
    if (synapse && silent_[li]) s.sops += value_sops(p, p.inputs.front(), w.layers[static_cast<std::size_t>(p.inputs.front())]);
    return;
  }
  float* const out = into_[li] >= 0 ? w.layers[static_cast<std::size_t>(into_[li])].v.data() : s.val.data();
  if (into_[li] < 0) std::fill(s.val.begin(), s.val.end(), 0.0f);
  if (p.kernel == KernelKind::MaxPool2DRadix) {
    // The digit-wise MSB-first maximum of integers is their maximum (inputs >= 0).
    const LayerState& src = w.layers[static_cast<std::size_t>(p.inputs.front())];
    for (std::size_t e = 0; e < src.val_ids.size(); ++e)
      w.dense_in[static_cast<std::size_t>(src.val_ids[e])] = src.val_pay[e];
    const auto C = static_cast<std::size_t>(p.c);
    ops::for_window_rows(p, s.val.data(), w.dense_in.data(), [C](float* __restrict out, const float* __restrict in) {
      for (std::size_t c = 0; c < C; ++c) out[c] = std::max(out[c], in[c]);
    });
    for (std::size_t e = 0; e < src.val_ids.size(); ++e)
      w.dense_in[static_cast<std::size_t>(src.val_ids[e])] = 0.0f;
  } else {
    for (std::size_t j = 0; j < p.inputs.size(); ++j) {
      const LayerState& src = w.layers[static_cast<std::size_t>(p.inputs[j])];
      if (synapse && silent_[li]) {
        s.sops += value_sops(p, p.inputs[j], src);
      }
      integrate(w, p, s, j, src.val_ids, src.val_pay, out, false,
                gathered_[static_cast<std::size_t>(p.inputs[j])] ? src.qf.data() : nullptr);
    }
  }
  if (dense_[li]) return;  // read densely (every reader is an Add population)
  const std::size_t n = kernels::nonzero(s.val.data(), p.size(), w.rows.data());
  s.val_ids.assign(w.rows.begin(), w.rows.begin() + static_cast<std::ptrdiff_t>(n));
  s.val_pay.resize(n);
  for (std::size_t e = 0; e < n; ++e) s.val_pay[e] = s.val[static_cast<std::size_t>(s.val_ids[e])];
  if (net_.value_links()[li].counted) value_bits(w, p, s);
}

// The digit masks of a weightless layer's value events: moved with their ids (Identity,
// ZeroPad2D, Concat: routed as floats through the operator, exact below 2^24), OR-ed over
// the window (AvgPool2D; SopConvention::Spikes: summed), or those of the maximum.
void Simulator::value_bits(Worker& w, const PlanLayer& p, LayerState& s) const {
  value_masks(w, p, s);
  const auto li = static_cast<std::size_t>(&p - plan_.data());
  const int bits = log2_base(net_.value_links()[li].base);
  s.val_units.resize(s.val_bits.size());
  for (std::size_t e = 0; e < s.val_bits.size(); ++e)
    s.val_units[e] = static_cast<std::uint32_t>(value_units(s.val_bits[e], bits));
}

void Simulator::value_masks(Worker& w, const PlanLayer& p, LayerState& s) const {
  const std::size_t n = s.val_ids.size();
  s.val_bits.resize(n);
  const auto li = static_cast<std::size_t>(&p - plan_.data());
  if (p.kernel == KernelKind::MaxPool2DRadix) {
    const int bits = log2_base(net_.value_links()[li].base);
    for (std::size_t e = 0; e < n; ++e)
      s.val_bits[e] = int_bits(static_cast<std::uint32_t>(s.val_pay[e]), bits);
    return;
  }
  if (p.kernel == KernelKind::AvgPool2D) {
    const LayerState& src = w.layers[static_cast<std::size_t>(p.inputs.front())];
    for (std::size_t e = 0; e < src.val_ids.size(); ++e)
      w.or_in[static_cast<std::size_t>(src.val_ids[e])] = src.val_bits[e];
    const auto C = static_cast<std::size_t>(p.c);
    ops::for_window_rows(p, w.or_mask.data(), w.or_in.data(),
                         [C, sum = spike_sops_](std::int32_t* __restrict om, const std::int32_t* __restrict qr) {
                           if (sum)
                             for (std::size_t c = 0; c < C; ++c) om[c] += qr[c];
                           else
                             for (std::size_t c = 0; c < C; ++c) om[c] |= qr[c];
                         });
    for (std::size_t e = 0; e < src.val_ids.size(); ++e) w.or_in[static_cast<std::size_t>(src.val_ids[e])] = 0;
    for (std::size_t e = 0; e < n; ++e) s.val_bits[e] = w.or_mask[static_cast<std::size_t>(s.val_ids[e])];
    std::fill_n(w.or_mask.begin(), p.size(), 0);
    return;
  }
  for (std::size_t j = 0; j < p.inputs.size(); ++j) {
    const LayerState& src = w.layers[static_cast<std::size_t>(p.inputs[j])];
    std::vector<float>& f = w.ev_pay;
    f.resize(src.val_bits.size());
    for (std::size_t e = 0; e < src.val_bits.size(); ++e) f[e] = static_cast<float>(src.val_bits[e]);
    const PlanLayer& in = plan_[static_cast<std::size_t>(p.inputs[j])];
    const ops::Context ctx{p, in, j, w.dense_in.data(), s.acc.data(), false, false, s.bits.data()};
    ops::op_traits(p.kernel).integrate(ctx, {src.val_ids, f}, w.bits_acc.data());
  }
  for (std::size_t e = 0; e < n; ++e) {
    const auto i = static_cast<std::size_t>(s.val_ids[e]);
    s.val_bits[e] = static_cast<std::int32_t>(w.bits_acc[i]);
    w.bits_acc[i] = 0.0f;
  }
}

// End of the window: U_K + B^K * (bias [+ analog current]) + V0, then q, and the nonzero
// q in s.nz; with `values`, also as value events (one fused pass; see the per-layer flags
// for which of their masks, bit counts and dense copies are kept).
void Simulator::finish_radix(const PlanLayer& p, LayerState& s, const neurons::Radix& m,
                             bool values) const {
  const auto li = static_cast<std::size_t>(&p - plan_.data());
  const bool drive = !p.bias.empty() || analog_input(p);
  const bool base2 = log2_base(p.radix_base) == 1;
  const std::size_t n = s.v.size();
  // Base 2 with values: the nonzero ids go straight to val_ids (nz is not read after the
  // window: digits are emitted from q, digit events counted from q).
  const bool ids_are_values = values && base2;
  ScratchVec<std::int32_t>& ids = ids_are_values ? s.val_ids : s.nz;
  if (ids_are_values) s.nz.clear();
  ids.resize(n + 16);
  if (values) {
    s.val_bits.resize(n + 16);
    s.val_pay.resize(n + 16);
    s.val_units.resize(n + 16);
  }
  // the bias alone is read per channel (s.drive holds it per neuron)
  const bool per_neuron = analog_input(p);
  const kernels::RadixFire a{s.v.data(), drive && per_neuron ? s.drive.data() : nullptr,
                             static_cast<float>(m.scale()),  // B^K <= 2^24: exact
                             p.v0.empty() ? nullptr : p.v0.data(), p.threshold.data(), p.c,
                             p.size() / static_cast<std::size_t>(p.c),
                             static_cast<float>(m.q_max()), s.aux.data(), ids.data(),
                             values && masks_[li] ? s.val_bits.data() : nullptr,
                             values ? s.val_pay.data() : nullptr,
                             values && base2 && !dense_units_[li] ? s.val_units.data() : nullptr,
                             gathered_[li] ? s.qf.data() : nullptr,
                             recip_[li].empty() ? nullptr : recip_[li].data(),
                             drive && !per_neuron ? p.bias.data() : nullptr,
                             dense_units_[li] ? s.units_all.data() : nullptr,
                             dense_units_[li] ? &s.ones_total : nullptr,
                             self_clean_[li]};
  s.ones_total = 0;
  const std::size_t k = kernels::radix_fire(a);
  ids.resize(k);
  if (values) {
    s.val_bits.resize(k);
    s.val_pay.resize(k);
    s.val_units.resize(k);
  }
}

void Simulator::readout_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
  const bool analog = analog_input(p);
  const auto& m = std::get<neurons::Readout>(*p.model);
  if (net_.is_radix()) {
    const neurons::Radix shifter{p.radix_base, p.radix_digits};
    const int k = t - p.window_start;
    // Before its window and after it the readout's logits stay those of the step before
    // (no digits arrive, nothing is shifted): the prediction is that step's.
    if (t > 0 && (k < 0 || k > p.radix_digits - 1) && w.prediction >= 0) {
      if (w.label >= 0 && w.prediction == w.label) ++w.correct[static_cast<std::size_t>(t)];
      if (w.trace) w.trace->push_back(w.logits);
      return;
    }
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
