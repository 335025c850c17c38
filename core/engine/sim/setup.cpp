// Simulator: worker buffers, sample setup, the encoders' dispatch and the analog path
// (direct input: the layers reachable from the Input through weightless layers get a
// constant current computed once per sample).
#include <algorithm>
#include <cmath>

#include <brisk/core/engine/kernels/vector.hpp>
#include <brisk/core/engine/ops/maxpool.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/sim/simulator.hpp>
#include <brisk/encoders/augmented.hpp>
#include <brisk/encoders/radix.hpp>
#include <brisk/encoders/rate.hpp>

namespace brisk::sim {

Simulator::Simulator(const SpikingNetwork& net, const RunOptions& o,
                     const std::vector<bool>& recorded, bool digit_level)
    : net_(net), plan_(net.layers()), opts_(o) {
  steps_ = net.is_radix() || o.timesteps <= 0 ? net.total_steps() : o.timesteps;
  for (const auto& p : plan_) max_size_ = std::max(max_size_, p.size());
  const auto& to_graph = plan_.front().to_graph;
  input_identity_ = true;
  for (std::size_t i = 0; i < to_graph.size(); ++i) input_identity_ &= to_graph[i] == static_cast<std::int32_t>(i);
  const std::size_t n = plan_.size();
  reads_.assign(n, false);
  feeds_.assign(n, false);
  silent_.assign(n, false);
  dense_.assign(n, false);
  gathered_.assign(n, false);
  dense_units_.assign(n, false);
  self_clean_.assign(n, false);
  late_.assign(n, false);
  masks_.assign(n, true);
  into_.assign(n, -1);
  recip_.assign(n, {});
  for (std::size_t l = 0; l < n; ++l) {
    const PlanLayer& p = plan_[l];
    if (p.neuron != NeuronKind::Radix) continue;
    std::vector<float> r(p.threshold.size());
    bool normal = !r.empty();
    for (std::size_t c = 0; c < r.size(); ++c) {
      r[c] = 1.0f / p.threshold[c];
      normal = normal && std::isnormal(p.threshold[c]) && std::isnormal(r[c]) && p.threshold[c] > 0.0f;
    }
    if (normal) recip_[l] = std::move(r);
  }
  only_step_.assign(n, -1);
  spike_sops_ = o.energy.sops == SopConvention::Spikes;
  if (digit_level) return;
  // Readers that fold values (radix populations) and the layers without neurons computing
  // them; then, from the last layer back, which layers must still emit digit trains: the
  // recorded ones, the output, and those read by a layer that reads trains (one that does
  // not fold values, or a layer without neurons that emits a train itself).
  const auto& links = net.value_links();
  std::vector<bool> train(n, false);
  for (std::size_t l = n; l-- > 0;) {
    const PlanLayer& p = plan_[l];
    reads_[l] = links[l].read;
    bool need = recorded[l] || static_cast<int>(l) == net.output() || !links[l].values;
    bool read = false, all_add = true;
    for (std::size_t r = l + 1; r < n; ++r)
      for (int j : plan_[r].inputs) {
        if (static_cast<std::size_t>(j) != l) continue;
        read = true;
        if (plan_[r].model ? !reads_[r] : train[r]) need = true;
        if (reads_[r]) feeds_[l] = true;
        all_add = all_add && reads_[r] && plan_[r].model && plan_[r].kernel == KernelKind::Add;
      }
    dense_[l] = reads_[l] && !p.model && read && all_add && !links[l].counted;
    train[l] = need || !read || p.analog;
    silent_[l] = !train[l];
  }
  for (std::size_t l = 1; l < n; ++l)
    self_clean_[l] = net.is_radix() && net.options().radix_fold && plan_[l].model &&
                     std::holds_alternative<neurons::Radix>(*plan_[l].model) && !plan_[l].analog;
  for (std::size_t l = 1; l < n; ++l)
    dense_units_[l] = feeds_[l] && !spike_sops_ && plan_[l].neuron == NeuronKind::Radix &&
                      std::holds_alternative<neurons::Radix>(*plan_[l].model) &&
                      log2_base(plan_[l].radix_base) == 1;
  // The layers reading each layer (one entry per input slot).
  std::vector<std::vector<std::size_t>> readers(n);
  for (std::size_t r = 0; r < n; ++r)
    for (int j : plan_[r].inputs) readers[static_cast<std::size_t>(j)].push_back(r);
  for (std::size_t r = 0; r < n; ++r) {
    const PlanLayer& a = plan_[r];
    if (!a.model || a.kernel != KernelKind::Add || !reads_[r]) continue;
    for (std::size_t j = 0; j < a.inputs.size() && (j == 0 || a.inputs.size() == 2); ++j) {
      const auto l = static_cast<std::size_t>(a.inputs[j]);
      if (!dense_[l] || plan_[l].kernel == KernelKind::MaxPool2DRadix) continue;
      if (readers[l].size() != 1) continue;  // (also: l is not a second input of the Add)
      into_[l] = static_cast<int>(r);
      break;
    }
  }
  for (std::size_t l = 1; l < n; ++l) {
    const PlanLayer& p = plan_[l];
    if (!dense_[l] || into_[l] >= 0 || p.inputs.size() != 1 || links[l].counted ||
        (p.kernel != KernelKind::Identity && p.kernel != KernelKind::Affine))
      continue;
    const PlanLayer& in = plan_[static_cast<std::size_t>(p.inputs.front())];
    if (in.size() != p.size() || !feeds_[static_cast<std::size_t>(p.inputs.front())]) continue;
    late_[l] = readers[l].size() == 1;
  }
  for (std::size_t l = 1; l < n; ++l) {
    const PlanLayer& p = plan_[l];
    if (p.neuron != NeuronKind::Radix || spike_sops_ || log2_base(p.radix_base) != 1) continue;
    masks_[l] = std::any_of(readers[l].begin(), readers[l].end(),
                            [&](std::size_t r) { return !plan_[r].model && reads_[r] && links[r].counted; });
  }
  // Values a dense Conv2D / Dense kernel may read: kept densely by their producer (a radix
  // population or the encoder's levels), so the kernel does not rebuild them from events.
  if (o.kernel != KernelPolicy::Sparse)
    for (std::size_t l = 0; l < n; ++l) {
      if (!feeds_[l] || (l > 0 && plan_[l].neuron != NeuronKind::Radix)) continue;
      // (a reader without it still gathers, from events)
      gathered_[l] = std::any_of(readers[l].begin(), readers[l].end(), [&](std::size_t r) {
        return reads_[r] && (plan_[r].kernel == KernelKind::Conv2D || plan_[r].kernel == KernelKind::Dense) &&
               (o.kernel == KernelPolicy::Dense || plan_[r].dense_above >= 0.0f);
      });
    }
  // What step() does for a silent layer under radix_fold: a radix population only acts at
  // its window's last step (it emits nothing), a layer without neurons only computes its
  // value at the window's first step; every other step just closes its (empty) train.
  if (!net.is_radix() || !net.options().radix_fold) return;
  for (std::size_t l = 1; l < n; ++l) {
    const PlanLayer& p = plan_[l];
    if (!silent_[l] || p.analog) continue;
    int t = -1;
    if (!p.model)
      t = reads_[l] ? p.window_start : steps_;
    else if (p.neuron == NeuronKind::Radix && std::holds_alternative<neurons::Radix>(*p.model))
      t = p.window_start + p.radix_digits - 1;
    if (t >= 0) only_step_[l] = std::min(t, steps_);
  }
}

void Simulator::fill_bias(const PlanLayer& p, std::vector<float>& d) {
  if (p.bias.empty()) return;
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = p.bias[i % static_cast<std::size_t>(p.c)];
}

void Simulator::init(Worker& w) const {
  w.layers.resize(plan_.size());
  for (std::size_t l = 0; l < plan_.size(); ++l) {
    const PlanLayer& p = plan_[l];
    LayerState& s = w.layers[l];
    const std::size_t n = p.size();
    if (p.neuron != NeuronKind::None || p.kernel != KernelKind::Identity) s.v.assign(n, 0.0f);
    if ((p.model && neurons::has_aux(*p.model)) || p.kernel == KernelKind::MaxPool2D ||
        p.kernel == KernelKind::MaxPool2DRadix)
      s.aux.assign(n, 0);
    if (p.neuron != NeuronKind::None) {
      s.drive.assign(n, 0.0f);
      fill_bias(p, s.drive);
    }
    if (p.analog) s.analog.assign(n, 0.0f);
    if (p.kernel == KernelKind::BitDense)
      s.bits.assign(static_cast<std::size_t>(2 + p.bit_planes) * static_cast<std::size_t>(p.bit_words), 0);
    if (p.neuron == NeuronKind::Radix) s.nz.reserve(n + 16);
    if (feeds_[l]) {  // its window's values, for readers that fold them
      s.val_ids.reserve(n + 16);
      s.val_pay.reserve(n + 16);
      s.val_bits.reserve(n + 16);
      s.val_units.reserve(n + 16);
    }
    if (reads_[l] && !p.model) s.val.assign(n, 0.0f);
    if (gathered_[l]) s.qf.assign(n, 0.0f);
    if (dense_units_[l]) s.units_all.assign(n, 0u);
    if (p.kernel == KernelKind::MaxPool2D || p.kernel == KernelKind::MaxPool2DRadix)
      s.acc.assign(static_cast<std::size_t>(p.in_c) * p.in_h * p.in_w, 0.0f);
    s.train.reserve(std::min<std::size_t>(n * static_cast<std::size_t>(steps_) / 4 + 64,
                                          std::size_t{1} << 22));
    s.train.clear(steps_);
    if (spike_sops_ && p.neuron == NeuronKind::None && l > 0) s.mult_acc.assign(n, 0.0f);
  }
  // A double-threshold vector layer read by a BitDense layer writes its spikes as bit
  // planes too, which that layer takes instead of setting bits per event: one step only
  // (the layer-major schedule runs a producer's steps before its consumer's).
  for (std::size_t l = 0; l < plan_.size() && steps_ == 1; ++l) {
    const PlanLayer& q = plan_[l];
    if (q.kernel != KernelKind::BitDense) continue;
    for (std::size_t j = 0; j < q.inputs.size(); ++j) {
      const PlanLayer& p = plan_[static_cast<std::size_t>(q.inputs[j])];
      if (q.delay(j) == 0 && p.neuron == NeuronKind::DoubleThreshold && !p.negative_only_if_positive &&
          p.size() == static_cast<std::size_t>(p.c))
        w.layers[static_cast<std::size_t>(q.inputs[j])].out_bits.assign(
            2 * static_cast<std::size_t>((p.size() + 63) / 64), 0);
    }
  }
  if (spike_sops_) w.mult_in.reserve(max_size_);
  w.input.assign(plan_.front().size(), 0.0f);
  w.dense_in.assign(max_size_, 0.0f);
  w.ev_ids.reserve(max_size_);
  w.ev_pay.reserve(max_size_);
  w.enc_v.assign(plan_.front().size(), 0.0f);
  w.rows.assign(max_size_ + 16, 0);
  w.levels.assign(plan_.front().size(), 0);
  w.pay.assign(max_size_ + 16, 0.0f);
  w.or_mask.assign(max_size_, 0);
  w.or_in.assign(max_size_, 0);
  w.bits_acc.assign(max_size_, 0.0f);
  std::size_t fired = 0;
  for (const auto& p : plan_)
    if (whole_window_if(p)) fired = std::max(fired, if_vectors(p) * static_cast<std::size_t>(steps_));
  w.fired.assign(fired, 0);
  w.logits.assign(plan_[static_cast<std::size_t>(net_.output())].size(), 0.0f);
  w.correct.assign(static_cast<std::size_t>(steps_), 0);
}

void Simulator::begin(Worker& w, std::span<const float> x, std::size_t index) const {
  const PlanLayer& in = plan_.front();
  if (input_identity_)  // internal order is the Graph's (one channel, or a vector)
    std::copy(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(in.size()), w.input.begin());
  else
    for (std::size_t i = 0; i < in.size(); ++i) w.input[i] = x[static_cast<std::size_t>(in.to_graph[i])];
  for (auto& s : w.layers) s.sops = s.spikes = s.analog_macs = 0;
  encode(w, index);
  for (std::size_t l = 1; l < plan_.size(); ++l) {
    const PlanLayer& p = plan_[l];
    LayerState& s = w.layers[l];
    if (!s.v.empty() && !self_clean_[l]) {
      if (p.v0.empty() || net_.is_radix())
        std::fill(s.v.begin(), s.v.end(), 0.0f);
      else
        std::copy(p.v0.begin(), p.v0.end(), s.v.begin());
    }
    if (!self_clean_[l]) std::fill(s.aux.begin(), s.aux.end(), 0);
    std::fill(s.acc.begin(), s.acc.end(), 0.0f);
    s.train.clear(steps_);
    s.mult.clear();
    if (!analog_input(p)) continue;
    if (p.neuron == NeuronKind::None) {
      analog_route(w, p, s);
    } else {
      fill_bias(p, s.drive);
      if (p.bias.empty()) std::fill(s.drive.begin(), s.drive.end(), 0.0f);
      for (std::size_t j = 0; j < p.inputs.size(); ++j) {
        const LayerState& src = w.layers[static_cast<std::size_t>(p.inputs[j])];
        const ops::IntegrateAnalogFn dense = ops::op_traits(p.kernel).integrate_analog;
        if (dense) {
          const PlanLayer& in = plan_[static_cast<std::size_t>(p.inputs[j])];
          const ops::Context ctx{p, in, j, w.dense_in.data(), s.acc.data(), false, false, s.bits.data(), nullptr};
          if (dense(ctx, src.analog, s.drive.data())) continue;
        }
        as_events(w, src.analog);
        integrate(w, p, s, j, w.ev_ids, w.ev_pay, s.drive.data(), false);
      }
      s.analog_macs += p.macs;
    }
  }
}

void Simulator::encode(Worker& w, std::size_t index) const {
  const SnnSpec& spec = net_.spec();
  LayerState& s = w.layers.front();
  switch (spec.encoder) {
    case EncoderKind::Direct:
      if (spec.input_levels > 0) {  // bitwise networks: the integer input round(x * levels)
        const float levels = static_cast<float>(spec.input_levels);
        s.analog.resize(w.input.size());
        kernels::scale_round(s.analog.data(), w.input.data(), levels, s.analog.size());
      } else {
        s.analog = w.input;
      }
      return;
    case EncoderKind::Rate:
      s.train.clear(steps_);
      encoders::rate(w.input, spec.input_scale, steps_, spec.seed, index, s.train);
      break;
    case EncoderKind::Radix:
      if (silent_[0]) {  // the readers take the levels (values)
        encode_radix_levels(w, s);
        return;
      }
      s.train.clear(steps_);
      encoders::radix(w.input, spec.input_scale, spec.input_radix_base, spec.input_radix_digits,
                      w.levels, s.train);
      s.train.close_until(steps_);
      if (feeds_[0]) level_values(w, s);
      break;
    case EncoderKind::Augmented:
      s.train.clear(steps_);
      encoders::augmented(w.input, spec.input_scale, spec.layers.front().max_coefficient, steps_,
                          w.enc_v, s.train);
      break;
  }
  s.spikes += s.train.events();
}

void Simulator::as_events(Worker& w, const std::vector<float>& a) {
  w.ev_ids.clear();
  w.ev_pay.clear();
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != 0.0f) {
      w.ev_ids.push_back(static_cast<std::int32_t>(i));
      w.ev_pay.push_back(a[i]);
    }
}

