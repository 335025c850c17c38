#include <brisk/core/engine/engine.hpp>

#include <fmt/format.h>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>

#include <brisk/core/base/error.hpp>
#include <brisk/core/base/scan.hpp>
#include <brisk/core/engine/kernels/synapse.hpp>
#include <brisk/neurons/kernels.hpp>
#include <brisk/encoders/augmented.hpp>
#include <brisk/encoders/radix.hpp>
#include <brisk/encoders/rate.hpp>
#include <brisk/neurons/models.hpp>

namespace brisk {
namespace {

using Clock = std::chrono::steady_clock;

// Per-layer buffers of one worker. Sized once; reused for every sample.
struct LayerState {
  std::vector<float> v;            // membrane potentials (neurons), or the None layers'
                                   // per-step accumulation buffer
  std::vector<std::int32_t> aux;   // DoubleThreshold counts, Radix q, radix MaxPool masks
  std::vector<float> drive;        // constant current per neuron: bias (+ analog input)
  std::vector<float> analog;       // analog output (direct-input path)
  std::vector<float> acc;          // MaxPool gate: accumulated payload per input neuron
  std::vector<std::int32_t> nz;    // Radix: neurons with q != 0 (for the digit emission)
  SpikeTrain train;
  std::uint64_t sops = 0, spikes = 0, analog_macs = 0;  // this sample
  std::uint64_t total_sops = 0, total_spikes = 0, total_analog_macs = 0;
  double seconds = 0;
  std::vector<double> out_sum;     // MeanRate: per neuron (Graph order), over samples
};

// Appends a population's spikes to its layer's train.
struct Emitter {
  SpikeTrain* train;
  void operator()(std::int32_t id, float payload) const { train->push(id, payload); }
};
inline Emitter emitter(LayerState& s) { return Emitter{&s.train}; }

struct Worker {
  std::vector<LayerState> layers;
  std::vector<float> input;        // sample in internal order
  std::vector<float> dense_in;     // densified step input (kept all-zero between uses)
  std::vector<std::int32_t> ev_ids;  // analog vector as events
  std::vector<float> ev_pay;
  std::vector<float> enc_v;        // encoder scratch
  std::vector<std::int32_t> rows;  // population scans
  std::vector<std::int64_t> levels;  // radix encoder scratch
  std::vector<float> pay;          // radix emission scratch
  std::vector<std::int32_t> or_mask;  // radix value links: OR of the pooled integers
  std::vector<std::uint16_t> fired;   // if_window(): firing bits [step][vector]
  std::vector<float> logits;
  std::vector<std::uint64_t> correct;  // per step
  std::int32_t label = -1;
  std::int32_t prediction = -1;
  std::vector<std::vector<float>>* trace = nullptr;  // simulate(): readout per step
};

class Simulator {
 public:
  // `digit_level`: every layer emits its digit trains (simulate() keeps them all).
  Simulator(const SpikingNetwork& net, const RunOptions& o, const std::vector<bool>& recorded,
            bool digit_level)
      : net_(net), plan_(net.layers()), opts_(o) {
    steps_ = net.is_radix() || o.timesteps <= 0 ? net.total_steps() : o.timesteps;
    for (const auto& p : plan_) max_size_ = std::max(max_size_, p.size());
    pool_maps_.resize(plan_.size());
    for (std::size_t l = 0; l < plan_.size(); ++l) plan_pool_map(l);
    links_.assign(plan_.size(), ValueLink{});
    silent_.assign(plan_.size(), false);
    if (!digit_level && net.is_radix() && net.options().radix_fold && net.options().radix_values)
      plan_value_links(recorded);
  }
  int steps() const { return steps_; }

  void init(Worker& w) const {
    w.layers.resize(plan_.size());
    for (std::size_t l = 0; l < plan_.size(); ++l) {
      const PlanLayer& p = plan_[l];
      LayerState& s = w.layers[l];
      const std::size_t n = p.size();
      if (p.neuron != NeuronKind::None || p.kernel != KernelKind::Identity) s.v.assign(n, 0.0f);
      if (p.neuron == NeuronKind::DoubleThreshold || p.neuron == NeuronKind::Radix ||
          p.kernel == KernelKind::MaxPool2D)
        s.aux.assign(n, 0);
      if (p.neuron != NeuronKind::None) {
        s.drive.assign(n, 0.0f);
        fill_bias(p, s.drive);
      }
      if (p.analog) s.analog.assign(n, 0.0f);
      if (p.neuron == NeuronKind::Radix) s.nz.reserve(n + 16);
      if (p.kernel == KernelKind::MaxPool2D)
        s.acc.assign(static_cast<std::size_t>(p.in_c) * p.in_h * p.in_w, 0.0f);
      s.train.reserve(std::min<std::size_t>(n * static_cast<std::size_t>(steps_) / 4 + 64,
                                            std::size_t{1} << 22));
      s.train.clear(steps_);
    }
    w.input.assign(plan_.front().size(), 0.0f);
    w.dense_in.assign(max_size_, 0.0f);
    w.ev_ids.reserve(max_size_);
    w.ev_pay.reserve(max_size_);
    w.enc_v.assign(plan_.front().size(), 0.0f);
    w.rows.assign(max_size_ + 16, 0);
    w.levels.assign(plan_.front().size(), 0);
    w.pay.assign(max_size_ + 1, 0.0f);
    w.or_mask.assign(max_size_, 0);
    std::size_t fired = 0;
    for (const auto& p : plan_)
      if (whole_window_if(p)) fired = std::max(fired, if_vectors(p) * static_cast<std::size_t>(steps_));
    w.fired.assign(fired, 0);
    w.logits.assign(plan_[static_cast<std::size_t>(net_.output())].size(), 0.0f);
    w.correct.assign(static_cast<std::size_t>(steps_), 0);
  }

