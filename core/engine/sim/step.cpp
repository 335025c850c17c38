// Simulator: the schedules (layer-major, time-major), one layer-step with the neuron
// model's dispatch (std::visit once per layer-step), the operator dispatch (the ops table)
// and the routing of weightless layers.
#include <algorithm>
#include <chrono>
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
  if (opts_.schedule == Schedule::LayerMajor) {
    for (int l = 1; l < nl; ++l) {
      const auto t0 = opts_.time_layers ? Clock::now() : Clock::time_point{};
      if (whole_window_if(plan_[static_cast<std::size_t>(l)]))
        if_window(w, l);
      else
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

bool Simulator::use_dense(std::size_t events, std::size_t inputs) const {
  if (opts_.kernel == KernelPolicy::Dense) return true;
  if (opts_.kernel == KernelPolicy::Sparse) return false;
  const float th = net_.options().dense_threshold;
  return th >= 0.0f && static_cast<float>(events) > th * static_cast<float>(inputs);
}

void Simulator::integrate(Worker& w, const PlanLayer& p, LayerState& s, std::size_t j,
                          std::span<const std::int32_t> ids, std::span<const float> pay,
                          float* target, bool count) const {
  if (ids.empty()) return;
  const PlanLayer& in = plan_[static_cast<std::size_t>(p.inputs[j])];
  const LayerState& src = w.layers[static_cast<std::size_t>(p.inputs[j])];
  const ops::Context ctx{p, in, j, w.dense_in.data(), s.acc.data(), use_dense(ids.size(), in.size()),
                         count, s.bits.data(),
                         p.kernel == KernelKind::BitDense && !src.out_bits.empty() ? src.out_bits.data() : nullptr};
  const std::uint64_t sops = ops::op_traits(p.kernel).integrate(ctx, {ids, pay}, target);
  // A population after a residual Add integrates currents whose synaptic work was counted
  // where it happened (the branches' Dense/Conv2D/Affine).
  if (count && p.kernel != KernelKind::Add) s.sops += sops;
}

void Simulator::integrate_inputs(Worker& w, const PlanLayer& p, LayerState& s, int t,
                                 float* target, bool count) const {
  for (std::size_t j = 0; j < p.inputs.size(); ++j) {
    const SpikeTrain& tr = w.layers[static_cast<std::size_t>(p.inputs[j])].train;
    const int at = t - p.delay(j);
    if (at < 0) continue;
    integrate(w, p, s, j, tr.ids(at), tr.payload(at), target, count);
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
    route(w, p, s, t);
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
}

}  // namespace brisk::sim
