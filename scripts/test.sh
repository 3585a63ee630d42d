#!/usr/bin/env bash
# The test suite: install dependencies, build, run every test except the `slow` label.
# (ctest -L slow --test-dir build runs the slow ones; tests labelled gpu skip without a device.)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" -LE slow "$@"