  // Runs one sample through all steps.
  void sample(Worker& w, std::span<const float> x, std::size_t index, std::int32_t label) const {
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

  // Per-neuron output of layer l for the finished sample, Graph order, in threshold
  // units summed over steps (rate) or as the integer q (radix); analog: the value.
  void layer_output(const Worker& w, int l, std::span<float> out) const {
    const PlanLayer& p = plan_[static_cast<std::size_t>(l)];
    const LayerState& s = w.layers[static_cast<std::size_t>(l)];
    std::fill(out.begin(), out.end(), 0.0f);
    if (p.analog) {
      for (std::size_t i = 0; i < p.size(); ++i) out[static_cast<std::size_t>(p.to_graph[i])] = s.analog[i] * static_cast<float>(steps_);
      return;
    }
    if (p.neuron == NeuronKind::Readout) {
      for (std::size_t i = 0; i < p.size(); ++i) out[static_cast<std::size_t>(p.to_graph[i])] = w.logits[i];
      return;
    }
    if (p.neuron == NeuronKind::Radix) {
      for (std::size_t i = 0; i < p.size(); ++i) out[static_cast<std::size_t>(p.to_graph[i])] = static_cast<float>(s.aux[i]);
      return;
    }
    const auto ids = s.train.all_ids();
    const auto pay = s.train.all_payload();
    for (std::size_t e = 0; e < ids.size(); ++e)
      out[static_cast<std::size_t>(p.to_graph[static_cast<std::size_t>(ids[e])])] += pay[e];
  }

  const SpikingNetwork& net() const { return net_; }

 private:
  const SpikingNetwork& net_;
  const std::vector<PlanLayer>& plan_;
  RunOptions opts_;
  int steps_ = 0;
  std::size_t max_size_ = 0;

  // A folded radix layer that reads the integers q of a radix producer directly instead of
  // decoding its digit trains (CompileOptions::radix_values). `pool` is the AvgPool2D
  // between them (-1: none; Identity layers such as Flatten may sit on the path too).
  struct ValueLink {
    int source = -1;
    int pool = -1;
  };
  std::vector<ValueLink> links_;  // per consumer layer
  std::vector<bool> silent_;      // per producer: q is read directly, no digit events

  static bool pow2(int b) { return (b & (b - 1)) == 0; }

  // An IF layer driven only by a constant current (direct input) runs all its steps in
  // one pass when layers run one after the other: each 16-neuron vector keeps its
  // potential in a register over the T steps (kernels::if_fire_steps), then each step's
  // firing bits become that step's events. Same float operations as step by step.
  bool whole_window_if(const PlanLayer& p) const {
    return opts_.schedule == Schedule::LayerMajor && p.neuron == NeuronKind::IF && !p.analog &&
           p.leak == 1.0f && !p.inputs.empty() &&
           plan_[static_cast<std::size_t>(p.inputs.front())].analog && p.c > 0;
  }
  static std::size_t if_vectors(const PlanLayer& p) {
    return p.size() / static_cast<std::size_t>(p.c) * static_cast<std::size_t>((p.c + 15) / 16);
  }
  void if_window(Worker& w, int l) const {
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

  // AvgPool2D whose windows do not overlap (stride >= window, the usual 2x2/2): each
  // input id feeds at most one output, so an event is one indexed add with no tap walk.
  struct PoolMap {
    std::vector<std::int32_t> target;  // per input id: output id, or -1
    std::vector<float> weight;         // per input id: the window weight of its output
  };
  std::vector<PoolMap> pool_maps_;  // per layer; empty = walk the taps

  void plan_pool_map(std::size_t l) {
    const PlanLayer& p = plan_[l];
    if (p.kernel != KernelKind::AvgPool2D) return;
    const auto& t = p.taps;
    for (std::size_t q = 0; q + 1 < t.start.size(); ++q)
      if (t.start[q + 1] - t.start[q] > 1) return;
    PoolMap m;
    const std::size_t n = t.pos_of.size();
    m.target.assign(n, -1);
    m.weight.assign(n, 0.0f);
    for (std::size_t i = 0; i < n; ++i) {
      const auto q = static_cast<std::size_t>(t.pos_of[i]);
      if (t.start[q + 1] == t.start[q]) continue;
      const auto o = static_cast<std::size_t>(t.out[static_cast<std::size_t>(t.start[q])]);
      const std::size_t c = i - q * static_cast<std::size_t>(p.in_c);
      m.target[i] = static_cast<std::int32_t>(o * static_cast<std::size_t>(p.c) + c);
      m.weight[i] = p.weight[o];
    }
    pool_maps_[l] = std::move(m);
  }

  // Finds the links: consumer C (radix, folded, one input) <- [Identity | AvgPool2D]* <- R
  // (radix, same base and digits, power-of-two base so that digit events of pooled sums
  // can be counted from an OR), every layer on the path read by C alone and not recorded.
  void plan_value_links(const std::vector<bool>& recorded) {
    std::vector<int> readers(plan_.size(), 0);
    for (const auto& p : plan_)
      for (int j : p.inputs) ++readers[static_cast<std::size_t>(j)];
    for (std::size_t c = 1; c < plan_.size(); ++c) {
      const PlanLayer& C = plan_[c];
      if (C.neuron != NeuronKind::Radix || C.inputs.size() != 1 || !pow2(C.radix_base)) continue;
      ValueLink link;
      int j = C.inputs.front();
      bool ok = true;
      while (ok) {
        const PlanLayer& P = plan_[static_cast<std::size_t>(j)];
        ok = readers[static_cast<std::size_t>(j)] == 1 && !recorded[static_cast<std::size_t>(j)] &&
             j != net_.output() && !P.analog;
        if (!ok || j == 0 || P.neuron == NeuronKind::Radix) break;
        const bool pool = P.kernel == KernelKind::AvgPool2D && link.pool < 0;
        ok = P.neuron == NeuronKind::None && P.inputs.size() == 1 &&
             (P.kernel == KernelKind::Identity || pool);
        if (pool) link.pool = j;
        j = P.inputs.front();
      }
      const PlanLayer& R = plan_[static_cast<std::size_t>(j)];
      const SnnSpec& spec = net_.spec();
      // The radix encoder's levels are signed: no pool (an OR of signed integers says
      // nothing about the digits of their sum).
      if (j == 0)
        ok = ok && spec.encoder == EncoderKind::Radix && link.pool < 0 &&
             spec.input_radix_base == C.radix_base && spec.input_radix_digits == C.radix_digits;
      else
        ok = ok && R.radix_base == C.radix_base && R.radix_digits == C.radix_digits;
      if (!ok || R.emit_start != C.window_start) continue;
      link.source = j;
      links_[c] = link;
      silent_[static_cast<std::size_t>(j)] = true;
    }
  }

  static void fill_bias(const PlanLayer& p, std::vector<float>& d) {
    if (p.bias.empty()) return;
    for (std::size_t i = 0; i < d.size(); ++i) d[i] = p.bias[i % static_cast<std::size_t>(p.c)];
  }
  // base^n, exact for the sizes compile() admits (<= 2^24).
  static float ipow(int base, int n) {
    float r = 1.0f;
    for (int i = 0; i < n; ++i) r *= static_cast<float>(base);
    return r;
  }
  static float radix_scale(const PlanLayer& p) { return ipow(p.radix_base, p.radix_digits); }

  // ---- sample setup ------------------------------------------------------------------
  void begin(Worker& w, std::span<const float> x, std::size_t index) const {
    const PlanLayer& in = plan_.front();
    for (std::size_t i = 0; i < in.size(); ++i) w.input[i] = x[static_cast<std::size_t>(in.to_graph[i])];
    for (auto& s : w.layers) s.sops = s.spikes = s.analog_macs = 0;
    encode(w, index);
    for (std::size_t l = 1; l < plan_.size(); ++l) {
      const PlanLayer& p = plan_[l];
      LayerState& s = w.layers[l];
      if (!s.v.empty()) {
        if (p.v0.empty() || net_.is_radix())
          std::fill(s.v.begin(), s.v.end(), 0.0f);
        else
          std::copy(p.v0.begin(), p.v0.end(), s.v.begin());
      }
      std::fill(s.aux.begin(), s.aux.end(), 0);
      std::fill(s.acc.begin(), s.acc.end(), 0.0f);
      s.train.clear(steps_);
      if (!analog_inputs(p, w)) continue;
      if (p.neuron == NeuronKind::None) {
        analog_route(w, p, s);
      } else {
        fill_bias(p, s.drive);
        if (p.bias.empty()) std::fill(s.drive.begin(), s.drive.end(), 0.0f);
        for (std::size_t j = 0; j < p.inputs.size(); ++j) {
          const LayerState& src = w.layers[static_cast<std::size_t>(p.inputs[j])];
          as_events(w, src.analog);
          integrate(w, p, s, j, w.ev_ids, w.ev_pay, s.drive.data(), false);
        }
        s.analog_macs += p.macs;
      }
    }
  }

  bool analog_inputs(const PlanLayer& p, const Worker&) const {
    return plan_[static_cast<std::size_t>(p.inputs.front())].analog;
  }

  void encode(Worker& w, std::size_t index) const {
    const SnnSpec& spec = net_.spec();
    LayerState& s = w.layers.front();
    switch (spec.encoder) {
      case EncoderKind::Direct:
        s.analog = w.input;
        return;
      case EncoderKind::Rate:
        s.train.clear(steps_);
        encoders::rate(w.input, spec.input_scale, steps_, spec.seed, index, s.train);
        break;
      case EncoderKind::Radix:
        if (silent_[0]) {  // the first layer reads the levels (value link)
          encoders::radix_levels(w.input, spec.input_scale, spec.input_radix_base,
                                 spec.input_radix_digits, w.levels);
          s.train.clear(steps_);
          s.train.close_until(steps_);
          const int bits = log2_base(spec.input_radix_base);
          for (const std::int64_t q : w.levels)
            s.spikes += static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(q < 0 ? -q : q), bits));
          return;
        }
        s.train.clear(steps_);
        encoders::radix(w.input, spec.input_scale, spec.input_radix_base, spec.input_radix_digits,
                        w.levels, s.train);
        s.train.close_until(steps_);
        break;
      case EncoderKind::Augmented:
        s.train.clear(steps_);
        encoders::augmented(w.input, spec.input_scale, spec.layers.front().max_coefficient, steps_,
                            w.enc_v, s.train);
        break;
    }
    s.spikes += s.train.events();
  }

