// Simulator: the schedules (layer-major, time-major), one layer-step with the neuron
// model's dispatch (std::visit once per layer-step), the operator dispatch (the ops table)
// and the routing of weightless layers.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <type_traits>

#include <brisk/core/base/scan.hpp>
#include <brisk/core/engine/kernels/vector.hpp>
#include <brisk/core/engine/ops/maxpool.hpp>
#include <brisk/core/engine/ops/op.hpp>
#include <brisk/core/engine/sim/simulator.hpp>
#include <brisk/neurons/kernels.hpp>

namespace brisk::sim {

using Clock = std::chrono::steady_clock;

void Simulator::sample(Worker& w, std::span<const float> x, std::size_t index,
                       std::int32_t label) const {
  w.label = label;
  w.prediction = -1;
  begin(w, x, index);
  const int nl = static_cast<int>(plan_.size());
  if (w.membrane) {  // simulate() recording potentials: step by step, a snapshot after each
    if (opts_.schedule == Schedule::LayerMajor) {
      for (int l = 1; l < nl; ++l)
        for (int t = 0; t < steps_; ++t) step(w, l, t), record_membrane(w, l, t);
    } else {
      for (int t = 0; t < steps_; ++t)
        for (int l = 1; l < nl; ++l) step(w, l, t), record_membrane(w, l, t);
    }
  } else if (opts_.schedule == Schedule::LayerMajor) {
    for (int l = 1; l < nl; ++l) {
      const auto t0 = opts_.time_layers ? Clock::now() : Clock::time_point{};
      const int only = only_step_[static_cast<std::size_t>(l)];
      if (whole_window_if(plan_[static_cast<std::size_t>(l)])) {
        if_window(w, l);
      } else if (only >= 0) {  // a silent folding layer: its one step, the others closed
        SpikeTrain& tr = w.layers[static_cast<std::size_t>(l)].train;
        tr.close_until(only);
        if (only < steps_) step(w, l, only);
        tr.close_until(steps_);
      } else
        for (int t = 0; t < steps_; ++t) step(w, l, t);
      if (opts_.time_layers)
        w.layers[static_cast<std::size_t>(l)].seconds +=
            std::chrono::duration<double>(Clock::now() - t0).count();
    }
  } else {
    for (int t = 0; t < steps_; ++t)
      for (int l = 1; l < nl; ++l) step(w, l, t);
  }
  for (auto& s : w.layers) {
    s.total_sops += s.sops;
    s.total_spikes += s.spikes;
    s.total_analog_macs += s.analog_macs;
  }
}

// The potentials of layer l after step t (its integrate, fire and reset), internal order.
void Simulator::record_membrane(Worker& w, int l, int t) const {
  auto& m = (*w.membrane)[static_cast<std::size_t>(l)];
  if (m.empty()) return;
  const auto& v = w.layers[static_cast<std::size_t>(l)].v;
  std::copy(v.begin(), v.end(), m.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(t) * v.size()));
}

void Simulator::layer_output(const Worker& w, int l, std::span<float> out) const {
  const PlanLayer& p = plan_[static_cast<std::size_t>(l)];
  const LayerState& s = w.layers[static_cast<std::size_t>(l)];
  std::fill(out.begin(), out.end(), 0.0f);
  auto at = [&](std::size_t i) -> float& { return out[static_cast<std::size_t>(p.to_graph[i])]; };
  if (p.analog) {
    for (std::size_t i = 0; i < p.size(); ++i) at(i) = s.analog[i] * static_cast<float>(steps_);
    return;
  }
  if (p.neuron == NeuronKind::Readout) {
    for (std::size_t i = 0; i < p.size(); ++i) at(i) = w.logits[i];
    return;
  }
  if (p.neuron == NeuronKind::Radix) {
    for (std::size_t i = 0; i < p.size(); ++i) at(i) = static_cast<float>(s.aux[i]);
    return;
  }
  const auto ids = s.train.all_ids();
  const auto pay = s.train.all_payload();
  for (std::size_t e = 0; e < ids.size(); ++e) at(static_cast<std::size_t>(ids[e])) += pay[e];
}

