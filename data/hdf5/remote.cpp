// The reader process of File::open (remote.hpp): fork, the request/reply protocol over a
// Unix socket pair, limits, and the translation of a dead reader into one InputError.
//
// Request: u8 op, string a, string b. Reply: u64 length, then u8 status (0 ok, 1 error);
// ok: the payload of the op; error: u8 ErrorKind, string message. Strings are u64 length +
// bytes; integers little-endian host order (both ends are the same binary).
#include <brisk/data/hdf5/remote.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <thread>

#include <brisk/core/base/error.hpp>
#include <brisk/data/hdf5/file.hpp>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BRISK_H5_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
#define BRISK_H5_SANITIZED 1
#endif
#endif

namespace brisk::h5 {

namespace {

using Bytes = std::vector<std::byte>;

constexpr std::uint64_t kMaxReply = std::uint64_t{1} << 40;
constexpr std::uint64_t kMemoryBudget = std::uint64_t{1} << 30;  // reader's own allowance
// Time the reader may spend on one file, all queries together, before it is killed; a
// dataset read adds 1 s per 50 MB to the query that reads it. BRISK_HDF5_TIMEOUT (whole
// seconds, 1 to 3600) replaces the 8 s, e.g. for fuzzing (docs/security.md).
int budget_ms() {
  static const int ms = [] {
    const char* env = std::getenv("BRISK_HDF5_TIMEOUT");
    if (!env || !*env) return 8000;
    char* end = nullptr;
    const long v = std::strtol(env, &end, 10);
    return (*end == '\0' && v >= 1 && v <= 3600) ? static_cast<int>(v) * 1000 : 8000;
  }();
  return ms;
}
constexpr std::uint64_t kBytesPerSecond = 50u << 20;
constexpr std::size_t kMaxCached = 1u << 16;

// ---- encoding ----
void put(Bytes& out, const void* p, std::size_t n) {
  const std::size_t at = out.size();
  out.resize(at + n);
  if (n != 0) std::memcpy(out.data() + at, p, n);
}
void put_u8(Bytes& out, std::uint8_t v) { put(out, &v, 1); }
void put_u64(Bytes& out, std::uint64_t v) { put(out, &v, 8); }
void put_string(Bytes& out, const std::string& s) {
  put_u64(out, s.size());
  put(out, s.data(), s.size());
}
void put_shape(Bytes& out, const std::vector<std::size_t>& shape) {
  put_u64(out, shape.size());
  for (std::size_t d : shape) put_u64(out, d);
}

class In {
 public:
  In(const Bytes& b, const std::string& label) : b_(b), label_(label) {}
  void get(void* p, std::size_t n) {
    if (n > b_.size() - pos_) bad();
    if (n != 0) std::memcpy(p, b_.data() + pos_, n);
    pos_ += n;
  }
  std::uint8_t u8() {
    std::uint8_t v;
    get(&v, 1);
    return v;
  }
  std::uint64_t u64() {
    std::uint64_t v;
    get(&v, 8);
    return v;
  }
  std::string string() {
    const std::uint64_t n = u64();
    if (n > b_.size() - pos_) bad();
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  std::vector<std::size_t> shape() {
    const std::uint64_t n = u64();
    if (n > 64) bad();
    std::vector<std::size_t> s(static_cast<std::size_t>(n));
    for (auto& d : s) d = static_cast<std::size_t>(u64());
    return s;
  }
  Type type() {
    const std::uint8_t t = u8();
    if (t > static_cast<std::uint8_t>(Type::f64)) bad();
    return static_cast<Type>(t);
  }
  std::size_t left() const { return b_.size() - pos_; }
  [[noreturn]] void bad() const {
    throw InternalError(fmt::format("{}: the HDF5 reader process sent a malformed reply", label_));
  }

 private:
  const Bytes& b_;
  const std::string& label_;
  std::size_t pos_ = 0;
};

// ---- I/O on the socket ----
bool write_all(int fd, const void* p, std::size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::send(fd, c, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    c += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Child side: blocking exact read; false on EOF or error.
bool read_exact(int fd, void* p, std::size_t n) {
  char* c = static_cast<char*>(p);
  while (n > 0) {
    const ssize_t r = ::read(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    c += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool send_frame(int fd, Bytes body) {
  const std::uint64_t n = body.size();
  body.insert(body.begin(), 8, std::byte{0});  // one send per reply
  std::memcpy(body.data(), &n, 8);
  return write_all(fd, body.data(), body.size());
}

// ---- the reader (child) ----
#ifndef BRISK_H5_SANITIZED
std::uint64_t own_address_space() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}
#endif

void limit_address_space([[maybe_unused]] std::uint64_t extra) {
#ifndef BRISK_H5_SANITIZED
  rlimit lim{};
  if (getrlimit(RLIMIT_AS, &lim) != 0) return;
  std::uint64_t soft = own_address_space() + kMemoryBudget + extra;
  if (lim.rlim_max != RLIM_INFINITY && soft > lim.rlim_max) soft = lim.rlim_max;
  lim.rlim_cur = static_cast<rlim_t>(soft);
  setrlimit(RLIMIT_AS, &lim);
#endif
}

std::uint64_t dataset_bytes(const DatasetInfo& info) {
  std::uint64_t n = type_size(info.type);
  for (std::size_t d : info.shape) {
    if (d != 0 && n > kMaxReply / d) return kMaxReply;
    n *= d;
  }
  return n;
}

Bytes serve(const File& f, Op op, const std::string& a, const std::string& b) {
  Bytes out;
  put_u8(out, 0);
  auto put_strings = [&](const std::vector<std::string>& v) {
    put_u64(out, v.size());
    for (const auto& s : v) put_string(out, s);
  };
  switch (op) {
    case Op::exists: put_u8(out, f.exists(a)); break;
    case Op::is_group: put_u8(out, f.is_group(a)); break;
    case Op::is_dataset: put_u8(out, f.is_dataset(a)); break;
    case Op::has_attr: put_u8(out, f.has_attr(a, b)); break;
    case Op::children: put_strings(f.children(a)); break;
    case Op::strings_attr: put_strings(f.strings_attr(a, b)); break;
    case Op::info: {
      const DatasetInfo info = f.info(a);
      put_u8(out, static_cast<std::uint8_t>(info.type));
      put_shape(out, info.shape);
      break;
    }
    case Op::read:
    case Op::attr: {
      std::uint64_t extra = 0;
      if (op == Op::read) {
        try {
          extra = 2 * dataset_bytes(f.info(a));
        } catch (const Error&) {
        }  // read() raises the same error with its own message
      }
      limit_address_space(extra);
      const TypedArray v = op == Op::read ? f.read(a) : f.attr(a, b);
      put_u8(out, static_cast<std::uint8_t>(v.type));
      put_shape(out, v.shape);
      put_u64(out, v.storage.size());
      put(out, v.storage.data(), v.storage.size());
      break;
    }
  }
  return out;
}

Bytes error_reply(ErrorKind kind, const std::string& message) {
  Bytes out;
  put_u8(out, 1);
  put_u8(out, static_cast<std::uint8_t>(kind));
  put_string(out, message);
  return out;
}

[[noreturn]] void reader_main(int fd, const std::function<File()>& open, const std::string& label,
                              pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  // A crash here ends this process only: the parent's crash handlers (a host application's,
  // a sanitizer's, libFuzzer's) are not run for it.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) signal(sig, SIG_DFL);
  const int null = ::open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 1);
    dup2(null, 2);
  }
  limit_address_space(0);
  auto reply_error = [&](const std::exception_ptr& e, const std::string& what) {
    try {
      std::rethrow_exception(e);
    } catch (const Error& err) {
      return error_reply(err.kind(), err.what());
    } catch (const std::bad_alloc&) {
      return error_reply(ErrorKind::Input,
                         fmt::format("{}: reading {} needs more memory than the HDF5 reader's limit "
                                     "(damaged or hostile file; docs/security.md)",
                                     label, what));
    } catch (const std::exception& err) {
      return error_reply(ErrorKind::Internal, fmt::format("{}: {}", label, err.what()));
    }
  };
  std::unique_ptr<File> file;
  try {
    file = std::make_unique<File>(open());
    if (!send_frame(fd, Bytes{std::byte{0}})) _exit(0);
  } catch (...) {
    send_frame(fd, reply_error(std::current_exception(), "the file"));
    _exit(0);
  }
  for (;;) {
    std::uint8_t op = 0;
    std::uint64_t na = 0, nb = 0;
    if (!read_exact(fd, &op, 1) || !read_exact(fd, &na, 8) || na > (1u << 20)) _exit(0);
    std::string a(static_cast<std::size_t>(na), '\0');
    if (!read_exact(fd, a.data(), a.size()) || !read_exact(fd, &nb, 8) || nb > (1u << 20)) _exit(0);
    std::string b(static_cast<std::size_t>(nb), '\0');
    if (!read_exact(fd, b.data(), b.size())) _exit(0);
    Bytes reply;
    try {
      reply = serve(*file, static_cast<Op>(op), a, b);
    } catch (...) {
      reply = reply_error(std::current_exception(), a.empty() ? "/" : a);
    }
    limit_address_space(0);
    if (!send_frame(fd, reply)) _exit(0);
  }
}

// The reader's error as the class an in-process read throws, so callers' catch clauses
// and the CLI's exit codes are the same either way.
[[noreturn]] void rethrow(ErrorKind kind, const std::string& message) {
  switch (kind) {
    case ErrorKind::Usage: throw UsageError(message);
    case ErrorKind::Input: throw InputError(message);
    case ErrorKind::Internal: throw InternalError(message);
    case ErrorKind::Failure: break;
  }
  throw Error(message, ErrorKind::Failure);
}

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    return fmt::format("crashed (signal {}, {})", sig, strsignal(sig));
  }
  if (WIFEXITED(status)) return fmt::format("stopped (exit status {})", WEXITSTATUS(status));
  return "stopped";
}

}  // namespace

std::unique_ptr<Remote> Remote::start(const std::function<File()>& open, const std::string& label) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    throw InputError(fmt::format("{}: cannot start the HDF5 reader process ({})", label, std::strerror(errno)));
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int err = errno;
    close(fds[0]);
    close(fds[1]);
    throw InputError(fmt::format("{}: cannot start the HDF5 reader process ({})", label, std::strerror(err)));
  }
  if (pid == 0) {
    close(fds[0]);
    reader_main(fds[1], open, label, parent);
  }
  close(fds[1]);
  std::unique_ptr<Remote> r(new Remote(pid, fds[0], fds[0], label));
  Bytes reply;
  std::string why;
  const auto begin = std::chrono::steady_clock::now();
  if (!r->read_reply(reply, budget_ms(), why)) r->fail(fmt::format("{} opening it", why));
  r->spent_ms_ = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count());
  In in(reply, label);
  if (in.u8() != 0) {
    const auto kind = static_cast<ErrorKind>(in.u8());
    if (static_cast<int>(kind) > static_cast<int>(ErrorKind::Internal)) in.bad();
    rethrow(kind, in.string());
  }
  return r;
}