  static void as_events(Worker& w, const std::vector<float>& a) {
    w.ev_ids.clear();
    w.ev_pay.clear();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (a[i] != 0.0f) {
        w.ev_ids.push_back(static_cast<std::int32_t>(i));
        w.ev_pay.push_back(a[i]);
      }
  }

  // Weightless layer on the analog path: its output is computed once.
  void analog_route(Worker& w, const PlanLayer& p, LayerState& s) const {
    std::fill(s.analog.begin(), s.analog.end(), 0.0f);
    if (p.kernel == KernelKind::MaxPool2D) {
      const auto& in = w.layers[static_cast<std::size_t>(p.inputs.front())].analog;
      for (int oy = 0; oy < p.h; ++oy)
        for (int ox = 0; ox < p.w; ++ox)
          for (int c = 0; c < p.c; ++c) {
            float m = -std::numeric_limits<float>::infinity();
            for_window(p, oy, ox, [&](std::size_t pos) { m = std::max(m, in[pos * p.in_c + c]); });
            s.analog[(static_cast<std::size_t>(oy) * p.w + ox) * p.c + c] = m;
          }
      return;
    }
    for (std::size_t j = 0; j < p.inputs.size(); ++j) {
      as_events(w, w.layers[static_cast<std::size_t>(p.inputs[j])].analog);
      integrate(w, p, s, j, w.ev_ids, w.ev_pay, s.analog.data(), false);
    }
  }