// All steps of an IF layer driven by a constant current only: each 16-neuron vector keeps
// its potential in a register over the T steps (kernels::if_fire_steps), then each step's
// firing bits become that step's events. Same float operations as step by step.
void Simulator::if_window(Worker& w, int l) const {
  const PlanLayer& p = plan_[static_cast<std::size_t>(l)];
  LayerState& s = w.layers[static_cast<std::size_t>(l)];
  const std::size_t rows = p.size() / static_cast<std::size_t>(p.c), vecs = if_vectors(p);
  kernels::if_fire_steps(s.v.data(), s.drive.data(), p.threshold.data(), p.c, rows,
                         p.reset == ResetMode::Zero, steps_, w.fired.data());
  for (int t = 0; t < steps_; ++t) {
    const std::size_t n = kernels::fired_ids(w.fired.data() + static_cast<std::size_t>(t) * vecs,
                                             p.c, rows, w.rows.data());
    s.train.push_n(w.rows.data(), n, 1.0f);
    s.spikes += n;
    s.train.end_step();
  }
}

bool Simulator::use_dense(const PlanLayer& p, std::size_t events, std::size_t inputs) const {
  if (opts_.kernel == KernelPolicy::Dense) return true;
  if (opts_.kernel == KernelPolicy::Sparse) return false;
  float th = net_.options().dense_threshold;
  if (th >= 0.0f && p.dense_above >= 0.0f) th = std::min(th, p.dense_above);  // the layer's break-even
  return th >= 0.0f && static_cast<float>(events) > th * static_cast<float>(inputs);
}

void Simulator::integrate(Worker& w, const PlanLayer& p, LayerState& s, std::size_t j,
                          std::span<const std::int32_t> ids, std::span<const float> pay,
                          float* target, bool count, const float* dense_x) const {
  if (ids.empty()) return;
  const PlanLayer& in = plan_[static_cast<std::size_t>(p.inputs[j])];
  const LayerState& src = w.layers[static_cast<std::size_t>(p.inputs[j])];
  const ops::Context ctx{p, in, j, w.dense_in.data(), s.acc.data(), use_dense(p, ids.size(), in.size()),
                         count, s.bits.data(),
                         p.kernel == KernelKind::BitDense && !src.out_bits.empty() ? src.out_bits.data() : nullptr,
                         dense_x};
  const std::uint64_t sops = ops::op_traits(p.kernel).integrate(ctx, {ids, pay}, target);
  // A population after a residual Add integrates currents whose synaptic work was counted
  // where it happened (the branches' Dense/Conv2D/Affine).
  // SopConvention::Spikes: integrate_inputs() counts them from the multiplicities.
  if (count && p.kernel != KernelKind::Add && !spike_sops_) s.sops += sops;
}

std::span<const float> Simulator::multiplicities(Worker& w, int l, int t) const {
  const LayerState& src = w.layers[static_cast<std::size_t>(l)];
  const auto pay = src.train.payload(t);
  if (l > 0 && plan_[static_cast<std::size_t>(l)].neuron == NeuronKind::None)
    return {src.mult.data() + src.train.offsets()[static_cast<std::size_t>(t)], pay.size()};
  w.mult_in.resize(pay.size());
  for (std::size_t e = 0; e < pay.size(); ++e) w.mult_in[e] = std::fabs(pay[e]);
  return w.mult_in;
}

