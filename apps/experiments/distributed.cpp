#include <brisk/apps/experiments/distributed.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <new>
#include <optional>
#include <thread>

#include <nlohmann/json.hpp>

#include <brisk/conversion/import/load_model.hpp>
#include <brisk/core/base/error.hpp>
#include <brisk/core/base/parallel.hpp>
#include <brisk/core/engine/engine.hpp>

#ifdef BRISK_HAVE_MPI
#include <mpi.h>
#endif

namespace brisk::experiments {

namespace {

using Clock = std::chrono::steady_clock;

// One process: every collective is the identity, fail() rethrows as is.
class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void sum(std::span<std::uint64_t>) override {}
  void broadcast(std::string&) override {}
  std::vector<std::string> gather(const std::string& bytes) override { return {bytes}; }
  std::unique_ptr<Communicator> split(int) override { return std::make_unique<SingleProcess>(); }
  void check() override {}
  [[noreturn]] void fail(std::exception_ptr error) override { std::rethrow_exception(error); }
};

#ifdef BRISK_HAVE_MPI

// The error an exception stands for, as every rank will throw it.
struct ErrorLine {
  std::string message;
  ErrorKind kind = ErrorKind::Internal;
};

// An error every rank of one communicator already agreed on (and throws): a second
// agreement on that communicator would wait for ranks that have gone on.
class AgreedError final : public Error {
 public:
  AgreedError(const std::string& message, ErrorKind kind, const void* by) : Error(message, kind), by_(by) {}
  const void* by() const { return by_; }

 private:
  const void* by_;
};

ErrorLine describe(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return {e.what(), e.kind()};
  } catch (const std::bad_alloc&) {
    return {"out of memory", ErrorKind::Failure};  // as apps/cli/main.cpp reports it
  } catch (const std::exception& e) {
    return {fmt::format("internal: {}", e.what()), ErrorKind::Internal};
  } catch (...) {
    return {"internal: unknown exception", ErrorKind::Internal};
  }
}

