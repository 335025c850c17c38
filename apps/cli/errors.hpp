#pragma once
// How a failed command ends: one "brisk: error: ..." line on stderr and the documented exit
// code (README "Exit codes"), for a single process (main) and for every rank of an MPI job.
#include <functional>

#include <brisk/apps/experiments/distributed.hpp>

namespace brisk::cli {

// The documented exit codes; the library only knows error kinds.
enum ExitCode : int { kOk = 0, kFailure = 1, kUsage = 2, kInput = 3, kInternal = 4 };

// Prints the error line of the exception being handled (call from a catch block) and
// returns its exit code: a brisk::Error by its kind, std::bad_alloc as out of memory.
int report_current_exception();

// Runs `body` on the ranks of this command (docs/mpi.md; one process without a launcher).
// Under MPI a failure on any rank is agreed (experiments::collectively), rank 0 prints its
// line here, and only then do the ranks return the exit code and finalize MPI: a rank that
// exits non-zero makes mpirun end the job, which must not happen before rank 0 has written
// the line. A single process rethrows, and main reports.
int on_ranks(const std::function<int(experiments::Communicator&)>& body);

}  // namespace brisk::cli
