#!/usr/bin/env bash
# Timing of auto on wide-spread rows (scripts/time_wide_spread.cpp): compiles it like the
# benchmarks (-O3 -march=native -ffp-contract=off) and runs it on one thread.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${TMPDIR:-/tmp}/ccnorm_time_wide_spread
g++ -std=c++20 -O3 -DNDEBUG -march=native -ffp-contract=off -I. scripts/time_wide_spread.cpp -o "$out"
OMP_NUM_THREADS=1 "$out"
