#pragma once
// Internal to the HDF5 module: the reader process behind File::open (Isolation::process).
//
// libhdf5 1.10 (Debian 12) trusts many sizes and offsets in a file's metadata: a crafted
// or damaged file can make it crash, read out of bounds, allocate gigabytes or loop for
// ever, with no brisk frame on the stack (tests/fuzz/regressions, docs/security.md). So an
// untrusted file is never parsed by libhdf5 inside brisk's own process. File::open forks a
// reader process that opens the file with libhdf5 and answers File's primitive queries
// (exists, children, info, read, has_attr, strings_attr, attr) over a pair of pipes; the
// brisk process never calls libhdf5 on the file. The reader
//  - runs with a soft address-space limit of its own size at start + 1 GiB (+ twice the
//    bytes of a dataset it is asked to read), so a hostile size fails its allocation;
//  - must finish its work on the file within 8 s in all (plus 1 s per 50 MB of each
//    dataset it reads), else it is killed;
//  - ignores SIGINT/SIGTERM (the brisk process decides) and dies with its parent;
//  - writes nothing (its stdout and stderr go to /dev/null).
// A crash, a timeout or an allocation failure in the reader becomes one InputError naming
// the file and the object being read; the File is unusable afterwards. Errors that the
// reader's own checks raise (File's one-line InputErrors) come back with their kind and
// message unchanged, so every message is the same as with an in-process read.
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace brisk::h5 {

class File;

enum class Op : std::uint8_t { exists, is_group, is_dataset, children, info, read, has_attr,
                               strings_attr, attr };

class Remote {
 public:
  // Forks the reader; `open` runs in the child and opens the live file. Throws the
  // child's open error (e.g. "not an HDF5 file") or an InputError when it cannot start.
  static std::unique_ptr<Remote> start(const std::function<File()>& open, const std::string& label);
  ~Remote();
  Remote(const Remote&) = delete;
  Remote& operator=(const Remote&) = delete;

  // One query; returns the reply's payload (see remote.cpp for the encoding). `bytes_hint`
  // (datasets) extends the time allowed.
  std::vector<std::byte> call(Op op, const std::string& a, const std::string& b = {},
                              std::uint64_t bytes_hint = 0);

 private:
  Remote(pid_t pid, int to_child, int from_child, std::string label)
      : pid_(pid), to_child_(to_child), from_child_(from_child), label_(std::move(label)) {}
  [[noreturn]] void fail(const std::string& why);
  bool read_reply(std::vector<std::byte>& out, int timeout_ms, std::string& why);
  void stop();

  pid_t pid_ = -1;
  int to_child_ = -1, from_child_ = -1;
  std::string label_;
  std::string dead_;  // set once the reader failed: every later call throws it
  int spent_ms_ = 0;
  std::map<std::string, std::vector<std::byte>> cache_;  // answers of small queries  // time the reader took so far (metadata queries and open)
  std::mutex mutex_;
};

// Decoding of reply payloads (parent side); throws InputError on a malformed reply.
bool decode_bool(const std::vector<std::byte>& p, const std::string& label);
std::vector<std::string> decode_strings(const std::vector<std::byte>& p, const std::string& label);
struct DatasetInfo;
struct TypedArray;
DatasetInfo decode_info(const std::vector<std::byte>& p, const std::string& label);
TypedArray decode_array(const std::vector<std::byte>& p, const std::string& label);

}  // namespace brisk::h5
