#include <brisk/conversion/calibrate.hpp>

#include <Eigen/Cholesky>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

#include <brisk/core/engine/engine.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/parallel.hpp>
#include <brisk/core/engine/network.hpp>

namespace brisk {

namespace {


}  // namespace

AnnCache ann_activations(const Graph& ann, const Dataset& data, const std::vector<char>& keep,
                         int threads) {
  AnnCache cache;
  cache.samples = data.count();
  cache.acts.resize(ann.layers.size());
  for (std::size_t l = 0; l < ann.layers.size(); ++l)
    if (keep[l]) cache.acts[l].assign(cache.samples * shape_size(ann.layers[l].out_shape), 0.0f);
  const std::size_t classes = shape_size(ann.layers[static_cast<std::size_t>(ann.output)].out_shape);
  cache.logits.assign(cache.samples * classes, 0.0f);
  parallel_for(threads, cache.samples, 8, [&](std::size_t begin, std::size_t end) {
    std::vector<std::vector<float>> acts;
    for (std::size_t s = begin; s != end; ++s) {
      const auto logits = forward(ann, data.sample(s), &acts);
      std::copy(logits.begin(), logits.end(), cache.logits.begin() + static_cast<long>(s * classes));
      for (std::size_t l = 0; l < acts.size(); ++l) {
        if (!keep[l]) continue;
        std::copy(acts[l].begin(), acts[l].end(),
                  cache.acts[l].begin() + static_cast<long>(s * acts[l].size()));
      }
    }
  });
  return cache;
}

std::string CalibrationReport::to_json() const {
  nlohmann::json j;
  j["seconds"] = seconds;
  j["engine_runs"] = engine_runs;
  auto stage = [](double v) { return v < 0 ? nlohmann::json(nullptr) : nlohmann::json(v); };
  for (const auto& l : layers)
    j["layers"].push_back({{"layer", l.layer},
                           {"mse_before", l.before},
                           {"mse_after_weights", stage(l.after_weights)},
                           {"mse_after_bias", stage(l.after_bias)},
                           {"mse_after_potential", stage(l.after_potential)},
                           {"mse_after", l.after}});
  return j.dump();
}

namespace {

// ---- small helpers ---------------------------------------------------------------------

std::size_t channels_of(const Layer& l) { return static_cast<std::size_t>(l.out_shape.at(0)); }
std::size_t spatial_of(const Layer& l) { return shape_size(l.out_shape) / channels_of(l); }

float channel_value(const std::vector<float>& v, std::size_t c) { return v.size() == 1 ? v[0] : v[c]; }

double mse(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = double(a[i]) - double(b[i]);
    s += d * d;
  }
  return a.empty() ? 0.0 : s / static_cast<double>(a.size());
}

// Per output channel mean of (target - value) over samples and positions.
std::vector<double> channel_mean_error(const Layer& l, const std::vector<float>& target,
                                       const std::vector<float>& value) {
  const std::size_t ch = channels_of(l), sp = spatial_of(l), n = ch * sp;
  const std::size_t samples = target.size() / n;
  std::vector<double> mean(ch, 0.0);
  for (std::size_t s = 0; s < samples; ++s)
    for (std::size_t c = 0; c < ch; ++c)
      for (std::size_t p = 0; p < sp; ++p) {
        const std::size_t i = s * n + c * sp + p;
        mean[c] += double(target[i]) - double(value[i]);
      }
  for (double& m : mean) m /= static_cast<double>(samples * sp);
  return mean;
}

// Per element (channel-major neuron index) mean of (target - value) over the samples.
std::vector<double> neuron_mean_error(const std::vector<float>& target, const std::vector<float>& value,
                                      std::size_t n) {
  const std::size_t samples = target.size() / n;
  std::vector<double> mean(n, 0.0);
  for (std::size_t s = 0; s < samples; ++s)
    for (std::size_t i = 0; i < n; ++i) mean[i] += double(target[s * n + i]) - double(value[s * n + i]);
  for (double& m : mean) m /= static_cast<double>(samples);
  return mean;
}

// The chain of weightless single-input layers between a weighted layer and the spiking
// layer (or Input) feeding it: returns that source, or nullopt for a branching input.
std::optional<int> spiking_source(const Graph& g, const std::vector<Role>& roles, int layer) {
  int cur = g.layers[static_cast<std::size_t>(layer)].inputs.at(0);
  while (roles[static_cast<std::size_t>(cur)] == Role::Routing) {
    const Layer& l = g.layers[static_cast<std::size_t>(cur)];
    if (l.inputs.size() != 1) return std::nullopt;
    cur = l.inputs[0];
  }
  return cur;
}

// A graph of Input(shape of `from`) followed by the layers after `from` up to and
// including `to` along the single-input chain, with `to`'s activation made linear.
Graph chain_graph(const Graph& g, int from, int to) {
  std::vector<int> chain;
  for (int cur = to; cur != from; cur = g.layers[static_cast<std::size_t>(cur)].inputs.at(0))
    chain.insert(chain.begin(), cur);
  Graph sub;
  Layer input;
  input.name = "input";
  input.op = OpKind::Input;
  input.out_shape = g.layers[static_cast<std::size_t>(from)].out_shape;
  sub.layers.push_back(input);
  for (int idx : chain) {
    Layer copy = g.layers[static_cast<std::size_t>(idx)];
    copy.inputs = {static_cast<int>(sub.layers.size()) - 1};
    sub.layers.push_back(copy);
  }
  sub.layers.back().act = Act::Linear;
  sub.layers.back().act_bits = 0;
  sub.output = static_cast<int>(sub.layers.size()) - 1;
  infer_shapes(sub);
  return sub;
}

// Applies a chain graph to every sample of a [sample][element] matrix.
std::vector<float> apply_chain(const Graph& sub, const std::vector<float>& in, std::size_t samples,
                               int threads) {
  const std::size_t n_in = shape_size(sub.input_shape());
  const std::size_t n_out = shape_size(sub.layers.back().out_shape);
  std::vector<float> out(samples * n_out);
  parallel_for(threads, samples, 16, [&](std::size_t begin, std::size_t end) {
    for (std::size_t s = begin; s != end; ++s) {
      const auto y = forward(sub, std::span<const float>(in.data() + s * n_in, n_in));
      std::copy(y.begin(), y.end(), out.begin() + static_cast<long>(s * n_out));
    }
  });
  return out;
}

// The network up to and including layer `last`, followed (when `last` is not the readout)
// by a one-output readout with zero weights: the engine requires a readout, and one with a
// single output costs one add per spike of `last`.
std::pair<Graph, SnnSpec> truncated(const Graph& g, const SnnSpec& spec, const std::vector<Role>& roles,
                                    int last) {
  Graph t;
  t.meta = g.meta;
  t.layers.assign(g.layers.begin(), g.layers.begin() + last + 1);
  SnnSpec s = spec;
  s.layers.resize(static_cast<std::size_t>(last) + 1);
  if (roles[static_cast<std::size_t>(last)] == Role::Readout) {
    t.output = last;
    return {std::move(t), std::move(s)};
  }
  int producer = last;
  const Layer& l = g.layers[static_cast<std::size_t>(last)];
  if (l.out_shape.size() == 3) {
    Layer flat;
    flat.name = "calibration_flatten";
    flat.op = OpKind::Flatten;
    flat.inputs = {last};
    t.layers.push_back(flat);
    LayerSpec none;
    none.neuron = NeuronKind::None;
    s.layers.push_back(none);
    producer = static_cast<int>(t.layers.size()) - 1;
  }
  Layer probe;
  probe.name = "calibration_probe";
  probe.op = OpKind::Dense;
  probe.inputs = {producer};
  const int n = static_cast<int>(shape_size(l.out_shape));
  probe.weight.assign(static_cast<std::size_t>(n), 0.0f);
  probe.weight_shape = {n, 1};
  t.layers.push_back(probe);
  LayerSpec readout;
  readout.neuron = NeuronKind::Readout;
  s.layers.push_back(readout);
  t.output = static_cast<int>(t.layers.size()) - 1;
  infer_shapes(t);
  return {std::move(t), std::move(s)};
}

// ---- weight calibration: ridge least squares -------------------------------------------

// Feature rows of one sample for a weighted layer: Dense: the input vector; Conv2D: one
// patch per output position, features ordered (cin, ky, kx) like the weight. Each row
// ends with a constant 1 for the bias. Calls row(features, output position).
template <class Row>
void for_each_row(const Layer& l, const std::vector<int>& in_shape, const float* x,
                  std::vector<double>& phi, Row&& row) {
  if (l.op == OpKind::Dense) {
    const std::size_t d = static_cast<std::size_t>(l.weight_shape[0]);
    phi.assign(d + 1, 0.0);
    for (std::size_t i = 0; i < d; ++i) phi[i] = x[i];
    phi[d] = 1.0;
    row(phi, std::size_t{0});
    return;
  }
  const int cin = in_shape[0], ih = in_shape[1], iw = in_shape[2];
  const int oh = l.out_shape[1], ow = l.out_shape[2];
  const int kh = l.kernel_h, kw = l.kernel_w;
  const std::size_t d = static_cast<std::size_t>(cin * kh * kw);
  phi.assign(d + 1, 0.0);
  for (int oy = 0; oy < oh; ++oy)
    for (int ox = 0; ox < ow; ++ox) {
      std::size_t f = 0;
      for (int c = 0; c < cin; ++c)
        for (int ky = 0; ky < kh; ++ky)
          for (int kx = 0; kx < kw; ++kx, ++f) {
            const int y = oy * l.stride_h - l.pad_top + ky, xx = ox * l.stride_w - l.pad_left + kx;
            phi[f] = (y < 0 || y >= ih || xx < 0 || xx >= iw)
                         ? 0.0
                         : x[(static_cast<std::size_t>(c) * ih + y) * iw + xx];
          }
      phi[d] = 1.0;
      row(phi, static_cast<std::size_t>(oy * ow + ox));
    }
}

// Solves A X = B in place for symmetric positive definite A (n x n), B (n x m), both
// row-major, by Eigen's Cholesky factorisation (in double, like the accumulation).
void cholesky_solve(const std::vector<double>& a, std::vector<double>& b, std::size_t n, std::size_t m) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::Map<const RowMajor> A(a.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  Eigen::Map<RowMajor> B(b.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(m));
  const Eigen::LLT<RowMajor> llt(A);
  if (llt.info() != Eigen::Success || !A.allFinite())
    throw InternalError("weight calibration: the Gram matrix is not positive definite");
  llt.solveInPlace(B);
}

// The normal equations (G = sum f f^T, R = sum f z^T) of a least-squares fit of `cout`
// outputs on feature rows of length D, one accumulator per fixed block of samples.
struct GramBlock {
  std::vector<double> g, r;
  std::vector<std::size_t> nz;  // scratch: the row's nonzero features
  // Adds the feature row f; its targets are z[o * stride] for o < cout.
  void add(const double* f, const float* z, std::size_t stride, std::size_t D, std::size_t cout) {
    nz.clear();
    for (std::size_t i = 0; i < D; ++i)
      if (f[i] != 0.0) nz.push_back(i);
    for (std::size_t i : nz) {
      double* gi = g.data() + i * D;
      for (std::size_t j : nz) gi[j] += f[i] * f[j];
      double* ri = r.data() + i * cout;
      for (std::size_t o = 0; o < cout; ++o) ri[o] += f[i] * z[o * stride];
    }
  }
};

// Sums the blocks in block order (the result does not depend on the thread count) and
// solves the ridge problem pulled towards the current weights, (G + rho I) W = R + rho W0,
// rho = ridge * trace(G) / D. w0(f, o): the current weight of feature f for output o.
// Returns W, row-major [D][cout].
template <class W0>
std::vector<double> solve_ridge(const std::vector<GramBlock>& blocks, std::size_t D, std::size_t cout,
                                double ridge, W0&& w0) {
  std::vector<double> g(D * D, 0.0), r(D * cout, 0.0);
  for (const GramBlock& a : blocks) {
    for (std::size_t i = 0; i < g.size(); ++i) g[i] += a.g[i];
    for (std::size_t i = 0; i < r.size(); ++i) r[i] += a.r[i];
  }
  double trace = 0;
  for (std::size_t i = 0; i < D; ++i) trace += g[i * D + i];
  const double rho = ridge * trace / static_cast<double>(D) + 1e-12;
  for (std::size_t i = 0; i < D; ++i) {
    g[i * D + i] += rho;
    for (std::size_t o = 0; o < cout; ++o) r[i * cout + o] += rho * w0(i, o);
  }
  cholesky_solve(g, r, D, cout);
  return r;
}

// Fits the layer's weights and bias (ANN units) so that its current on the spiking input
// rates `x_snn` matches the ANN's pre-activation `z_ann`. The Gram matrix is accumulated
// over a fixed number of sample blocks and summed in block order (thread-count invariant).
void fit_weights(Layer& layer, const std::vector<int>& in_shape, const std::vector<float>& x_snn,
                 const std::vector<float>& z_ann, std::size_t samples, double ridge, int threads) {
  const std::size_t n_in = shape_size(in_shape), n_out = shape_size(layer.out_shape);
  const std::size_t cout = static_cast<std::size_t>(layer.op == OpKind::Dense ? layer.weight_shape[1]
                                                                              : layer.weight_shape[0]);
  const std::size_t d = layer.weight.size() / cout, D = d + 1;
  const std::size_t positions = n_out / cout;
  constexpr std::size_t kBlocks = 8;
  std::vector<GramBlock> acc(kBlocks);
  // Fixed blocks of samples, summed in block order: the sums do not depend on the threads.
  parallel_for(threads, kBlocks, 1, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b != b1; ++b) {
      GramBlock& a = acc[b];
      a.g.assign(D * D, 0.0);
      a.r.assign(D * cout, 0.0);
      std::vector<double> phi;
      for (std::size_t s = b * samples / kBlocks; s < (b + 1) * samples / kBlocks; ++s) {
        const float* z = z_ann.data() + s * n_out;
        for_each_row(layer, in_shape, x_snn.data() + s * n_in, phi, [&](const std::vector<double>& f, std::size_t pos) {
          a.add(f.data(), z + pos, positions, D, cout);
        });
      }
    }
  });
  // Pull towards the current weights.
  const std::vector<double> r = solve_ridge(acc, D, cout, ridge, [&](std::size_t f, std::size_t o) -> double {
    if (f == d) return layer.bias.empty() ? 0.0 : layer.bias[o];
    return layer.op == OpKind::Dense ? layer.weight[f * cout + o] : layer.weight[o * d + f];
  });
  layer.bias.resize(cout);
  for (std::size_t o = 0; o < cout; ++o) {
    layer.bias[o] = static_cast<float>(r[d * cout + o]);
    for (std::size_t f = 0; f < d; ++f) {
      float& w = layer.op == OpKind::Dense ? layer.weight[f * cout + o] : layer.weight[o * d + f];
      w = static_cast<float>(r[f * cout + o]);
    }
  }
}