class MpiCommunicator final : public Communicator {
 public:
  // The world: initializes MPI. Ranks other than 0 print nothing from here to the end of
  // the process (std::cout and std::cerr without a buffer drop what they are given), not
  // even the error line that apps/cli/main.cpp prints after this communicator is gone.
  MpiCommunicator() : comm_(MPI_COMM_WORLD), world_(true) {
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
      throw Error("MPI: MPI_Init_thread failed");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    if (rank_ != 0) {
      std::cout.rdbuf(nullptr);
      std::cerr.rdbuf(nullptr);
    }
  }
  // A sub-group of `parent` (split()).
  MpiCommunicator(MPI_Comm comm) : comm_(comm), world_(false) {  // NOLINT: explicit by use
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;
  ~MpiCommunicator() override {
    if (!world_) {
      MPI_Comm_free(&comm_);
      return;
    }
    MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void sum(std::span<std::uint64_t> values) override {
    agree(nullptr);
    ok(MPI_Allreduce(MPI_IN_PLACE, values.data(), checked_int(values.size()), MPI_UINT64_T, MPI_SUM, comm_),
       "MPI_Allreduce");
  }

  void broadcast(std::string& bytes) override {
    agree(nullptr);
    std::uint64_t n = bytes.size();
    ok(MPI_Bcast(&n, 1, MPI_UINT64_T, 0, comm_), "MPI_Bcast");
    bytes.resize(n);
    ok(MPI_Bcast(bytes.data(), checked_int(n), MPI_CHAR, 0, comm_), "MPI_Bcast");
  }

  std::vector<std::string> gather(const std::string& bytes) override {
    agree(nullptr);
    const int n = checked_int(bytes.size());
    std::vector<int> counts(rank_ == 0 ? static_cast<std::size_t>(size_) : 0);
    ok(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm_), "MPI_Gather");
    std::vector<int> offsets(counts.size(), 0);
    std::size_t total = 0;
    for (std::size_t r = 0; r < counts.size(); ++r) {
      offsets[r] = checked_int(total);
      total += static_cast<std::size_t>(counts[r]);
    }
    std::string all(total, '\0');
    ok(MPI_Gatherv(bytes.data(), n, MPI_CHAR, all.data(), counts.data(), offsets.data(), MPI_CHAR, 0, comm_),
       "MPI_Gatherv");
    std::vector<std::string> out;
    for (std::size_t r = 0; r < counts.size(); ++r)
      out.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(counts[r])));
    return out;
  }

  std::unique_ptr<Communicator> split(int color) override {
    agree(nullptr);
    MPI_Comm sub = MPI_COMM_NULL;
    ok(MPI_Comm_split(comm_, color, rank_, &sub), "MPI_Comm_split");
    MPI_Comm_set_errhandler(sub, MPI_ERRORS_RETURN);
    return std::make_unique<MpiCommunicator>(sub);
  }

  void check() override { agree(nullptr); }

  [[noreturn]] void fail(std::exception_ptr error) override {
    try {
      std::rethrow_exception(error);
    } catch (const AgreedError& e) {
      if (e.by() == this) throw;
    } catch (...) {
    }
    const ErrorLine line = describe(error);
    agree(&line);
    throw InternalError("MPI: a failed rank was not reported");  // agree() throws first
  }

 private:
  static int checked_int(std::size_t n) {
    if (n > static_cast<std::size_t>(INT32_MAX)) throw Error(fmt::format("MPI: a message of {} bytes is too large", n));
    return static_cast<int>(n);
  }
  static void ok(int rc, const char* what) {
    if (rc != MPI_SUCCESS) throw Error(fmt::format("MPI: {} failed (error {})", what, rc));
  }

  // Every collective starts here: the lowest failed rank (or none) is agreed with a
  // non-blocking reduction that sleeps between tests, so that ranks waiting for a slower
  // one (rank 0 writing, a larger block) leave the cores to the ranks still working.
  // Then that rank's error line goes to all and every rank throws it.
  void agree(const ErrorLine* mine) {
    int me = mine ? rank_ : size_;
    int lowest = size_;
    MPI_Request request = MPI_REQUEST_NULL;
    ok(MPI_Iallreduce(&me, &lowest, 1, MPI_INT, MPI_MIN, comm_, &request), "MPI_Iallreduce");
    int done = 0;
    auto pause = std::chrono::microseconds(20);
    for (ok(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test"); !done;
         ok(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test")) {
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::microseconds(2000));
    }
    if (lowest == size_) return;
    int kind = mine ? static_cast<int>(mine->kind) : 0;
    std::string message = rank_ == lowest && mine ? mine->message : std::string();
    std::uint64_t n = message.size();
    ok(MPI_Bcast(&kind, 1, MPI_INT, lowest, comm_), "MPI_Bcast");
    ok(MPI_Bcast(&n, 1, MPI_UINT64_T, lowest, comm_), "MPI_Bcast");
    message.resize(n);
    ok(MPI_Bcast(message.data(), checked_int(n), MPI_CHAR, lowest, comm_), "MPI_Bcast");
    throw AgreedError(message, static_cast<ErrorKind>(kind), this);
  }

  MPI_Comm comm_;
  bool world_;
  int rank_ = 0, size_ = 1;
};

bool under_mpi_launcher() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (const char* s = std::getenv(v); s && *s) return true;
  return false;
}

#endif  // BRISK_HAVE_MPI

Dataset slice(const Dataset& d, Block b) {
  Dataset part;
  part.shape = d.shape;
  part.num_classes = d.num_classes;
  part.source = d.source;
  const std::size_t n = d.sample_size();
  part.x.assign(d.x.begin() + static_cast<std::ptrdiff_t>(b.first * n),
                d.x.begin() + static_cast<std::ptrdiff_t>(b.last * n));
  part.y.assign(d.y.begin() + static_cast<std::ptrdiff_t>(b.first), d.y.begin() + static_cast<std::ptrdiff_t>(b.last));
  return part;
}

std::uint64_t count_equal(const std::vector<int>& a, std::span<const std::int32_t> b) {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < a.size(); ++i) n += a[i] == b[i] ? 1 : 0;
  return n;
}

