#!/usr/bin/env bash
# The test suite (CI runs exactly this, .ci/run):
#   1. install dependencies, build the release preset (build/) and run every test there (labels
#      unit, accuracy, slow; the slow ones — K = 10^4 corpus rows — take under a minute on 2 cores,
#      so CI runs them too; unit includes the install + find_package/add_subdirectory consumers);
#   2. build the asan-ubsan preset (build-asan/: AddressSanitizer + UndefinedBehaviorSanitizer, every
#      report fatal) and run the unit label under it.
# Tests labelled gpu run only where a CUDA device exists and are reported as skipped otherwise.
#   3. ThreadSanitizer: tests/tsan/run.sh builds the thread-safety test with clang-14
#      -fsanitize=thread into build-tsan/ and runs it (~10 s; TSAN=0 skips it);
#   4. fuzzing: tests/fuzz/run.sh builds the libFuzzer targets (clang-14, ASan + UBSan) into
#      build-fuzz/ and runs each for FUZZ_SECONDS (default 45; one target per core at once) from
#      the seed corpus tests/fuzz/corpus/ (~3 minutes in all; FUZZ=0 skips it). docs/design.md §4.11.
# Arguments go to the first ctest run (e.g. -LE slow). SANITIZERS=0 skips step 2.
# A quicker loop: ctest --test-dir build -LE slow
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
JOBS=${JOBS:-$(nproc)}
t0=$(date +%s)
ctest --test-dir build --output-on-failure -j"$JOBS" "$@"
echo "test: release tests: $(( $(date +%s) - t0 )) s" >&2

if [[ ${SANITIZERS:-1} != 0 ]]; then
  t0=$(date +%s)
  cmake --preset asan-ubsan ${CCNORM_CMAKE_ARGS:-} >/dev/null
  cmake --build --preset asan-ubsan -j"$JOBS"
  t1=$(date +%s)
  # ctest --preset asan-ubsan sets ASAN_OPTIONS/UBSAN_OPTIONS (CMakePresets.json) and selects -L unit
  ctest --preset asan-ubsan -j"$JOBS"
  echo "test: asan-ubsan: build $(( t1 - t0 )) s, unit tests $(( $(date +%s) - t1 )) s" >&2
fi

if [[ ${TSAN:-1} != 0 ]]; then
  bash tests/tsan/run.sh build-tsan
fi

if [[ ${FUZZ:-1} != 0 ]]; then
  t0=$(date +%s)
  bash tests/fuzz/run.sh
  echo "test: fuzz: $(( $(date +%s) - t0 )) s" >&2
fi
