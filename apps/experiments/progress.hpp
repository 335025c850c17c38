#pragma once
// Progress of a long command on a stream (stderr): a one-line bar redrawn in place (a
// terminal) or a log line every few seconds (not a terminal, --progress). A background
// thread reads an atomic counter that the engine increments per chunk of samples, so the
// simulation itself does no printing and no locking.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <thread>

namespace brisk::experiments {

enum class ProgressMode { Off, Bar, Log };

class Progress {
 public:
  // Bar: shown once a task has taken `delay` (so short commands print nothing); Log: a
  // line every `interval`.
  Progress(std::ostream& out, ProgressMode mode, std::chrono::milliseconds delay = std::chrono::seconds(2),
           std::chrono::milliseconds interval = std::chrono::seconds(5));
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // Task `index` (0-based) of `total` starts: `label` names it, `samples` is its length.
  void begin(const std::string& label, std::size_t index, std::size_t total, std::uint64_t samples);
  void end();  // the running task finished (its time goes into the ETA)
  std::atomic<std::uint64_t>* counter() { return mode_ == ProgressMode::Off ? nullptr : &done_; }

 private:
  void loop();
  void draw();

  std::ostream& out_;
  ProgressMode mode_;
  std::chrono::milliseconds delay_, interval_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex m_;
  std::condition_variable cv_;
  bool quit_ = false, drawn_ = false, active_ = false;
  std::string label_;
  std::size_t index_ = 0, total_ = 0, finished_ = 0;
  std::uint64_t samples_ = 0;
  double finished_seconds_ = 0;
  std::chrono::steady_clock::time_point start_, task_start_, last_log_;
  std::thread thread_;
};

}  // namespace brisk::experiments