// The multiplicities of the n events a weightless layer emitted at step t (ids w.rows):
// a stateless linear re-routing (pooling, flatten, padding, concatenation) routes its
// inputs' multiplicities with the same operator, then each output divides by its weight
// (1/window for pooling) to count the spikes it gathered. Cells whose payloads cancelled
// emitted no event: their spikes reach no synapse and count nothing.
void Simulator::route_multiplicities(Worker& w, const PlanLayer& p, LayerState& s, int t,
                                     std::size_t n) const {
  const KernelKind k = p.kernel;
  if (k != KernelKind::AvgPool2D && k != KernelKind::GlobalAvgPool && k != KernelKind::Identity &&
      k != KernelKind::ZeroPad2D && k != KernelKind::Concat)
    return;  // step() gives the others' events their |payload|
  for (std::size_t j = 0; j < p.inputs.size(); ++j) {
    const int at = t - p.delay(j);
    const SpikeTrain& tr = w.layers[static_cast<std::size_t>(p.inputs[j])].train;
    if (at < 0 || tr.ids(at).empty()) continue;
    const std::span<const float> m = multiplicities(w, p.inputs[j], at);
    const PlanLayer& in = plan_[static_cast<std::size_t>(p.inputs[j])];
    const ops::Context ctx{p, in, j, w.dense_in.data(), s.acc.data(), false, false, s.bits.data()};
    ops::op_traits(k).integrate(ctx, {tr.ids(at), m}, s.mult_acc.data());
  }
  for (std::size_t e = 0; e < n; ++e) {
    const auto i = static_cast<std::size_t>(w.rows[e]);
    const float weight = k == KernelKind::AvgPool2D ? p.weight[i / static_cast<std::size_t>(p.c)]
                         : k == KernelKind::GlobalAvgPool ? p.weight[0]
                                                          : 1.0f;
    s.mult.push_back(std::round(s.mult_acc[i] / weight));
  }
  std::fill(s.mult_acc.begin(), s.mult_acc.end(), 0.0f);
}

void Simulator::integrate_inputs(Worker& w, const PlanLayer& p, LayerState& s, int t,
                                 float* target, bool count) const {
  for (std::size_t j = 0; j < p.inputs.size(); ++j) {
    const SpikeTrain& tr = w.layers[static_cast<std::size_t>(p.inputs[j])].train;
    const int at = t - p.delay(j);
    if (at < 0) continue;
    integrate(w, p, s, j, tr.ids(at), tr.payload(at), target, count);
    if (count && spike_sops_ && p.kernel != KernelKind::Add) {
      const auto ids = tr.ids(at);
      const std::span<const float> m = multiplicities(w, p.inputs[j], at);
      std::uint64_t sops = 0;
      for (std::size_t e = 0; e < ids.size(); ++e)
        sops += static_cast<std::uint64_t>(m[e]) *
                (p.fanout.empty() ? 1 : p.fanout[static_cast<std::size_t>(ids[e])]);
      s.sops += sops;
    }
  }
}

void Simulator::integrate_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
  const bool analog = analog_input(p);
  if (analog || !p.bias.empty()) kernels::add_into(s.v.data(), s.drive.data(), s.v.size());
  if (!analog) integrate_inputs(w, p, s, t, s.v.data(), true);
}

// One step of a spiking population: the model's protocol (neurons/population.hpp).
template <class Model>
void Simulator::population_step(Worker& w, const PlanLayer& p, LayerState& s, int t,
                                const Model& m) const {
  const neurons::Population pop{s.v.data(), s.aux.empty() ? nullptr : s.aux.data(),
                                p.threshold.data(), p.c, p.size() / static_cast<std::size_t>(p.c)};
  const neurons::Scan scan{w.rows.data()};
  m.begin_step(s.v);
  if constexpr (std::is_same_v<Model, neurons::IntegrateFire>) {
    // A constant current (analog input) is added in the firing pass itself; otherwise
    // bias first, then the step's events, as integrate_step() orders them.
    const bool analog = analog_input(p);
    if (!analog) integrate_step(w, p, s, t);
    const std::size_t n = m.fire_fused(pop, analog ? s.drive.data() : nullptr, scan);
    s.train.push_n(w.rows.data(), n, 1.0f);
  } else if constexpr (std::is_same_v<Model, neurons::DoubleThreshold>) {
    integrate_step(w, p, s, t);
    if (s.out_bits.empty()) {
      m.fire(pop, scan, emitter(s));
    } else {  // a BitDense layer reads this step's spikes as bit planes (see init())
      const std::size_t words = s.out_bits.size() / 2;
      const std::size_t n = kernels::dt_fire_planes(s.v.data(), s.aux.data(), p.threshold.data(), p.size(),
                                                    w.rows.data(), w.pay.data(), s.out_bits.data(),
                                                    s.out_bits.data() + words);
      s.train.push_n(w.rows.data(), w.pay.data(), n);
    }
  } else {
    integrate_step(w, p, s, t);
    m.fire(pop, scan, emitter(s));
  }
}