template <class T>
void append_bytes(std::string& out, const std::vector<T>& v) {
  out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <class T>
std::vector<T> read_bytes(const std::string& in, std::size_t& at, std::size_t n) {
  if (at + n * sizeof(T) > in.size()) throw InternalError("MPI: a rank's per-sample results are short");
  std::vector<T> v(n);
  std::memcpy(v.data(), in.data() + at, n * sizeof(T));
  at += n * sizeof(T);
  return v;
}

nlohmann::json row_json(const SweepRow& r) {
  return {{"method", r.method}, {"stage", r.stage}, {"timesteps", r.timesteps}, {"latency", r.latency},
          {"ann", r.ann}, {"reference", r.reference}, {"snn", r.snn}, {"agreement", r.agreement},
          {"spikes", r.spikes}, {"sops", r.sops}, {"energy_uj", r.energy_uj}, {"ann_energy_uj", r.ann_energy_uj},
          {"convert_seconds", r.convert_seconds}, {"run_seconds", r.run_seconds},
          {"calibration_report", r.calibration_report}};
}

SweepRow row_from_json(const nlohmann::json& j) {
  SweepRow r;
  r.method = j.at("method").get<std::string>();
  r.stage = j.at("stage").get<std::string>();
  r.timesteps = j.at("timesteps").get<int>();
  r.latency = j.at("latency").get<int>();
  r.ann = j.at("ann").get<double>();
  r.reference = j.at("reference").get<double>();
  r.snn = j.at("snn").get<double>();
  r.agreement = j.at("agreement").get<double>();
  r.spikes = j.at("spikes").get<double>();
  r.sops = j.at("sops").get<double>();
  r.energy_uj = j.at("energy_uj").get<double>();
  r.ann_energy_uj = j.at("ann_energy_uj").get<double>();
  r.convert_seconds = j.at("convert_seconds").get<double>();
  r.run_seconds = j.at("run_seconds").get<double>();
  r.calibration_report = j.at("calibration_report").get<std::string>();
  return r;
}

}  // namespace

bool mpi_built() {
#ifdef BRISK_HAVE_MPI
  return true;
#else
  return false;
#endif
}

std::unique_ptr<Communicator> make_communicator() {
#ifdef BRISK_HAVE_MPI
  if (under_mpi_launcher()) return std::make_unique<MpiCommunicator>();
#endif
  return std::make_unique<SingleProcess>();
}

Block block_of(std::size_t count, int rank, int size) {
  const auto p = static_cast<std::size_t>(std::max(size, 1));
  const auto r = static_cast<std::size_t>(std::clamp(rank, 0, std::max(size, 1) - 1));
  const std::size_t base = count / p, extra = count % p;
  const std::size_t first = r * base + std::min(r, extra);
  return {first, first + base + (r < extra ? 1 : 0)};
}

