#pragma once
// Tests that need files outside the repository (../shared, Debian's Fashion-MNIST, the
// bundled model) are reported by CTest as skipped, not passed, when those files are absent:
// BRISK_SKIP prints a fixed marker that every doctest_discover_tests() call matches with
// SKIP_REGULAR_EXPRESSION "\[brisk-skip\]", then leaves the test case.
#include <doctest/doctest.h>

#include <cstdlib>
#include <string>

namespace brisk::test {

// The shared folder (../shared next to the checkout), or $BRISK_SHARED_DIR when set: point
// it at a missing folder to check that the tests needing it are reported as skipped.
inline std::string shared_dir() {
  const char* env = std::getenv("BRISK_SHARED_DIR");
  return env && *env ? std::string(env) : std::string(BRISK_SHARED_DIR);
}

}  // namespace brisk::test

#define BRISK_SKIP(...)                      \
  do {                                       \
    MESSAGE("[brisk-skip] ", __VA_ARGS__);   \
    return;                                  \
  } while (0)