// The weighted synapses into one population (the Dense/Conv2D branches of a residual Add)
// fitted jointly: a feature row per output position is the concatenation of every
// synapse's patch (its own geometry), plus a constant 1 for the population's bias. One
// Gram matrix over all synapses, accumulated and pulled towards the current weights as in
// fit_weights().
struct JointSynapse {
  Layer* layer;
  std::vector<int> in_shape;
  std::vector<float> x;  // its input as the SNN delivers it, [sample][element]
};

void fit_joint(std::vector<JointSynapse>& syn, std::vector<float>& bias, std::size_t cout,
               std::size_t positions, const std::vector<float>& z_ann, std::size_t samples,
               double ridge, int threads) {
  std::vector<std::size_t> off, dims;
  std::size_t d = 0;
  for (const auto& j : syn) {
    off.push_back(d);
    dims.push_back(j.layer->weight.size() / cout);
    d += dims.back();
  }
  const std::size_t D = d + 1, n_out = cout * positions;
  constexpr std::size_t kBlocks = 8;
  std::vector<GramBlock> acc(kBlocks);
  parallel_for(threads, kBlocks, 1, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b != b1; ++b) {
      GramBlock& a = acc[b];
      a.g.assign(D * D, 0.0);
      a.r.assign(D * cout, 0.0);
      std::vector<double> phi, rows(positions * D);
      for (std::size_t s = b * samples / kBlocks; s < (b + 1) * samples / kBlocks; ++s) {
        std::fill(rows.begin(), rows.end(), 0.0);
        for (std::size_t k = 0; k < syn.size(); ++k) {
          const std::size_t n_in = shape_size(syn[k].in_shape);
          for_each_row(*syn[k].layer, syn[k].in_shape, syn[k].x.data() + s * n_in, phi,
                       [&](const std::vector<double>& f, std::size_t pos) {
                         std::copy_n(f.begin(), dims[k], rows.begin() + static_cast<long>(pos * D + off[k]));
                       });
        }
        const float* z = z_ann.data() + s * n_out;
        for (std::size_t pos = 0; pos < positions; ++pos) {
          double* f = rows.data() + pos * D;
          f[d] = 1.0;
          a.add(f, z + pos, positions, D, cout);
        }
      }
    }
  });
  auto weight = [&](std::size_t f, std::size_t o) -> float& {
    std::size_t k = 0;
    while (k + 1 < syn.size() && f >= off[k + 1]) ++k;
    Layer& l = *syn[k].layer;
    const std::size_t fk = f - off[k];
    return l.op == OpKind::Dense ? l.weight[fk * cout + o] : l.weight[o * dims[k] + fk];
  };
  if (bias.empty()) bias.assign(cout, 0.0f);
  const std::vector<double> r = solve_ridge(acc, D, cout, ridge, [&](std::size_t i, std::size_t o) -> double {
    return i == d ? bias[o] : weight(i, o);
  });
  for (std::size_t o = 0; o < cout; ++o) {
    bias[o] = static_cast<float>(r[d * cout + o]);
    for (std::size_t f = 0; f < d; ++f) weight(f, o) = static_cast<float>(r[f * cout + o]);
  }
}

