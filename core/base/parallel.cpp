#include <brisk/core/base/parallel.hpp>

#include <tbb/info.h>

#include <brisk/core/base/error.hpp>

namespace brisk {

int resolve_threads(int threads) {
  if (threads < 0) throw UsageError("--threads must be >= 0 (0 = all cores)");
  return threads > 0 ? threads : tbb::info::default_concurrency();
}

}  // namespace brisk