  template <class F>
  static void for_window(const PlanLayer& p, int oy, int ox, F&& f) {
    for (int ky = 0; ky < p.kh; ++ky) {
      const int y = oy * p.sh - p.pad_top + ky;
      if (y < 0 || y >= p.in_h) continue;
      for (int kx = 0; kx < p.kw; ++kx) {
        const int x = ox * p.sw - p.pad_left + kx;
        if (x < 0 || x >= p.in_w) continue;
        f(static_cast<std::size_t>(y) * p.in_w + x);
      }
    }
  }

  // ---- synaptic integration ------------------------------------------------------------
  bool use_dense(std::size_t events, std::size_t inputs) const {
    if (opts_.kernel == KernelPolicy::Dense) return true;
    if (opts_.kernel == KernelPolicy::Sparse) return false;
    const float th = net_.options().dense_threshold;
    return th >= 0.0f && static_cast<float>(events) > th * static_cast<float>(inputs);
  }

  // Adds the events of input j into `target` (potentials, drive or a routing buffer).
  void integrate(Worker& w, const PlanLayer& p, LayerState& s, std::size_t j,
                 std::span<const std::int32_t> ids, std::span<const float> pay, float* target,
                 bool count) const {
    if (ids.empty()) return;
    const std::size_t n = ids.size();
    const std::size_t in_size = plan_[static_cast<std::size_t>(p.inputs[j])].size();
    std::uint64_t sops = 0;
    switch (p.kernel) {
      case KernelKind::Dense: {
        const int out = p.c;
        if (use_dense(n, in_size)) {
          for (std::size_t e = 0; e < n; ++e) w.dense_in[static_cast<std::size_t>(ids[e])] = pay[e];
          kernels::dense_gather(target, w.dense_in.data(), static_cast<int>(in_size), p.weight.data(), out);
          for (std::size_t e = 0; e < n; ++e) w.dense_in[static_cast<std::size_t>(ids[e])] = 0.0f;
        } else {
          kernels::dense_scatter(target, ids, pay, p.weight.data(), out);
        }
        sops = n * static_cast<std::uint64_t>(out);
        break;
      }
      case KernelKind::Conv2D: {
        const kernels::ConvGeom g = p.geom();
        if (use_dense(n, in_size)) {
          for (std::size_t e = 0; e < n; ++e) w.dense_in[static_cast<std::size_t>(ids[e])] = pay[e];
          kernels::conv_gather(target, w.dense_in.data(), p.weight.data(), g);
          for (std::size_t e = 0; e < n; ++e) w.dense_in[static_cast<std::size_t>(ids[e])] = 0.0f;
        } else {
          kernels::conv_scatter(target, ids, pay, p.weight.data(), g, p.taps);
        }
        if (count)
          for (std::size_t e = 0; e < n; ++e) sops += p.fanout[static_cast<std::size_t>(ids[e])];
        break;
      }
      case KernelKind::AvgPool2D: {
        const PoolMap& map = pool_maps_[static_cast<std::size_t>(&p - plan_.data())];
        if (!map.target.empty()) {
          const std::int32_t* tg = map.target.data();
          const float* pw = map.weight.data();
          for (std::size_t e = 0; e < n; ++e) {
            const auto i = static_cast<std::size_t>(ids[e]);
            if (tg[i] < 0) continue;
            target[tg[i]] += pay[e] * pw[i];
            ++sops;
          }
          break;
        }
        for (std::size_t e = 0; e < n; ++e) {
          const int pos = p.taps.pos_of[static_cast<std::size_t>(ids[e])];
          const std::size_t c = static_cast<std::size_t>(ids[e] - pos * p.in_c);
          const auto q = static_cast<std::size_t>(pos);
          for (auto k = static_cast<std::size_t>(p.taps.start[q]); k < static_cast<std::size_t>(p.taps.start[q + 1]); ++k) {
            const auto o = static_cast<std::size_t>(p.taps.out[k]);
            target[o * static_cast<std::size_t>(p.c) + c] += pay[e] * p.weight[o];
          }
          sops += p.taps.start[q + 1] - p.taps.start[q];
        }
        break;
      }
      case KernelKind::GlobalAvgPool:
        for (std::size_t e = 0; e < n; ++e)
          target[static_cast<std::size_t>(ids[e] % p.in_c)] += pay[e] * p.weight[0];
        sops = n;
        break;
      case KernelKind::Identity:
      case KernelKind::Add:
        for (std::size_t e = 0; e < n; ++e) target[static_cast<std::size_t>(ids[e])] += pay[e];
        sops = n;
        break;
      case KernelKind::Affine:
        for (std::size_t e = 0; e < n; ++e)
          target[static_cast<std::size_t>(ids[e])] += pay[e] * p.weight[static_cast<std::size_t>(ids[e] % p.c)];
        sops = n;
        break;
      case KernelKind::ZeroPad2D:
        for (std::size_t e = 0; e < n; ++e) target[static_cast<std::size_t>(pad_id(p, ids[e]))] += pay[e];
        sops = n;
        break;
      case KernelKind::Concat: {
        const PlanLayer& in = plan_[static_cast<std::size_t>(p.inputs[j])];
        const int off = p.concat_offset[j];
        for (std::size_t e = 0; e < n; ++e) {
          const int pos = ids[e] / in.c, c = ids[e] - pos * in.c;
          target[static_cast<std::size_t>(pos) * p.c + static_cast<std::size_t>(off + c)] += pay[e];
        }
        sops = n;
        break;
      }
      case KernelKind::MaxPool2D:
        sops = maxpool_gate(p, s, ids, pay, target);
        break;
      case KernelKind::Input:
        break;
    }
    if (count) s.sops += sops;
  }

