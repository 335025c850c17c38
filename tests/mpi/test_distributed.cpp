// The work split of docs/mpi.md (contiguous sample blocks, sweep plans) against closed forms,
// and the single-process communicator that every build without an MPI launcher uses.
#include <doctest/doctest.h>

#include <cstdlib>
#include <numeric>
#include <stdexcept>

#include <brisk/apps/experiments/distributed.hpp>
#include <brisk/core/base/error.hpp>

using namespace brisk;
using namespace brisk::experiments;

TEST_SUITE("distributed") {

TEST_CASE("block_of: contiguous blocks in rank order that cover every sample and differ in size by at most one") {
  for (std::size_t count : {0u, 1u, 2u, 7u, 10000u, 10001u})
    for (int size : {1, 2, 3, 4, 16}) {
      std::size_t next = 0;
      for (int r = 0; r < size; ++r) {
        const Block b = block_of(count, r, size);
        CHECK(b.first == next);
        // Closed form: the first count % size ranks take one sample more.
        const std::size_t expect = count / static_cast<std::size_t>(size) +
                                   (static_cast<std::size_t>(r) < count % static_cast<std::size_t>(size) ? 1 : 0);
        CHECK(b.size() == expect);
        next = b.last;
      }
      CHECK(next == count);
    }
  CHECK(block_of(10001, 0, 2).size() == 5001);
  CHECK(block_of(10001, 1, 2).first == 5001);
}

SweepConfig config(int t, bool calibrated = false) {
  SweepConfig c;
  c.method = "rate";
  c.stage = calibrated ? "all" : "none";
  c.timesteps = t;
  c.calibration.weights = c.calibration.bias = c.calibration.potential = calibrated;
  return c;
}

TEST_CASE("plan_sweep: one configuration splits its samples over every rank") {
  const SweepPlan p = plan_sweep({config(8)}, 1000, 100, 4);
  CHECK(p.groups == 1);
  CHECK(p.group_of_rank == std::vector<int>{0, 0, 0, 0});
  CHECK(p.group_of_config == std::vector<int>{0});
}

TEST_CASE("plan_sweep: as many equal configurations as ranks give each rank its own") {
  const SweepPlan p = plan_sweep({config(4), config(4), config(4)}, 1000, 100, 3);
  CHECK(p.groups == 3);
  CHECK(p.group_of_rank == std::vector<int>{0, 1, 2});
  CHECK(p.group_of_config == std::vector<int>{0, 1, 2});
}

TEST_CASE("plan_sweep: one long and two short configurations on two ranks share the samples") {
  // One group: every configuration on both ranks, (32 + 4 + 4) x 1000 / 2 = 20000 sample-steps
  // each; two groups: the T = 32 one alone takes 32000. One group is faster.
  const SweepPlan p = plan_sweep({config(32), config(4), config(4)}, 1000, 0, 2);
  CHECK(p.groups == 1);
  // Eight equal ones on two ranks: two groups of one rank, four each (no repeated conversion).
  std::vector<SweepConfig> eight(8, config(4, true));
  const SweepPlan q = plan_sweep(eight, 1000, 100, 2);
  CHECK(q.groups == 2);
  CHECK(std::count(q.group_of_config.begin(), q.group_of_config.end(), 0) == 4);
}

TEST_CASE("plan_sweep: calibration repeated on every rank of a group favours more groups") {
  // Two configurations of T = 4 on 2 ranks with heavy calibration (conversion 10 x 100 x 4 x 3
  // beside simulation 100 x 4): one group costs 2 x (200 + 12000), two groups 400 + 12000.
  const SweepPlan p = plan_sweep({config(4, true), config(4, true)}, 100, 1000, 2);
  CHECK(p.groups == 2);
  CHECK(p.group_of_config[0] != p.group_of_config[1]);
}

TEST_CASE("the communicator without an MPI launcher is one process and fail() rethrows the error as is") {
  if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK"))
    return;  // started by mpirun: make_communicator() is MPI's world
  const auto comm = make_communicator();
  CHECK(comm->rank() == 0);
  CHECK(comm->size() == 1);
  CHECK(comm->root());
  std::vector<std::uint64_t> v{1, 2, 3};
  comm->sum(v);
  CHECK(v == std::vector<std::uint64_t>{1, 2, 3});
  std::string bytes = "abc";
  comm->broadcast(bytes);
  CHECK(bytes == "abc");
  CHECK(comm->gather("xyz") == std::vector<std::string>{"xyz"});
  CHECK_THROWS_AS(comm->fail(std::make_exception_ptr(InputError("x.npz: bad"))), InputError);
  CHECK(collectively(*comm, [] { return 7; }) == 7);
  CHECK_THROWS_WITH_AS(collectively(*comm, []() -> int { throw UsageError("--flag: bad"); }), "--flag: bad",
                       UsageError);
}

}  // TEST_SUITE