// Weightless layer on the analog path: its output is computed once.
void Simulator::analog_route(Worker& w, const PlanLayer& p, LayerState& s) const {
  const auto& a = w.layers[static_cast<std::size_t>(p.inputs.front())].analog;
  if (p.kernel == KernelKind::Identity && p.inputs.size() == 1 && a.size() == s.analog.size()) {
    // Ids unchanged (Flatten, Reshape): 0 + x for every x (what adding the nonzero entries
    // as events to zeros gives, -0 becoming +0), without the events.
    for (std::size_t i = 0; i < a.size(); ++i) s.analog[i] = 0.0f + a[i];
    return;
  }
  std::fill(s.analog.begin(), s.analog.end(), 0.0f);
  if (p.kernel == KernelKind::MaxPool2D || p.kernel == KernelKind::MaxPool2DRadix) {
    ops::maxpool_analog(p, w.layers[static_cast<std::size_t>(p.inputs.front())].analog.data(),
                        s.analog.data());
    return;
  }
  for (std::size_t j = 0; j < p.inputs.size(); ++j) {
    as_events(w, w.layers[static_cast<std::size_t>(p.inputs[j])].analog);
    integrate(w, p, s, j, w.ev_ids, w.ev_pay, s.analog.data(), false);
  }
}

}  // namespace brisk::sim