Evaluation evaluate_distributed(Communicator& comm, const Conversion& c, const Dataset& d, int timesteps,
                                int threads, const EnergyModel& energy, std::uint64_t max_memory) {
  if (comm.size() == 1) return evaluate(c, d, timesteps, threads, energy, max_memory);
  // The checks of evaluate(), in its order (every rank sees the same inputs).
  if (d.count() == 0) throw InputError(fmt::format("{}: no samples", d.source));
  check_sample_shape(c.ann, d.shape, d.source);
  check_labels(c.ann, d);
  const SpikingNetwork net = compile(c.graph, c.spec);
  const Block block = block_of(d.count(), comm.rank(), comm.size());
  check_run_memory(net, net.is_radix() || timesteps <= 0 ? net.total_steps() : timesteps,
                   resolve_threads(threads), block.size(), max_memory);
  const Dataset part = slice(d, block);

  const auto t0 = Clock::now();
  Evaluation e;
  e.data = d.source;
  e.samples = d.count();
  e.energy = energy;
  e.quantized_reference = c.spec.method == "radix";
  const std::vector<int> ann_pred = ann_predictions(c.ann, part, threads);
  const std::vector<int> ref_pred = e.quantized_reference ? ann_predictions(reference_ann(c), part, threads) : ann_pred;
  RunOptions ro;
  ro.threads = threads;
  ro.timesteps = timesteps;
  ro.max_memory = max_memory;
  ro.energy = energy;
  ro.first_sample = block.first;
  RunResult r = run(net, DataView{part.x, part.y, c.ann.input_shape()}, ro);
  std::uint64_t agree = 0;
  for (std::size_t i = 0; i < part.count(); ++i) agree += r.predictions[i] == ref_pred[i] ? 1 : 0;

  // Exact counts, summed over the ranks: [ann correct, reference correct, agreement,
  // correct at each step..., per layer (spikes, SOPs, analog MACs)...].
  const std::size_t steps = r.correct_at_step.size(), nl = r.layers.size();
  std::vector<std::uint64_t> tally{count_equal(ann_pred, part.y), count_equal(ref_pred, part.y), agree};
  tally.insert(tally.end(), r.correct_at_step.begin(), r.correct_at_step.end());
  for (const auto& l : r.layers) tally.insert(tally.end(), {l.spikes, l.sops, l.analog_macs});
  comm.sum(tally);

  // The per-sample results, in sample order on rank 0 (blocks are contiguous, in rank order).
  std::string mine;
  append_bytes(mine, r.predictions);
  append_bytes(mine, r.sample_spikes);
  append_bytes(mine, r.sample_sops);
  const std::vector<std::string> parts = comm.gather(mine);
  r.predictions.clear(), r.sample_spikes.clear(), r.sample_sops.clear();
  for (int rank = 0; rank < static_cast<int>(parts.size()); ++rank) {
    const std::size_t n = block_of(d.count(), rank, comm.size()).size();
    std::size_t at = 0;
    const std::string& p = parts[static_cast<std::size_t>(rank)];
    for (auto v : read_bytes<std::int32_t>(p, at, n)) r.predictions.push_back(v);
    for (auto v : read_bytes<std::uint64_t>(p, at, n)) r.sample_spikes.push_back(v);
    for (auto v : read_bytes<std::uint64_t>(p, at, n)) r.sample_sops.push_back(v);
  }

  // The figures from the counts, with evaluate()'s and run()'s arithmetic.
  const auto count = static_cast<double>(d.count());
  e.ann_accuracy = static_cast<double>(tally[0]) / count;
  e.ref_accuracy = static_cast<double>(tally[1]) / count;
  e.agreement = static_cast<double>(tally[2]) / count;
  r.samples = d.count();
  r.correct_at_step.assign(tally.begin() + 3, tally.begin() + 3 + static_cast<std::ptrdiff_t>(steps));
  for (std::size_t t = 0; t < steps; ++t) r.accuracy[t] = static_cast<double>(r.correct_at_step[t]) / count;
  r.total_spikes = r.total_sops = r.total_analog_macs = 0;
  for (std::size_t l = 0; l < nl; ++l) {
    auto& L = r.layers[l];
    L.spikes = tally[3 + steps + 3 * l];
    L.sops = tally[3 + steps + 3 * l + 1];
    L.analog_macs = tally[3 + steps + 3 * l + 2];
    r.total_spikes += L.spikes;
    r.total_sops += L.sops;
    r.total_analog_macs += L.analog_macs;
  }
  r.snn_energy_pj = snn_energy_pj(energy, static_cast<double>(r.total_sops), static_cast<double>(r.total_analog_macs)) / count;
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  e.result = std::move(r);
  e.timesteps = e.result.steps;
  return e;
}

SweepPlan plan_sweep(const std::vector<SweepConfig>& configs, std::size_t samples, std::size_t calib_samples,
                     int ranks) {
  const int p = std::max(ranks, 1);
  const std::size_t n = configs.size();
  std::vector<double> sim(n), conv(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& cal = configs[i].calibration;
    const int stages = (cal.weights ? 1 : 0) + (cal.bias ? 1 : 0) + (cal.potential ? 1 : 0);
    const double t = std::max(configs[i].timesteps, 1);
    sim[i] = static_cast<double>(samples) * t;
    conv[i] = static_cast<double>(calib_samples) * t * stages;
  }
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return sim[a] + conv[a] > sim[b] + conv[b]; });

  SweepPlan best;
  best.group_of_rank.assign(static_cast<std::size_t>(p), 0);
  best.group_of_config.assign(n, 0);
  double best_finish = -1;
  const int max_groups = std::max(1, std::min(p, static_cast<int>(std::min<std::size_t>(n, INT32_MAX))));
  for (int g = 1; g <= max_groups; ++g) {
    std::vector<double> load(static_cast<std::size_t>(g), 0.0);
    std::vector<int> group_of_config(n, 0);
    for (std::size_t i : order) {
      std::size_t pick = 0;
      double pick_finish = 0;
      for (int k = 0; k < g; ++k) {
        const auto ranks_k = static_cast<double>(block_of(static_cast<std::size_t>(p), k, g).size());
        const double finish = load[static_cast<std::size_t>(k)] + sim[i] / ranks_k + conv[i];
        if (k == 0 || finish < pick_finish) pick = static_cast<std::size_t>(k), pick_finish = finish;
      }
      load[pick] = pick_finish;
      group_of_config[i] = static_cast<int>(pick);
    }
    const double finish = *std::max_element(load.begin(), load.end());
    if (best_finish < 0 || finish <= best_finish) {
      best_finish = finish;
      best.groups = g;
      best.group_of_config = std::move(group_of_config);
      for (int k = 0; k < g; ++k) {
        const Block b = block_of(static_cast<std::size_t>(p), k, g);
        for (std::size_t r = b.first; r < b.last; ++r) best.group_of_rank[r] = k;
      }
    }
  }
  return best;
}