Remote::~Remote() { stop(); }

void Remote::stop() {
  if (to_child_ >= 0) close(to_child_);
  to_child_ = from_child_ = -1;
  if (pid_ <= 0) return;
  int status = 0;
  for (int i = 0; i < 1000; ++i) {
    const pid_t w = waitpid(pid_, &status, WNOHANG);
    if (w == pid_ || (w < 0 && errno != EINTR)) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid_, SIGKILL);
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

void Remote::fail(const std::string& why) {
  dead_ = fmt::format("{}: the HDF5 library {}; the file is damaged or hostile (docs/security.md)",
                      label_, why);
  if (pid_ > 0) kill(pid_, SIGKILL);
  stop();
  throw ReaderError(dead_);
}

// Reads one frame within `timeout_ms` of inactivity. false (with `why`) when the reader
// died or timed out.
bool Remote::read_reply(Bytes& out, int timeout_ms, std::string& why) {
  auto read_some = [&](void* p, std::size_t n) {
    char* c = static_cast<char*>(p);
    while (n > 0) {
      pollfd pfd{from_child_, POLLIN, 0};
      const int rc = poll(&pfd, 1, timeout_ms);
      if (rc < 0 && errno == EINTR) continue;
      if (rc == 0) {
        why = fmt::format("did not finish within {} s", budget_ms() / 1000);
        return false;
      }
      const ssize_t r = rc < 0 ? -1 : ::read(from_child_, c, n);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        int status = 0;
        pid_t w;
        while ((w = waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
        }
        if (w == pid_) pid_ = -1;
        why = w == -1 ? std::string("reader process stopped") : describe_status(status);
        return false;
      }
      c += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  };
  std::uint64_t n = 0;
  if (!read_some(&n, 8)) return false;
  if (n == 0 || n > kMaxReply) {
    why = "sent a malformed reply";
    return false;
  }
  out.resize(static_cast<std::size_t>(n));
  return read_some(out.data(), out.size());
}

Bytes Remote::call(Op op, const std::string& a, const std::string& b, std::uint64_t bytes_hint) {
  std::lock_guard lock(mutex_);
  if (!dead_.empty()) throw ReaderError(dead_);
  // The file is open read-only: a query's answer never changes, so small answers are kept
  // (readers ask has_attr before strings_attr, exists before children, ...).
  std::string key;
  if (op != Op::read) {
    key.reserve(a.size() + b.size() + 2);
    key.push_back(static_cast<char>(op));
    key.append(a).push_back('\0');
    key.append(b);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  const std::string what = a.empty() ? std::string("/") : a;
  Bytes req;
  put_u8(req, static_cast<std::uint8_t>(op));
  put_string(req, a);
  put_string(req, b);
  if (!write_all(to_child_, req.data(), req.size())) {
    std::string why;
    Bytes ignored;
    read_reply(ignored, 1000, why);
    fail(fmt::format("{} before reading '{}'", why.empty() ? "reader process stopped" : why, what));
  }
  const auto begin = std::chrono::steady_clock::now();
  const auto timeout = static_cast<int>(std::min<std::uint64_t>(
      std::max(0, budget_ms() - spent_ms_) + bytes_hint / kBytesPerSecond * 1000, 24u * 3600u * 1000u));
  Bytes reply;
  std::string why;
  if (!read_reply(reply, timeout, why)) fail(fmt::format("{} reading '{}'", why, what));
  if (bytes_hint == 0)
    spent_ms_ += static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                      std::chrono::steady_clock::now() - begin)
                                      .count());
  In in(reply, label_);
  if (in.u8() != 0) {
    const auto kind = static_cast<ErrorKind>(in.u8());
    if (static_cast<int>(kind) > static_cast<int>(ErrorKind::Internal)) in.bad();
    rethrow(kind, in.string());
  }
  reply.erase(reply.begin());
  if (!key.empty() && reply.size() <= kMaxCached) cache_.emplace(std::move(key), reply);
  return reply;
}

bool decode_bool(const Bytes& p, const std::string& label) {
  In in(p, label);
  return in.u8() != 0;
}

std::vector<std::string> decode_strings(const Bytes& p, const std::string& label) {
  In in(p, label);
  const std::uint64_t n = in.u64();
  if (n > in.left() / 8) in.bad();
  std::vector<std::string> out;
  out.reserve(static_cast<std::size_t>(n));
  for (std::uint64_t i = 0; i < n; ++i) out.push_back(in.string());
  return out;
}

DatasetInfo decode_info(const Bytes& p, const std::string& label) {
  In in(p, label);
  DatasetInfo info;
  info.type = in.type();
  info.shape = in.shape();
  return info;
}

TypedArray decode_array(const Bytes& p, const std::string& label) {
  In in(p, label);
  TypedArray a;
  a.type = in.type();
  a.shape = in.shape();
  const std::uint64_t n = in.u64();
  std::uint64_t count = 1;
  for (std::size_t d : a.shape) count = d == 0 ? 0 : (count > kMaxReply / d ? kMaxReply : count * d);
  if (n != in.left() || n != count * type_size(a.type)) in.bad();
  a.storage.resize(static_cast<std::size_t>(n));
  in.get(a.storage.data(), a.storage.size());
  return a;
}

}  // namespace brisk::h5
