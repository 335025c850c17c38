#pragma once
// One error convention for all of brisk.
//
// Every failure that a user can cause is thrown as a brisk::Error whose message is one
// line and names the thing at fault (file, layer, flag). The kind says whose fault it is;
// only the command line (apps/cli) turns a kind into a process exit code. Library code
// never prints and never calls exit().
#include <stdexcept>
#include <string>

namespace brisk {

enum class ErrorKind {
  Failure,   // a run that completed but failed a requested check
  Usage,     // bad options: unknown flag, bad value, missing argument
  Input,     // bad input file or data: missing, malformed, wrong shape, NaN/Inf
  Internal,  // a bug in brisk (an invariant did not hold)
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::Failure)
      : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

// Bad options (flag name in the message).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, ErrorKind::Usage) {}
};

// Bad input file or data (file / layer / member name in the message).
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, ErrorKind::Input) {}
};

// Broken invariant inside brisk.
class InternalError : public Error {
 public:
  explicit InternalError(const std::string& message) : Error(message, ErrorKind::Internal) {}
};

}  // namespace brisk