Sweep run_sweep_distributed(Communicator& comm, const ConversionInputs& in, const Dataset& d, const SweepOptions& o,
                            const std::function<void(const SweepRow&)>& on_row) {
  if (comm.size() == 1)
    return run_sweep(in, d, o, [&](const Sweep& sw) {
      if (on_row) on_row(sw.rows.back());
    });
  const std::vector<SweepConfig> configs = sweep_configs(o);
  Sweep s = empty_sweep(in, d, o, configs.size());
  const SweepPlan plan = plan_sweep(configs, d.count(), o.base.calib_samples, comm.size());
  const int group_id = plan.group_of_rank[static_cast<std::size_t>(comm.rank())];

  // Each group converts its configurations (every rank of it, the same way: conversion is
  // deterministic and independent of the thread count) and simulates them over its ranks.
  nlohmann::json done = nlohmann::json::array();
  {
    const std::unique_ptr<Communicator> group = comm.split(group_id);
    try {
      for (std::size_t i = 0; i < configs.size(); ++i) {
        if (plan.group_of_config[i] != group_id) continue;
        if (bitwise_method(configs[i].method)) {
          // A bitwise (T = 1) network or ensemble: the group's root runs it as one process
          // does (run_config), the cheapest configuration of a sweep by far.
          if (!group->root()) continue;
          const SweepRow row = run_config(in, d, o, configs[i]);
          done.push_back({{"config", i}, {"row", row_json(row)}, {"calib_indices", nlohmann::json::array()}});
          continue;
        }
        const auto t0 = Clock::now();
        const Conversion c = convert_loaded(in, config_options(o, configs[i]));
        const double convert_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
        const Evaluation e = evaluate_distributed(*group, c, d, 0, o.base.threads, o.energy, o.max_memory);
        if (!group->root()) continue;
        SweepRow row = sweep_row(configs[i], c, e);
        row.convert_seconds = convert_seconds;
        done.push_back({{"config", i}, {"row", row_json(row)}, {"calib_indices", c.calib_indices}});
      }
      group->check();
    } catch (...) {
      group->fail(std::current_exception());
    }
  }

  const std::vector<std::uint8_t> cbor = nlohmann::json::to_cbor(done);
  const std::vector<std::string> parts = comm.gather(std::string(cbor.begin(), cbor.end()));
  if (!comm.root()) return s;
  std::vector<std::optional<SweepRow>> rows(configs.size());
  std::vector<std::vector<std::int64_t>> indices(configs.size());
  for (const std::string& part : parts)
    for (const auto& item : nlohmann::json::from_cbor(part)) {
      const auto i = item.at("config").get<std::size_t>();
      if (i >= rows.size() || rows[i]) throw InternalError(fmt::format("MPI sweep: configuration {} reported twice", i));
      rows[i] = row_from_json(item.at("row"));
      indices[i] = item.at("calib_indices").get<std::vector<std::int64_t>>();
    }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i]) throw InternalError(fmt::format("MPI sweep: configuration {} was not run", i));
    // As one process records them: the samples of the first configuration that drew any.
    if (s.calib_indices.empty()) s.calib_indices = std::move(indices[i]);
    s.rows.push_back(std::move(*rows[i]));
    if (on_row) on_row(s.rows.back());
  }
  return s;
}

}  // namespace brisk::experiments