  static std::int32_t pad_id(const PlanLayer& p, std::int32_t id) {
    const int pos = id / p.in_c, c = id - pos * p.in_c;
    const int y = pos / p.in_w + p.pad_top, x = pos % p.in_w + p.pad_left;
    return (y * p.w + x) * p.c + c;
  }

  // Rate-code MaxPool: each window passes the events of its input with the largest
  // accumulated payload (first in raster order on ties).
  std::uint64_t maxpool_gate(const PlanLayer& p, LayerState& s, std::span<const std::int32_t> ids,
                             std::span<const float> pay, float* target) const {
    for (std::size_t e = 0; e < ids.size(); ++e) s.acc[static_cast<std::size_t>(ids[e])] += pay[e];
    std::uint64_t passed = 0;
    for (std::size_t e = 0; e < ids.size(); ++e) {
      const int pos = ids[e] / p.in_c, c = ids[e] - pos * p.in_c;
      const int y = pos / p.in_w, x = pos - y * p.in_w;
      for (int oy = 0; oy < p.h; ++oy) {
        const int y0 = oy * p.sh - p.pad_top;
        if (y < y0 || y >= y0 + p.kh) continue;
        for (int ox = 0; ox < p.w; ++ox) {
          const int x0 = ox * p.sw - p.pad_left;
          if (x < x0 || x >= x0 + p.kw) continue;
          std::size_t best = 0;
          float top = -std::numeric_limits<float>::infinity();
          for_window(p, oy, ox, [&](std::size_t q) {
            const float a = s.acc[q * p.in_c + c];
            if (a > top) top = a, best = q;
          });
          if (best != static_cast<std::size_t>(pos)) continue;
          target[(static_cast<std::size_t>(oy) * p.w + ox) * p.c + c] += pay[e];
          ++passed;
        }
      }
    }
    return passed;
  }

  // Radix MaxPool: MSB-first comparison. Each output keeps a mask of the window elements
  // still tied for the maximum; a digit below the candidates' largest drops an element.
  void radix_maxpool(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
    const int k = t - p.window_start;
    if (k < 0 || k >= p.emit_steps) return;
    const LayerState& in = w.layers[static_cast<std::size_t>(p.inputs.front())];
    const auto ids = in.train.ids(t);
    const auto pay = in.train.payload(t);
    for (std::size_t e = 0; e < ids.size(); ++e) w.dense_in[static_cast<std::size_t>(ids[e])] = pay[e];
    for (int oy = 0; oy < p.h; ++oy)
      for (int ox = 0; ox < p.w; ++ox)
        for (int c = 0; c < p.c; ++c) {
          const std::size_t o = (static_cast<std::size_t>(oy) * p.w + ox) * p.c + c;
          auto mask = static_cast<std::uint32_t>(s.aux[o]);
          if (k == 0) mask = ~0u;
          float top = 0.0f;
          int bit = 0;
          for_window(p, oy, ox, [&](std::size_t q) {
            if (mask >> bit & 1u) top = std::max(top, w.dense_in[q * p.in_c + c]);
            ++bit;
          });
          bit = 0;
          for_window(p, oy, ox, [&](std::size_t q) {
            if (w.dense_in[q * p.in_c + c] < top) mask &= ~(1u << bit);
            ++bit;
          });
          s.aux[o] = static_cast<std::int32_t>(mask);
          if (top > 0.0f) s.train.push(static_cast<std::int32_t>(o), top);
        }
    for (std::size_t e = 0; e < ids.size(); ++e) w.dense_in[static_cast<std::size_t>(ids[e])] = 0.0f;
  }

  void integrate_inputs(Worker& w, const PlanLayer& p, LayerState& s, int t, float* target,
                        bool count) const {
    for (std::size_t j = 0; j < p.inputs.size(); ++j) {
      const SpikeTrain& tr = w.layers[static_cast<std::size_t>(p.inputs[j])].train;
      integrate(w, p, s, j, tr.ids(t), tr.payload(t), target, count);
    }
  }

  // ---- one layer, one step ---------------------------------------------------------------
  void step(Worker& w, int l, int t) const {
    const PlanLayer& p = plan_[static_cast<std::size_t>(l)];
    LayerState& s = w.layers[static_cast<std::size_t>(l)];
    if (p.analog) return;  // constant; computed in begin()
    const std::size_t before = s.train.events();
    switch (p.neuron) {
      case NeuronKind::None: route(w, p, s, t); break;
      case NeuronKind::IF: {
        const neurons::IntegrateFire m{p.leak, p.reset};
        m.begin_step(s.v);
        // A constant current (analog input) is added in the firing pass itself; otherwise
        // bias first, then the step's events, as integrate_step() orders them.
        const bool analog = plan_[static_cast<std::size_t>(p.inputs.front())].analog;
        if (!analog) integrate_step(w, p, s, t);
        const std::size_t n = m.fire_fused(s.v.data(), analog ? s.drive.data() : nullptr,
                                           p.threshold.data(), p.c, p.size() / p.c,
                                           neurons::Scan{w.rows.data()});
        s.train.push_n(w.rows.data(), n, 1.0f);
        break;
      }
      case NeuronKind::DoubleThreshold: {
        const neurons::DoubleThreshold m{p.leak, p.negative_only_if_positive};
        m.begin_step(s.v);
        integrate_step(w, p, s, t);
        m.fire(s.v.data(), s.aux.data(), p.threshold.data(), p.c, p.size() / p.c, neurons::Scan{w.rows.data()}, emitter(s));
        break;
      }
      case NeuronKind::Augmented: {
        const neurons::Augmented m{p.leak, p.max_coefficient};
        m.begin_step(s.v);
        integrate_step(w, p, s, t);
        m.fire(s.v.data(), p.threshold.data(), p.c, p.size() / p.c, neurons::Scan{w.rows.data()}, emitter(s));
        break;
      }
      case NeuronKind::Radix: radix_step(w, p, s, t); break;
      case NeuronKind::Readout: readout_step(w, p, s, t); break;
    }
    if (p.neuron != NeuronKind::None) s.spikes += s.train.events() - before;
    s.train.end_step();
  }


