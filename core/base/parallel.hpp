#pragma once
// One parallel-for for all of brisk, with one meaning of `threads`:
// 0 = all cores of the machine, n > 0 = exactly n workers, negative = a usage error.
// Work is split into chunks of `grain` indices; each chunk runs on one worker.
// Reproducibility is the caller's: per-index randomness comes from (seed, index)
// (core/base/seed.hpp) and reductions are done in index order or over integers.
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cstddef>

namespace brisk {

// The worker count `threads` stands for (throws UsageError naming --threads when < 0).
int resolve_threads(int threads);

// Calls body(begin, end) over [0, n) in chunks of about `grain`, on resolve_threads(threads)
// workers.
template <class Body>
void parallel_for(int threads, std::size_t n, std::size_t grain, Body&& body) {
  tbb::task_arena arena(resolve_threads(threads));
  arena.execute([&] {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain ? grain : 1),
                      [&](const tbb::blocked_range<std::size_t>& r) { body(r.begin(), r.end()); });
  });
}

// parallel_for with one State per worker, made by make() on the worker's first chunk and
// reused for all its chunks (buffers sized once, no allocation per index): calls
// body(state, begin, end). Returns the states, for the caller's reductions.
template <class State, class Make, class Body>
tbb::enumerable_thread_specific<State> parallel_for_workers(int threads, std::size_t n,
                                                             std::size_t grain, Make&& make,
                                                             Body&& body) {
  tbb::enumerable_thread_specific<State> states(make);
  parallel_for(threads, n, grain, [&](std::size_t begin, std::size_t end) {
    body(states.local(), begin, end);
  });
  return states;
}

}  // namespace brisk
