#!/usr/bin/env bash
# The main job: install dependencies, build, score other implementations on the golden vectors
# (PyTorch's ContinuousBernoulli, a NumPy transcription of the published closed form, mpmath),
# then run the report (accuracy sweep, stability regions, benchmarks, plots).
#   OUT=dir (default: report)   QUICK=1 for `ccnorm report --quick` (~3 min instead of ~15)
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRA_PKGS="python3-torch" bash scripts/setup.sh
OUT=${OUT:-report}
mkdir -p "$OUT"
echo "main: scoring other implementations on reference/golden (validate/run_adapters.sh)" >&2
bash validate/run_adapters.sh "$OUT" reference/golden/golden.csv build/ccnorm || \
  echo "main: some adapters could not run (see $OUT/validate/SUMMARY.txt)" >&2
build/ccnorm report ${QUICK:+--quick} --out "$OUT"
echo "main: done: $OUT/report.html, $OUT/report.md, $OUT/summary.json" >&2