  void integrate_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
    const bool analog = plan_[static_cast<std::size_t>(p.inputs.front())].analog;
    if (analog || !p.bias.empty()) kernels::add_into(s.v.data(), s.drive.data(), s.v.size());
    if (!analog) integrate_inputs(w, p, s, t, s.v.data(), true);
  }

  // Weightless layer: the step's routed input becomes its output events.
  void route(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
    if (p.kernel == KernelKind::Identity && p.inputs.size() == 1) {
      const SpikeTrain& in = w.layers[static_cast<std::size_t>(p.inputs.front())].train;
      const auto ids = in.ids(t);
      const auto pay = in.payload(t);
      for (std::size_t e = 0; e < ids.size(); ++e) s.train.push(ids[e], pay[e]);
      return;
    }
    if (p.kernel == KernelKind::MaxPool2D && net_.is_radix()) {
      radix_maxpool(w, p, s, t);
      return;
    }
    bool any = false;
    for (int j : p.inputs) any |= !w.layers[static_cast<std::size_t>(j)].train.ids(t).empty();
    if (!any) return;  // nothing routed this step
    integrate_inputs(w, p, s, t, s.v.data(), false);
    const std::size_t n = kernels::nonzero(s.v.data(), s.v.size(), w.rows.data());
    for (std::size_t k = 0; k < n; ++k) {
      const auto i = static_cast<std::size_t>(w.rows[k]);
      w.pay[k] = s.v[i];
      s.v[i] = 0.0f;
    }
    s.train.push_n(w.rows.data(), w.pay.data(), n);
  }

  void radix_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
    const neurons::Radix m{p.radix_base, p.radix_digits};
    const int k = t - p.window_start;
    const auto li = static_cast<std::size_t>(&p - plan_.data());
    if (net_.options().radix_fold) {
      if (k == p.radix_digits - 1) {
        if (links_[li].source >= 0) radix_fold_values(w, p, s, links_[li]);
        else if (!plan_[static_cast<std::size_t>(p.inputs.front())].analog) radix_fold(w, p, s);
        finish_radix(p, s, m);
        if (silent_[li]) s.spikes += digit_events(p, s);
      }
    } else if (k >= 0 && k < p.radix_digits) {
      if (k > 0) m.shift(s.v);
      if (!plan_[static_cast<std::size_t>(p.inputs.front())].analog)
        integrate_inputs(w, p, s, t, s.v.data(), true);
      if (k == p.radix_digits - 1) finish_radix(p, s, m);
    }
    const int e = t - p.emit_start;
    if (e >= 0 && e < p.radix_digits && !silent_[li])
      m.emit_digit(s.aux.data(), s.nz, e, w.rows.data(), w.pay.data(), emitter(s));
  }

