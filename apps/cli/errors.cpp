#include "errors.hpp"

#include <exception>
#include <iostream>
#include <new>

#include <brisk/core/base/error.hpp>

namespace brisk::cli {

namespace {

int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Failure: return kFailure;
    case ErrorKind::Usage: return kUsage;
    case ErrorKind::Input: return kInput;
    case ErrorKind::Internal: return kInternal;
  }
  return kInternal;
}

}  // namespace

int report_current_exception() {
  try {
    throw;
  } catch (const Error& e) {
    std::cerr << "brisk: error: " << e.what() << "\n";
    return exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    std::cerr << "brisk: error: out of memory\n";
    return kFailure;
  } catch (const std::exception& e) {
    std::cerr << "brisk: error: internal: " << e.what() << "\n";
    return kInternal;
  } catch (...) {
    std::cerr << "brisk: error: internal: unknown exception\n";
    return kInternal;
  }
}

int on_ranks(const std::function<int(experiments::Communicator&)>& body) {
  const auto comm = experiments::make_communicator();
  try {
    return experiments::collectively(*comm, [&] { return body(*comm); });
  } catch (...) {
    if (comm->size() == 1) throw;
    const int rc = report_current_exception();  // rank 0's line; the others' stderr is silenced
    std::cerr.flush();
    try {
      comm->check();  // every rank waits until rank 0 has written it
    } catch (...) {
      // MPI itself failed while agreeing; rank 0's line is out, and it is the one to keep.
    }
    return rc;
  }
}

}  // namespace brisk::cli
