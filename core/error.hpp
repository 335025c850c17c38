#pragma once
// One error convention for all of brisk.
//
// Every failure that a user can cause is thrown as a brisk::Error whose message is one
// line and names the thing at fault (file, layer, flag). apps/main.cpp catches it, prints
// "brisk: error: <message>" to stderr and exits with the code below. Library code never
// prints and never calls exit().
#include <stdexcept>
#include <string>

namespace brisk {

// Documented process exit codes (README "Exit codes").
enum class ExitCode : int {
  ok = 0,
  failure = 1,   // a run that completed but failed a requested check
  usage = 2,     // bad command line: unknown flag, bad value, missing argument
  input = 3,     // bad input file or data: missing, malformed, wrong shape, NaN/Inf
  internal = 4,  // a bug in brisk (an invariant did not hold)
};

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message, ExitCode code = ExitCode::failure)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// Bad command line (flag name in the message).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(message, ExitCode::usage) {}
};

// Bad input file or data (file / layer / member name in the message).
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message, ExitCode::input) {}
};

// Broken invariant inside brisk.
class InternalError : public Error {
 public:
  explicit InternalError(const std::string& message) : Error(message, ExitCode::internal) {}
};

}  // namespace brisk
