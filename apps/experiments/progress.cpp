#include <brisk/apps/experiments/progress.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace brisk::experiments {

using Clock = std::chrono::steady_clock;

Progress::Progress(std::ostream& out, ProgressMode mode, std::chrono::milliseconds delay,
                   std::chrono::milliseconds interval)
    : out_(out), mode_(mode), delay_(delay), interval_(interval), start_(Clock::now()) {
  if (mode_ != ProgressMode::Off) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(m_);
    quit_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (drawn_ && mode_ == ProgressMode::Bar) out_ << "\r\033[K" << std::flush;
}

void Progress::begin(const std::string& label, std::size_t index, std::size_t total, std::uint64_t samples) {
  std::lock_guard lock(m_);
  label_ = label;
  index_ = index;
  total_ = total;
  samples_ = samples;
  done_.store(0);
  active_ = true;
  task_start_ = Clock::now();
}

void Progress::end() {
  std::lock_guard lock(m_);
  if (!active_) return;
  active_ = false;
  if (drawn_ && mode_ == ProgressMode::Bar) {
    out_ << "\r\033[K" << std::flush;  // stdout's line for the task goes where the bar was
    drawn_ = false;
  }
  ++finished_;
  finished_seconds_ += std::chrono::duration<double>(Clock::now() - task_start_).count();
}

void Progress::draw() {
  const auto now = Clock::now();
  const double task = std::chrono::duration<double>(now - task_start_).count();
  const std::uint64_t done = std::min(done_.load(), samples_);
  const double rate = task > 0 ? static_cast<double>(done) / task : 0;
  // ETA: this task's remaining samples at its rate, plus the tasks after it at the mean
  // time of the finished ones (this one's projected time when none has finished).
  const double this_left = rate > 0 ? static_cast<double>(samples_ - done) / rate : 0;
  const double per_task = finished_ ? finished_seconds_ / static_cast<double>(finished_) : task + this_left;
  const double eta = this_left + per_task * static_cast<double>(total_ > index_ + 1 ? total_ - index_ - 1 : 0);
  const std::string text = fmt::format("[{}/{}] {}: {}/{} samples, {:.0f} samples/s, ETA {:.0f} s", index_ + 1,
                                       total_, label_, done, samples_, rate, eta);
  if (mode_ == ProgressMode::Bar) {
    const int width = 20;
    const int filled = samples_ ? static_cast<int>(width * done / samples_) : 0;
    out_ << "\r\033[K" << std::string(static_cast<std::size_t>(filled), '#')
         << std::string(static_cast<std::size_t>(width - filled), '.') << ' ' << text << std::flush;
  } else {
    out_ << "brisk: progress " << text << '\n' << std::flush;
  }
  drawn_ = true;
}

void Progress::loop() {
  std::unique_lock lock(m_);
  last_log_ = Clock::now();
  while (!quit_) {
    cv_.wait_for(lock, std::chrono::milliseconds(250));
    if (quit_ || !active_) continue;
    const auto now = Clock::now();
    if (mode_ == ProgressMode::Bar) {
      if (now - start_ >= delay_) draw();
    } else if (now - last_log_ >= interval_) {
      draw();
      last_log_ = now;
    }
  }
}

}  // namespace brisk::experiments
