// The sweep's plots: tools/brisk_plot.py (matplotlib) run on the sweep's JSON file.
#include <brisk/apps/experiments/plots.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

extern char** environ;

namespace brisk::experiments {
namespace {

// The interpreter that runs the plot script: $BRISK_PYTHON, else the build's BRISK_PYTHON.
std::string plot_python() {
  const char* env = std::getenv("BRISK_PYTHON");
  return env && *env ? std::string(env) : std::string(BRISK_PYTHON);
}

// tools/brisk_plot.py: installed next to the binary (BRISK_PLOT_SCRIPT_RELATIVE from the
// executable's folder), else in the source tree this binary was built from.
std::optional<std::filesystem::path> plot_script() {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path() / BRISK_PLOT_SCRIPT_RELATIVE;
    if (fs::is_regular_file(installed, ec)) return installed.lexically_normal();
  }
  const fs::path source = BRISK_PLOT_SCRIPT_SOURCE;
  if (fs::is_regular_file(source, ec)) return source;
  return std::nullopt;
}

}  // namespace

// Runs `python brisk_plot.py PREFIX.json PREFIX`, which writes PREFIX.png and PREFIX.svg.
// Returns an empty string on success, else why the plots were not written (the script's
// last stderr line, or why it could not run).
std::string write_plots(const std::string& prefix) {
  const auto script = plot_script();
  if (!script) return fmt::format("brisk_plot.py not found (installed or in {})", BRISK_PLOT_SCRIPT_SOURCE);
  std::string python = plot_python(), script_path = script->string(), json = prefix + ".json",
              out_prefix = prefix;
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return fmt::format("pipe: {}", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);  // the copy is not close-on-exec
  std::vector<char*> argv{python.data(), script_path.data(), json.data(), out_prefix.data(), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err[1]);
  if (rc != 0) {
    ::close(err[0]);
    return fmt::format("cannot run {}: {}", python, std::strerror(rc));
  }
  std::string messages;
  char buf[4096];
  for (ssize_t n; (n = ::read(err[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    messages.append(buf, static_cast<std::size_t>(n));
  }
  ::close(err[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  while (!messages.empty() && (messages.back() == '\n' || messages.back() == '\r')) messages.pop_back();
  const std::string last = messages.substr(messages.find_last_of('\n') + 1);
  const std::string how = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                            : fmt::format("signal {}", WTERMSIG(status));
  return last.empty() ? fmt::format("{} {}: {}", python, script_path, how) : fmt::format("{}: {}", how, last);
}


std::string plot_interpreter() { return plot_python(); }

}  // namespace brisk::experiments