void Simulator::step(Worker& w, int l, int t) const {
  const PlanLayer& p = plan_[static_cast<std::size_t>(l)];
  LayerState& s = w.layers[static_cast<std::size_t>(l)];
  if (p.analog) return;  // constant; computed in begin()
  const std::size_t before = s.train.events();
  if (!p.model) {
    if (reads_[static_cast<std::size_t>(l)] && t == p.window_start) value_route(w, p, s);
    if (silent_[static_cast<std::size_t>(l)]) {  // its readers take its values
      s.train.end_step();
      return;
    }
    route(w, p, s, t);
    if (spike_sops_) {  // events route_multiplicities() did not count: their |payload|
      const auto pay = s.train.all_payload();
      for (std::size_t e = s.mult.size(); e < pay.size(); ++e) s.mult.push_back(std::fabs(pay[e]));
    }
  } else {
    std::visit(
        [&](const auto& m) {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, neurons::Radix>)
            radix_step(w, p, s, t);
          else if constexpr (std::is_same_v<M, neurons::Readout>)
            readout_step(w, p, s, t);
          else
            population_step(w, p, s, t, m);
        },
        *p.model);
    s.spikes += s.train.events() - before;
  }
  s.train.end_step();
}

// Weightless layer: the step's routed input becomes its output events.
void Simulator::route(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
  if (p.kernel == KernelKind::Identity && p.inputs.size() == 1) {
    const SpikeTrain& in = w.layers[static_cast<std::size_t>(p.inputs.front())].train;
    const auto ids = in.ids(t);
    const auto pay = in.payload(t);
    for (std::size_t e = 0; e < ids.size(); ++e) s.train.push(ids[e], pay[e]);
    if (spike_sops_ && !ids.empty()) {
      const std::span<const float> m = multiplicities(w, p.inputs.front(), t);
      s.mult.insert(s.mult.end(), m.begin(), m.end());
    }
    return;
  }
  if (p.kernel == KernelKind::MaxPool2DRadix) {
    const int k = t - p.window_start;
    if (k < 0 || k >= p.emit_steps) return;
    const SpikeTrain& in = w.layers[static_cast<std::size_t>(p.inputs.front())].train;
    ops::maxpool_radix_step(p, {in.ids(t), in.payload(t), k}, w.dense_in.data(), s.aux.data(),
                            emitter(s));
    return;
  }
  bool any = false;
  for (std::size_t j = 0; j < p.inputs.size(); ++j) {
    const int at = t - p.delay(j);
    any |= at >= 0 && !w.layers[static_cast<std::size_t>(p.inputs[j])].train.ids(at).empty();
  }
  if (!any) return;  // nothing routed this step
  // Dense/Conv2D/Affine without neurons are synapses (a residual branch's current): their
  // work counts as SOPs; pure re-routing does not.
  const bool synapse = p.kernel == KernelKind::Dense || p.kernel == KernelKind::Conv2D ||
                       p.kernel == KernelKind::Affine;
  integrate_inputs(w, p, s, t, s.v.data(), synapse);
  const std::size_t n = kernels::nonzero(s.v.data(), s.v.size(), w.rows.data());
  for (std::size_t k = 0; k < n; ++k) {
    const auto i = static_cast<std::size_t>(w.rows[k]);
    w.pay[k] = s.v[i];
    s.v[i] = 0.0f;
  }
  s.train.push_n(w.rows.data(), w.pay.data(), n);
  if (spike_sops_) route_multiplicities(w, p, s, t, n);
}

}  // namespace brisk::sim
