#!/usr/bin/env bash
# The main job: install dependencies, build, score other implementations on the golden vectors
# (PyTorch's ContinuousBernoulli, a NumPy transcription of the published closed form, mpmath),
# run the case studies (label smoothing and distillation, PyTorch on the CPU), then the report
# (accuracy sweep, stability regions, benchmarks, plots; its case-study section reads
# $OUT/casestudy/results.json).
#   OUT=dir (default: report)   QUICK=1 for `ccnorm report --quick` (~3 min instead of ~15)
#   CASESTUDY=quick (default: digits, 3 seeds, ~1-2 min) | full (digits + Fashion-MNIST, 5 seeds,
#   2 jobs; about an hour on 2 cores) | 0 (skip; the report then says there are no results)
set -euo pipefail
cd "$(dirname "$0")/.."
CASESTUDY=${CASESTUDY:-quick}
PKGS="python3-torch python3-sklearn"
[ "$CASESTUDY" = full ] && PKGS="$PKGS dataset-fashion-mnist"
EXTRA_PKGS="$PKGS" bash scripts/setup.sh
OUT=${OUT:-report}
mkdir -p "$OUT"
echo "main: scoring other implementations on reference/golden (validate/run_adapters.sh)" >&2
bash validate/run_adapters.sh "$OUT" reference/golden/golden.csv build/ccnorm || \
  echo "main: some adapters could not run (see $OUT/validate/SUMMARY.txt)" >&2
case "$CASESTUDY" in
  0|no|none) echo "main: case studies skipped (CASESTUDY=$CASESTUDY)" >&2 ;;
  full) build/ccnorm casestudy --out "$OUT" --jobs 2 || echo "main: the case studies had problems (see $OUT/casestudy/summary.md)" >&2 ;;
  *) build/ccnorm casestudy --quick --out "$OUT" || echo "main: the case studies had problems (see $OUT/casestudy/summary.md)" >&2 ;;
esac
build/ccnorm report ${QUICK:+--quick} --out "$OUT"
echo "main: done: $OUT/report.html, $OUT/report.md, $OUT/summary.json, $OUT/casestudy/" >&2
