#!/usr/bin/env bash
# ccnorm GPU device check. For a machine with CUDA, CMake, g++ and (optionally) PyTorch;
# needs no Debian -dev packages and no network. Builds bench/gpu/ (core headers + normalizer/cuda +
# the driver) in its own build directory, runs the accuracy checks and the timing table, then the
# PyTorch closed-form comparison, and prints one merged markdown table (also OUT_DIR/table.md).
# Finishes within 6 minutes: every stage gets what is left of a 345 s deadline (the driver's
# timing budget and the PyTorch budget shrink when the build was slow; the driver skips timing
# combinations once its budget is spent, writes timing.csv row by row and says so in the table).
# usage: bench/gpu/device_check.sh [OUT_DIR]      env: BUILD_DIR, BUDGET (timing seconds, max 120),
#        BUILD_ONLY=1 (configure and build, then exit 0: for machines without a GPU)
# exit: 0 all accuracy checks passed; 1 some failed; 2 build or CUDA error; 3 no device.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/bench/gpu/out}
BUILD=${BUILD_DIR:-/tmp/ccnorm-device-check-build}
mkdir -p "$OUT"
start=$(date +%s)
deadline=$(( start + 345 ))
left() { echo $(( deadline - $(date +%s) )); }
CUDACXX=${CUDACXX:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
export CUDACXX
if ! cmake -S "$ROOT/bench/gpu" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release > "$OUT/configure.log" 2>&1; then
  tail -40 "$OUT/configure.log"; exit 2
fi
if ! cmake --build "$BUILD" -j"$(nproc)" > "$OUT/build.log" 2>&1; then
  grep -E "error" "$OUT/build.log" | head -40; tail -20 "$OUT/build.log"; exit 2
fi
echo "build: $(( $(date +%s) - start )) s"
if [ "${BUILD_ONLY:-0}" = 1 ]; then exit 0; fi
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader > "$OUT/nvidia-smi.txt" 2>&1 || true
cat "$OUT/nvidia-smi.txt" 2>/dev/null
# driver: all that is left but 70 s (PyTorch + slack); its timing part gets that minus 60 s for
# the accuracy part, at most BUDGET
dc_time=$(( $(left) - 70 )); [ "$dc_time" -lt 40 ] && dc_time=40
budget=$(( dc_time - 60 )); [ "$budget" -gt "${BUDGET:-120}" ] && budget=${BUDGET:-120}; [ "$budget" -lt 10 ] && budget=10
echo "time left $(left) s: driver timeout $dc_time s, timing budget $budget s"
timeout "$dc_time" "$BUILD/device_check" "$ROOT" "$OUT" --budget "$budget" 2>&1 | tee "$OUT/device_check.txt"
rc=${PIPESTATUS[0]}
[ "$rc" = 124 ] && echo "device_check stopped by its $dc_time s timeout (timing.csv keeps the rows it finished)"
if [ -f "$OUT/timing.csv" ]; then
  tb=$(( $(left) - 15 )); [ "$tb" -lt 10 ] && tb=10
  timeout $(( tb + 10 )) python3 "$ROOT/bench/gpu/torch_closed_form.py" "$OUT" --budget "$tb" 2>&1 | tee "$OUT/table.md"
fi
echo "elapsed $(( $(date +%s) - start )) s; device_check exit $rc"
exit "$rc"
