#!/usr/bin/env bash
# Builds the libFuzzer harnesses (clang, -DBRISK_FUZZ=ON, ASan+UBSan) and runs each for a short
# time (BRISK_CI_FUZZ_SECONDS, default 30), seeded from tests/fuzz/corpus/<reader> and the
# regressions. CI runs it; the long runs (>= 10 minutes per harness) are done by hand, see
# docs/fuzzing.md. Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh --fuzz
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBRISK_FUZZ=ON -DBRISK_BUILD_TESTS=ON
fuzzers=$(cmake --build build-fuzz --target help | sed -n 's/^\(fuzz_[a-z0-9_]*\): .*/\1/p' | grep -v '^fuzz_replay_' | sort -u)
cmake --build build-fuzz -j2 --target $fuzzers
# The harnesses that go through libhdf5 (keras_model, native, snn) read through brisk's HDF5
# reader process like the CLI (docs/security.md): libhdf5's own crashes on crafted files are
# clean errors there, so every harness is fuzzed. libhdf5's own over-reads inside the reader
# are suppressed by tools/sanitizers/asan.supp (reports with brisk's frames are not).
for f in $fuzzers; do
  reader=${f#fuzz_}
  corpus=$(mktemp -d)
  for d in tests/fuzz/corpus/$reader tests/fuzz/regressions/$reader; do
    [ -d "$d" ] && cp -r "$d"/. "$corpus"/ || true
  done
  # The HDF5 reader process gives up on a file after BRISK_HDF5_TIMEOUT seconds (a libhdf5
  # endless loop is a clean error, not a finding); libFuzzer's own limit stays well above it.
  # Findings land in $artifacts, kept and listed when the run fails.
  artifacts=$(mktemp -d)
  BRISK_HDF5_TIMEOUT=2 ASAN_OPTIONS=suppressions=$PWD/tools/sanitizers/asan.supp:allocator_may_return_null=1 build-fuzz/bin/$f -max_total_time=${BRISK_CI_FUZZ_SECONDS:-30} -rss_limit_mb=2048 -timeout=20 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$corpus" > "$artifacts.log" 2>&1 ||
    { tail -n 40 "$artifacts.log"; echo "fuzz-short: $f found an input: $(ls "$artifacts")" >&2; exit 1; }
  tail -n 3 "$artifacts.log"
  rm -rf "$corpus" "$artifacts" "$artifacts.log"
done
