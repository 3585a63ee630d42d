#!/usr/bin/env bash
# Builds tests/tsan/thread_safety.cpp with clang-14 -fsanitize=thread (one translation unit, the
# header-only core, no OpenMP) into ${1:-build-tsan}/ and runs it; any TSan report is fatal.
# Called by scripts/test.sh (TSAN=0 skips it); ~1 minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-build-tsan}
mkdir -p "$out"
CXX=${TSAN_CXX:-clang++-14}
t0=$(date +%s)
"$CXX" -std=c++20 -O1 -g -fsanitize=thread -fno-omit-frame-pointer -ffp-contract=off -I. \
  tests/tsan/thread_safety.cpp -o "$out/thread_safety" -pthread
TSAN_OPTIONS="halt_on_error=1 exitcode=66 ${TSAN_OPTIONS:-}" "$out/thread_safety"
echo "tsan: thread_safety built and passed in $(( $(date +%s) - t0 )) s" >&2