// ---- the calibration loop --------------------------------------------------------------

class Calibrator {
 public:
  Calibrator(Conversion& c, const Dataset& data, const AnnCache& cache, const CalibrationOptions& o)
      : c_(c), data_(data), cache_(cache), opts_(o), roles_(layer_roles(c.ann)), work_(c.ann) {}

  CalibrationReport run() {
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t l = 0; l < roles_.size(); ++l)
      if (roles_[l] == Role::Neurons || roles_[l] == Role::Readout) calibrate_layer(static_cast<int>(l));
    if (pending_) measure(pending_->layer);  // the last layer's final error
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return report_;
  }

 private:
  struct Measured {
    std::vector<float> out;  // the layer's SNN output, ANN units, [sample][element]
    std::vector<std::vector<float>> src;  // the spiking sources' outputs (when asked)
  };
  enum class Stage { Weights, Bias, Potential };
  // The error after a layer's last stage is measured by the next engine run (which has to
  // run anyway for the next layer), saving one run per layer.
  struct Pending {
    std::size_t report;
    int layer;
    Stage stage;
  };

  // SNN output of a spiking layer in ANN units: payload sums * θ / T.
  std::vector<float> to_ann_units(int l, std::vector<float> counts) const {
    const Layer& layer = c_.graph.layers[static_cast<std::size_t>(l)];
    const auto& theta = c_.spec.layers[static_cast<std::size_t>(l)].threshold;
    const std::size_t sp = spatial_of(layer), n = shape_size(layer.out_shape);
    const float inv_t = 1.0f / static_cast<float>(c_.spec.timesteps);
    for (std::size_t i = 0; i < counts.size(); ++i)
      counts[i] *= channel_value(theta, (i % n) / sp) * inv_t;
    return counts;
  }

  void set_stage(std::size_t report, Stage stage, double value) {
    LayerCalibration& r = report_.layers[report];
    (stage == Stage::Weights ? r.after_weights : stage == Stage::Bias ? r.after_bias : r.after_potential) = value;
    r.after = value;
  }

  Measured measure(int l, const std::vector<int>& srcs = {}) {
    rescale_weights(work_, c_.spec, c_.graph);
    // Layers after l do not influence it: simulate the network truncated after l.
    const auto [graph, spec] = truncated(c_.graph, c_.spec, roles_, l);
    const SpikingNetwork net = compile(graph, spec);
    RunOptions o;
    o.threads = opts_.threads;
    o.max_memory = opts_.max_memory;
    o.record = Record::Counts;
    o.record_layers = {l};
    for (int src : srcs) o.record_layers.push_back(src);
    const int pending = pending_ ? pending_->layer : -1;
    if (pending > 0 && pending != l) o.record_layers.push_back(pending);
    o.keep_logits = roles_[static_cast<std::size_t>(l)] == Role::Readout;
    RunResult r = brisk::run(net, data_, o);
    ++report_.engine_runs;
    Measured m;
    if (o.keep_logits) m.out = std::move(r.logits);
    else m.out = to_ann_units(l, std::move(r.layers[static_cast<std::size_t>(l)].counts));
    for (int src : srcs)
      m.src.push_back(to_ann_units(src, r.layers[static_cast<std::size_t>(src)].counts));
    if (pending_) {
      const double e = pending == l ? mse(m.out, target(l))
                                    : mse(to_ann_units(pending, std::move(r.layers[static_cast<std::size_t>(pending)].counts)),
                                          target(pending));
      set_stage(pending_->report, pending_->stage, e);
      pending_.reset();
    }
    return m;
  }

  const std::vector<float>& target(int l) const {
    return roles_[static_cast<std::size_t>(l)] == Role::Readout ? cache_.logits
                                                                : cache_.acts[static_cast<std::size_t>(l)];
  }

  void calibrate_layer(int l) {
    Layer& layer = work_.layers[static_cast<std::size_t>(l)];
    const std::size_t idx = report_.layers.size();
    report_.layers.push_back(LayerCalibration{});
    report_.layers[idx].layer = layer.name;
    const auto source = spiking_source(work_, roles_, l);
    const auto joint = joint_synapses(l);
    std::vector<int> sources;  // the spiking layers whose output the weight fit needs
    if (opts_.weights && source && roles_[static_cast<std::size_t>(*source)] == Role::Neurons)
      sources = {*source};
    else if (opts_.weights && !joint.empty())
      for (const auto& [syn, src] : joint) sources.push_back(src);
    std::vector<Stage> stages;
    if (!sources.empty()) stages.push_back(Stage::Weights);
    if (opts_.bias) stages.push_back(Stage::Bias);
    if (opts_.potential && roles_[static_cast<std::size_t>(l)] == Role::Neurons) stages.push_back(Stage::Potential);

    Measured m = measure(l, sources);
    report_.layers[idx].before = report_.layers[idx].after = mse(m.out, target(l));
    for (std::size_t i = 0; i < stages.size(); ++i) {
      switch (stages[i]) {
        case Stage::Weights:
          if (joint.empty()) fit_layer(l, *source, m.src.front());
          else fit_population(l, joint, m.src);
          break;
        case Stage::Bias: correct_bias(l, m.out); break;
        case Stage::Potential: correct_potential(l, m.out); break;
      }
      if (i + 1 == stages.size()) {
        pending_ = Pending{idx, l, stages[i]};
      } else {
        m = measure(l);
        set_stage(idx, stages[i], mse(m.out, target(l)));
      }
    }
  }

  // A population after a residual Add: its synapses (Synapse layers) with the spiking
  // layer feeding each, when every one has a spiking source (else empty: no weight stage).
  // Affine synapses (identity shortcuts, unfolded BN) are held fixed in the fit.
  std::vector<std::pair<int, int>> joint_synapses(int l) const {
    const Layer& layer = work_.layers[static_cast<std::size_t>(l)];
    std::vector<std::pair<int, int>> out;
    if (layer.op != OpKind::Add || roles_[static_cast<std::size_t>(l)] != Role::Neurons) return {};
    bool weighted = false;
    for (int p : layer.inputs) {
      const OpKind op = work_.layers[static_cast<std::size_t>(p)].op;
      const auto src = spiking_source(work_, roles_, p);
      if (roles_[static_cast<std::size_t>(p)] != Role::Synapse || !src ||
          roles_[static_cast<std::size_t>(*src)] != Role::Neurons)
        return {};
      weighted |= op == OpKind::Dense || op == OpKind::Conv2D;
      out.emplace_back(p, *src);
    }
    return weighted ? out : std::vector<std::pair<int, int>>{};
  }

  // Joint weight calibration of a population's synapses: the target is the ANN's sum of
  // the branches (plus the population's bias), minus the fixed (Affine) synapses' current
  // on their spiking input.
  void fit_population(int l, const std::vector<std::pair<int, int>>& joint,
                      const std::vector<std::vector<float>>& src_values) {
    Layer& pop = work_.layers[static_cast<std::size_t>(l)];
    const std::size_t samples = data_.count();
    const std::size_t cout = channels_of(pop), positions = spatial_of(pop), n_out = cout * positions;
    std::vector<float> z(samples * n_out, 0.0f);
    const Layer& ann_pop = c_.ann.layers[static_cast<std::size_t>(l)];
    for (std::size_t i = 0; i < z.size(); ++i)
      z[i] = ann_pop.bias.empty() ? 0.0f : ann_pop.bias[(i % n_out) / positions];
    std::vector<JointSynapse> fitted;
    for (std::size_t k = 0; k < joint.size(); ++k) {
      const auto [p, source] = joint[k];
      const auto& ann_out = cache_.acts[static_cast<std::size_t>(p)];
      for (std::size_t i = 0; i < z.size(); ++i) z[i] += ann_out[i];
      Layer& syn = work_.layers[static_cast<std::size_t>(p)];
      const int in = syn.inputs.at(0);
      std::vector<float> x = in == source ? src_values[k]
                                          : apply_chain(chain_graph(work_, source, in), src_values[k],
                                                        samples, opts_.threads);
      if (syn.op == OpKind::Affine) {  // fixed: its current on the SNN input leaves the target
        for (std::size_t i = 0; i < z.size(); ++i) z[i] -= syn.scale[(i % n_out) / positions] * x[i];
        continue;
      }
      fitted.push_back({&syn, work_.layers[static_cast<std::size_t>(in)].out_shape, std::move(x)});
    }
    fit_joint(fitted, pop.bias, cout, positions, z, samples, opts_.ridge, opts_.threads);
  }

  // Bias correction: the mean error per channel, added to the bias (current every step).
  void correct_bias(int l, const std::vector<float>& out) {
    Layer& layer = work_.layers[static_cast<std::size_t>(l)];
    const auto delta = channel_mean_error(layer, target(l), out);
    layer.bias.resize(delta.size(), 0.0f);
    for (std::size_t ch = 0; ch < delta.size(); ++ch) layer.bias[ch] += static_cast<float>(delta[ch]);
  }

  // Potential correction: T times the mean error, added to V0 per channel or per neuron.
  void correct_potential(int l, const std::vector<float>& out) {
    const Layer& layer = work_.layers[static_cast<std::size_t>(l)];
    LayerSpec& s = c_.spec.layers[static_cast<std::size_t>(l)];
    const double t = c_.spec.timesteps;
    if (opts_.potential_scope == PotentialScope::Channel) {
      const auto delta = channel_mean_error(layer, target(l), out);
      std::vector<float> v0(delta.size(), 0.0f);
      for (std::size_t ch = 0; ch < delta.size(); ++ch)
        v0[ch] = (s.v0.empty() ? 0.0f : channel_value(s.v0, ch)) + static_cast<float>(t * delta[ch]);
      s.v0 = std::move(v0);
      return;
    }
    const std::size_t sp = spatial_of(layer), n = channels_of(layer) * sp;
    const auto delta = neuron_mean_error(target(l), out, n);
    std::vector<float> v0(n, 0.0f);
    for (std::size_t i = 0; i < n; ++i) {
      const float before = s.v0.empty() ? 0.0f : s.v0.size() == n ? s.v0[i] : channel_value(s.v0, i / sp);
      v0[i] = before + static_cast<float>(t * delta[i]);
    }
    s.v0 = std::move(v0);
  }

  void fit_layer(int l, int source, const std::vector<float>& src_values) {
    Layer& layer = work_.layers[static_cast<std::size_t>(l)];
    const int in = layer.inputs.at(0);
    const auto& in_shape = work_.layers[static_cast<std::size_t>(in)].out_shape;
    const std::size_t samples = data_.count();
    // The weighted layer's input as the SNN delivers it (rates through the routing chain)
    // and the ANN's pre-activation on its own input.
    std::vector<float> x_snn = in == source ? src_values
                                            : apply_chain(chain_graph(work_, source, in), src_values,
                                                          samples, opts_.threads);
    const std::vector<float> z_ann = apply_chain(chain_graph(c_.ann, in, l),
                                                 cache_.acts[static_cast<std::size_t>(in)], samples,
                                                 opts_.threads);
    fit_weights(layer, in_shape, x_snn, z_ann, samples, opts_.ridge, opts_.threads);
  }

  Conversion& c_;
  const Dataset& data_;
  const AnnCache& cache_;
  CalibrationOptions opts_;
  std::vector<Role> roles_;
  Graph work_;  // ANN units: the stages edit its weights and biases
  CalibrationReport report_;
  std::optional<Pending> pending_;
};

}  // namespace

CalibrationReport calibrate(Conversion& c, const Dataset& data, const AnnCache& cache,
                            const CalibrationOptions& opts) {
  if (c.spec.method == "radix")
    throw UsageError("--calibrate: radix networks are exact by construction; calibration "
                     "applies to rate, termap and augmap");
  if (cache.samples != data.count() || cache.samples == 0)
    throw InternalError("calibrate: the ANN cache does not match the calibration data");
  return Calibrator(c, data, cache, opts).run();
}

}  // namespace brisk
