#pragma once
// SIGINT/SIGTERM as a stop request: while a StopOnSignal lives, the first signal only sets
// a flag (the handler does nothing else) that long commands check between batches of
// samples; the handlers are then the defaults again, so a second Ctrl-C ends the process
// at once. The previous handlers come back when it is destroyed.
#include <atomic>
#include <csignal>

namespace brisk::cli {

class StopOnSignal {
 public:
  StopOnSignal();
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
  const std::atomic<bool>* flag() const;
  bool stopped() const;
  int signal() const;  // the signal received, 0 when none

 private:
  struct sigaction old_int_{}, old_term_{};
};

// The exit code of a command stopped by a signal (128 + SIGINT, as shells report it).
inline constexpr int kExitInterrupted = 130;

}  // namespace brisk::cli
