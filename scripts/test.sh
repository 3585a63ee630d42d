#!/usr/bin/env bash
# The test suite: install dependencies, build, run every test (labels unit, accuracy, slow; the
# slow ones — K = 10^4 corpus rows — take under a minute on 2 cores, so CI runs them too).
# Tests labelled gpu run only where a CUDA device exists and are reported as skipped otherwise.
# A quicker loop: ctest --test-dir build -LE slow
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
