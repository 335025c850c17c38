#pragma once
// Scale-out over MPI ranks (docs/mpi.md): `mpirun -n P brisk run|sweep|convert`.
//
// A Communicator is the group of processes one command runs on: rank(), size(), exact
// integer sums, a broadcast and a gather of bytes, and splitting into sub-groups. Without
// MPI (a build with BRISK_MPI off, or a process not started by mpirun/srun) it is a single
// process and every operation is the identity.
//
// Errors: every collective first agrees on whether some rank failed. A rank that catches an
// exception calls fail(), which meets the other ranks in their next collective; all of them
// then throw the error of the lowest failed rank (same kind, same one-line message), so
// every rank stops with the same exit code, and rank 0 alone prints (an MPI communicator
// silences std::cout and std::cerr on the other ranks for the rest of the process).
//
// Results do not depend on P: samples are split into contiguous blocks, each simulated
// exactly as in a run of the whole set (RunOptions::first_sample), and the figures are
// rebuilt on every rank from integer sums (correct counts at each step, spikes, SOPs,
// analog MACs), with the same arithmetic as one process.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <brisk/apps/experiments/evaluate.hpp>
#include <brisk/apps/experiments/inputs.hpp>
#include <brisk/apps/experiments/sweep.hpp>
#include <brisk/conversion/mapping.hpp>
#include <brisk/core/engine/metrics.hpp>
#include <brisk/data/dataset.hpp>

namespace brisk::experiments {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  bool root() const { return rank() == 0; }

  // Collectives: every rank of the group calls them in the same order.
  // Element-wise sum over ranks, the result on every rank (exact: integers).
  virtual void sum(std::span<std::uint64_t> values) = 0;
  // Rank 0's `bytes` on every rank.
  virtual void broadcast(std::string& bytes) = 0;
  // Every rank's bytes in rank order on rank 0 (empty elsewhere).
  virtual std::vector<std::string> gather(const std::string& bytes) = 0;
  // The ranks with the same `color`, ordered by rank.
  virtual std::unique_ptr<Communicator> split(int color) = 0;
  // Agreement only: throws on every rank when some rank called fail().
  virtual void check() = 0;
  // This rank failed with `error`: tells the others and throws the agreed error (that of the
  // lowest failed rank) as a brisk::Error; std::bad_alloc becomes "out of memory".
  [[noreturn]] virtual void fail(std::exception_ptr error) = 0;
};

// True when this build has MPI (BRISK_MPI).
bool mpi_built();

// The processes this command runs on: MPI's world when built with MPI and started by an MPI
// launcher (OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK in the environment), else a single
// process. Initializes MPI (MPI_Init_thread, funneled: TBB workers never call MPI); the
// communicator finalizes it when destroyed.
std::unique_ptr<Communicator> make_communicator();

// Runs `body` on every rank; an exception on any rank becomes the same error on all of them
// (Communicator::fail), and a normal return waits for the others (check()).
template <class Body>
int collectively(Communicator& comm, Body&& body) {
  int rc = 0;
  try {
    rc = body();
  } catch (...) {
    comm.fail(std::current_exception());
  }
  comm.check();
  return rc;
}

// The contiguous block [first, last) of `count` items that rank `rank` of `size` takes:
// sizes differ by at most one, earlier ranks take the larger blocks.
struct Block {
  std::size_t first = 0, last = 0;
  std::size_t size() const { return last - first; }
};
Block block_of(std::size_t count, int rank, int size);

// evaluate() with the samples split over the ranks of `comm`: every rank gets the same
// figures, bit for bit those of evaluate() on one process; rank 0 also gets the
// per-sample results (predictions, spikes, SOPs) of all samples. --max-memory applies to
// each rank's block. result.seconds is rank 0's wall time of the distributed simulation.
Evaluation evaluate_distributed(Communicator& comm, const Conversion& c, const Dataset& d, int timesteps,
                                int threads, const EnergyModel& energy = {},
                                std::uint64_t max_memory = kDefaultMaxMemory);

// How a sweep's configurations go to groups of ranks: `groups` groups of contiguous ranks
// (sizes as block_of), config i simulated by group group_of_config[i] with its samples
// split over that group's ranks.
struct SweepPlan {
  int groups = 1;
  std::vector<int> group_of_rank;
  std::vector<int> group_of_config;
};

// The cost of a configuration in sample-steps: its simulation (samples x T) beside its
// conversion (calibration samples x T per calibration stage), which every rank of its group
// repeats. Chooses the number of groups and the assignment (longest first, to the group
// that finishes it earliest) minimising the estimated finish time of the slowest group;
// ties go to more groups (less repeated conversion). Deterministic.
SweepPlan plan_sweep(const std::vector<SweepConfig>& configs, std::size_t samples,
                     std::size_t calib_samples, int ranks);

// run_sweep() over the ranks of `comm` (plan_sweep): rank 0 gets every row, in the order of
// run_sweep(), and calls `on_row` for each once all are done; the other ranks get no rows.
Sweep run_sweep_distributed(Communicator& comm, const ConversionInputs& in, const Dataset& d,
                            const SweepOptions& o, const std::function<void(const SweepRow&)>& on_row = {});

}  // namespace brisk::experiments