  // The whole window at once: decode each input's K digits into n_j (in dense_in), then
  // scatter the nonzero n_j. SOPs are counted per digit event.
  void radix_fold(Worker& w, const PlanLayer& p, LayerState& s) const {
    for (std::size_t j = 0; j < p.inputs.size(); ++j) {
      const PlanLayer& in = plan_[static_cast<std::size_t>(p.inputs[j])];
      const SpikeTrain& tr = w.layers[static_cast<std::size_t>(p.inputs[j])].train;
      float weight = 1.0f;
      for (int k = 1; k < p.radix_digits; ++k) weight *= static_cast<float>(p.radix_base);
      std::uint64_t sops = 0;
      for (int k = 0; k < p.radix_digits; ++k, weight /= static_cast<float>(p.radix_base)) {
        const auto ids = tr.ids(p.window_start + k);
        const auto pay = tr.payload(p.window_start + k);
        for (std::size_t e = 0; e < ids.size(); ++e) {
          w.dense_in[static_cast<std::size_t>(ids[e])] += weight * pay[e];
          sops += p.fanout.empty() ? 1 : p.fanout[static_cast<std::size_t>(ids[e])];
        }
      }
      s.sops += sops;
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

  // Number of nonzero base-2^bits digits of x (x < 2^31). The bit count is spelled out:
  // the baseline x86-64 target has no popcnt instruction and std::popcount would call
  // libgcc.
  static int nonzero_digits(std::uint32_t x, int bits) {
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
  static int log2_base(int base) { return std::countr_zero(static_cast<unsigned>(base)); }

  // The digit events a silent radix layer would have emitted.
  static std::uint64_t digit_events(const PlanLayer& p, const LayerState& s) {
    const int bits = log2_base(p.radix_base);
    std::uint64_t n = 0;
    for (const std::int32_t i : s.nz) n += static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(s.aux[static_cast<std::size_t>(i)]), bits));
    return n;
  }

  // radix_fold() for a value link: the decoded input of the window is the producer's q
  // (through the average pool, if any), scattered once for its nonzero entries. SOPs are
  // those of the digit-level run: a (pooled) input sends an event at digit k iff some
  // integer under it has a nonzero digit k (pool weights are positive, digits >= 0), so
  // its events are the nonzero digits of the OR of those integers.
  void radix_fold_values(Worker& w, const PlanLayer& p, LayerState& s, const ValueLink& link) const {
    const LayerState& src = w.layers[static_cast<std::size_t>(link.source)];
    const int bits = log2_base(p.radix_base);
    w.ev_ids.clear();
    w.ev_pay.clear();
    std::uint64_t sops = 0;
    auto fan = [&](std::size_t id) -> std::uint64_t { return p.fanout.empty() ? 1 : p.fanout[id]; };
    if (link.source == 0) {  // the radix encoder's signed levels
      for (std::size_t i = 0; i < w.levels.size(); ++i) {
        const std::int64_t q = w.levels[i];
        if (q == 0) continue;
        w.ev_ids.push_back(static_cast<std::int32_t>(i));
        w.ev_pay.push_back(static_cast<float>(q));
        sops += static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(q < 0 ? -q : q), bits)) * fan(i);
      }
    } else if (link.pool < 0) {
      for (const std::int32_t i : src.nz) {
        const std::int32_t q = src.aux[static_cast<std::size_t>(i)];
        w.ev_ids.push_back(i);
        w.ev_pay.push_back(static_cast<float>(q));
        sops += static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(q), bits)) * fan(static_cast<std::size_t>(i));
      }
    } else {
      sops += pool_values(w, plan_[static_cast<std::size_t>(link.pool)], src.aux.data(), bits, fan);
    }
    s.sops += sops;
    integrate(w, p, s, 0, w.ev_ids, w.ev_pay, s.v.data(), false);
  }

  // The pooled integers of a value link, window by window (channels innermost, so the
  // loops vectorize): dense_in[o] = sum_j w_o q_j in increasing j, as the scatter adds
  // them (q >= 0, so the zero terms change no bit), and the OR of the q_j for the digit
  // events. Appends the nonzero outputs to ev_ids/ev_pay; returns their SOPs.
  template <class Fan>
  std::uint64_t pool_values(Worker& w, const PlanLayer& P, const std::int32_t* q, int bits,
                            Fan&& fan) const {
    const auto C = static_cast<std::size_t>(P.c);
    for (int oy = 0; oy < P.h; ++oy)
      for (int ox = 0; ox < P.w; ++ox) {
        const std::size_t o = static_cast<std::size_t>(oy) * P.w + ox;
        const float wo = P.weight[o];
        float* __restrict dv = w.dense_in.data() + o * C;
        std::int32_t* __restrict om = w.or_mask.data() + o * C;
        for_window(P, oy, ox, [&](std::size_t pos) {
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
      sops += static_cast<std::uint64_t>(nonzero_digits(static_cast<std::uint32_t>(w.or_mask[o]), bits)) * fan(o);
      w.dense_in[o] = 0.0f;
    }
    std::fill_n(w.or_mask.begin(), P.size(), 0);
    return sops;
  }

  // End of the window: U_K * (bias [+ analog current]) + V0, then q.
  void finish_radix(const PlanLayer& p, LayerState& s, const neurons::Radix& m) const {
    const float scale = radix_scale(p);
    const bool drive = !p.bias.empty() || plan_[static_cast<std::size_t>(p.inputs.front())].analog;
    float* __restrict v = s.v.data();
    const std::size_t n = s.v.size();
    if (drive) {
      const float* __restrict d = s.drive.data();
      for (std::size_t i = 0; i < n; ++i) v[i] += scale * d[i];
    }
    if (!p.v0.empty()) kernels::add_into(v, p.v0.data(), n);
    m.quantize(v, s.aux.data(), p.threshold.data(), p.c, p.size() / p.c);
    s.nz.resize(n + 16);
    s.nz.resize(kernels::nonzero_i32(s.aux.data(), n, s.nz.data()));
  }

  void readout_step(Worker& w, const PlanLayer& p, LayerState& s, int t) const {
    const bool analog = plan_[static_cast<std::size_t>(p.inputs.front())].analog;
    if (net_.is_radix()) {
      const neurons::Radix m{p.radix_base, p.radix_digits};
      const int k = t - p.window_start;
      if (k >= 0 && k < p.radix_digits) {
        if (k > 0) m.shift(s.v);
        if (!analog) integrate_inputs(w, p, s, t, s.v.data(), true);
      }
      // Logits: the digits seen so far, as a fraction of full scale, plus the constants.
      const int seen = std::clamp(k + 1, 0, p.radix_digits);
      const float inv = 1.0f / ipow(p.radix_base, seen);
      const float inv_full = 1.0f / radix_scale(p);
      const bool drive = !p.bias.empty() || analog;
      for (std::size_t i = 0; i < w.logits.size(); ++i)
        w.logits[i] = (analog ? 0.0f : s.v[i] * inv) + (drive ? s.drive[i] : 0.0f) +
                      (p.v0.empty() ? 0.0f : p.v0[i] * inv_full);
    } else {
      if (p.leak != 1.0f)
        for (float& x : s.v) x *= p.leak;
      integrate_step(w, p, s, t);
      std::copy(s.v.begin(), s.v.end(), w.logits.begin());
    }
    const int pred = argmax(w.logits);
    if (w.label >= 0 && pred == w.label) ++w.correct[static_cast<std::size_t>(t)];
    w.prediction = pred;
    if (w.trace) w.trace->push_back(w.logits);
  }
};

}  // namespace

RunResult run(const SpikingNetwork& net, const DataView& data, const RunOptions& opts) {
  if (data.shape != net.input_shape())
    throw InputError(fmt::format("data: samples of shape {} do not fit the network input {}",
                                 shape_str(data.shape), shape_str(net.input_shape())));
  if (opts.threads < 0) throw UsageError("--threads must be >= 0");
  const std::size_t sample_size = shape_size(data.shape);
  const std::size_t count = sample_size ? data.x.size() / sample_size : 0;
  if (!data.y.empty() && data.y.size() != count)
    throw InputError("data: label count differs from the sample count");
  const auto& plan = net.layers();
  const std::size_t nl = plan.size();

  std::vector<bool> recorded(nl, opts.record != Record::None && opts.record_layers.empty());
  for (int l : opts.record_layers) {
    if (l < 0 || static_cast<std::size_t>(l) >= nl) throw UsageError(fmt::format("record layer {} does not exist", l));
    recorded[static_cast<std::size_t>(l)] = opts.record != Record::None;
  }
  const Simulator sim(net, opts, recorded, /*digit_level=*/false);

  RunResult r;
  r.samples = count;
  r.steps = sim.steps();
  r.latency_steps = sim.steps();
  r.predictions.assign(count, -1);
  r.sample_spikes.assign(count, 0);
  r.sample_sops.assign(count, 0);
  const std::size_t classes = plan[static_cast<std::size_t>(net.output())].size();
  if (opts.keep_logits) r.logits.assign(count * classes, 0.0f);
  r.layers.resize(nl);
  for (std::size_t l = 0; l < nl; ++l) {
    r.layers[l].name = plan[l].name;
    r.layers[l].neuron = plan[l].neuron;
    r.layers[l].neurons = plan[l].size();
    if (opts.record == Record::Counts && recorded[l]) r.layers[l].counts.assign(count * plan[l].size(), 0.0f);
  }

  const int threads = opts.threads > 0 ? opts.threads : tbb::info::default_concurrency();
  tbb::task_arena arena(threads);
  tbb::enumerable_thread_specific<Worker> workers([&] {
    Worker w;
    sim.init(w);
    for (std::size_t l = 0; l < nl; ++l)
      if (recorded[l]) w.layers[l].out_sum.assign(plan[l].size(), 0.0);
    return w;
  });
  const float inv_t = 1.0f / static_cast<float>(sim.steps());
  const auto t0 = Clock::now();
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, 4), [&](const auto& range) {
      Worker& w = workers.local();
      std::vector<float> scratch;  // per chunk, only when recording
      for (std::size_t i = range.begin(); i != range.end(); ++i) {
        const std::int32_t label = data.y.empty() ? -1 : data.y[i];
        sim.sample(w, data.x.subspan(i * sample_size, sample_size), i, label);
        r.predictions[i] = w.prediction;
        std::uint64_t spikes = 0, sops = 0;
        for (const auto& s : w.layers) spikes += s.spikes, sops += s.sops;
        r.sample_spikes[i] = spikes;
        r.sample_sops[i] = sops;
        if (opts.keep_logits) {
          const auto& p = plan[static_cast<std::size_t>(net.output())];
          for (std::size_t c = 0; c < classes; ++c)
            r.logits[i * classes + static_cast<std::size_t>(p.to_graph[c])] =
                net.is_radix() ? w.logits[c] : w.logits[c] * inv_t;
        }
        for (std::size_t l = 0; l < nl; ++l) {
          if (!recorded[l]) continue;
          scratch.resize(plan[l].size());
          sim.layer_output(w, static_cast<int>(l), scratch);
          auto& sum = w.layers[l].out_sum;
          for (std::size_t k = 0; k < scratch.size(); ++k) sum[k] += scratch[k];
          if (opts.record == Record::Counts)
            std::copy(scratch.begin(), scratch.end(), r.layers[l].counts.begin() + static_cast<std::ptrdiff_t>(i * scratch.size()));
        }
      }
    });
  });
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  r.accuracy.assign(static_cast<std::size_t>(sim.steps()), 0.0);
  std::vector<std::uint64_t> correct(static_cast<std::size_t>(sim.steps()), 0);
  std::vector<std::vector<double>> sums(nl);
  for (std::size_t l = 0; l < nl; ++l)
    if (recorded[l]) sums[l].assign(plan[l].size(), 0.0);
  for (const Worker& w : workers) {
    for (std::size_t t = 0; t < correct.size(); ++t) correct[t] += w.correct[t];
    for (std::size_t l = 0; l < nl; ++l) {
      const LayerState& s = w.layers[l];
      r.layers[l].spikes += s.total_spikes;
      r.layers[l].sops += s.total_sops;
      r.layers[l].analog_macs += s.total_analog_macs;
      r.layers[l].seconds += s.seconds;
      for (std::size_t k = 0; k < sums[l].size(); ++k) sums[l][k] += s.out_sum[k];
    }
  }
  if (!data.y.empty() && count > 0)
    for (std::size_t t = 0; t < correct.size(); ++t)
      r.accuracy[t] = static_cast<double>(correct[t]) / static_cast<double>(count);
  for (std::size_t l = 0; l < nl; ++l) {
    auto& L = r.layers[l];
    r.total_spikes += L.spikes;
    r.total_sops += L.sops;
    r.total_analog_macs += L.analog_macs;
    if (recorded[l] && count > 0) {
      L.mean_output.resize(sums[l].size());
      for (std::size_t k = 0; k < sums[l].size(); ++k)
        L.mean_output[k] = static_cast<float>(sums[l][k] / static_cast<double>(count)) *
                           (net.is_radix() ? 1.0f : inv_t);
    }
  }
  r.ann_macs = net.ann_macs();
  if (count > 0) {
    r.snn_energy_pj = snn_energy_pj(opts.energy, static_cast<double>(r.total_sops),
                                    static_cast<double>(r.total_analog_macs)) /
                      static_cast<double>(count);
  }
  r.ann_energy_pj = ann_energy_pj(opts.energy, static_cast<double>(r.ann_macs));
  return r;
}

SampleTrace simulate(const SpikingNetwork& net, std::span<const float> input, std::size_t index,
                     const RunOptions& opts) {
  if (input.size() != shape_size(net.input_shape()))
    throw InputError(fmt::format("input of {} values does not fit the network input {}",
                                 input.size(), shape_str(net.input_shape())));
  // Every train is kept, so the digit-level path runs (no value links).
  const Simulator sim(net, opts, std::vector<bool>(net.layers().size(), false), /*digit_level=*/true);
  Worker w;
  sim.init(w);
  SampleTrace tr;
  w.trace = &tr.readout;
  sim.sample(w, input, index, -1);
  for (auto& s : w.layers) {
    tr.trains.push_back(std::move(s.train));
    tr.sops.push_back(s.sops);
  }
  return tr;
}

}  // namespace brisk
