#!/usr/bin/env bash
# Run every adapter in validate/adapters/ on the golden cases and score it with `ccnorm validate`.
#
#   validate/run_adapters.sh [OUT_DIR] [GOLDEN_CSV] [CCNORM_BIN]
#
# OUT_DIR (default: out) receives OUT_DIR/validate/<adapter>_<quantity>_<dtype>.json and .html (one
# scorecard per adapter, quantity and dtype; the report's "Other implementations" section reads
# OUT_DIR/validate/*.json), OUT_DIR/validate/work/ (cases and results files the scorecards were
# made from) and OUT_DIR/validate/SUMMARY.txt (one line per scorecard, plus adapters that could not
# run and why). GOLDEN_CSV defaults to reference/golden/golden.csv; CCNORM_BIN to the first ccnorm
# found in build*/ or on PATH. The adapters run with /usr/bin/python3 (Debian's numpy, mpmath,
# torch). Exit status: 0 when every scorecard was produced (whatever the scores), 2 otherwise.
set -u
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="${1:-out}"
GOLDEN="${2:-$ROOT/reference/golden/golden.csv}"
CCNORM="${3:-}"
if [ -z "$CCNORM" ]; then
  for c in "$ROOT"/build/ccnorm "$ROOT"/build*/ccnorm; do
    if [ -x "$c" ]; then CCNORM="$c"; break; fi
  done
  [ -z "$CCNORM" ] && CCNORM="$(command -v ccnorm || true)"
fi
if [ -z "$CCNORM" ] || [ ! -x "$CCNORM" ]; then
  echo "run_adapters: no ccnorm binary found (pass it as the third argument)" >&2
  exit 2
fi
PY=/usr/bin/python3
AD="$ROOT/validate/adapters"
V="$OUT/validate"
W="$V/work"
mkdir -p "$W"
SUM="$V/SUMMARY.txt"
: > "$SUM"
status=0

# score NAME CASES RESULTS QUANTITY DTYPE NOTE
score() {
  local name="$1" cases="$2" results="$3" q="$4" dt="$5" note="$6"
  local out
  out="$("$CCNORM" validate --cases "$cases" --results "$results" --quantity "$q" --dtype "$dt" \
        --name "$name" --note "$note" --json "$V/$name.json" --html "$V/$name.html" 2>&1)"
  local rc=$?
  echo "$out"
  if [ $rc -eq 2 ]; then
    echo "$name: validate failed (exit 2): $out" >> "$SUM"
    status=2
  else
    echo "$out" | head -2 | tr '\n' ' ' | sed 's/  */ /g' >> "$SUM"
    echo >> "$SUM"
  fi
}

for dt in f64 f32; do
  # (a) PyTorch ContinuousBernoulli, K = 2
  d="$W/torch_cb_$dt"
  $PY "$AD/torch_cb.py" --golden "$GOLDEN" --dtype $dt --outdir "$d"
  rc=$?
  if [ $rc -eq 0 ]; then
    note="torch.distributions.ContinuousBernoulli(logits=l), l = z1 - z2 rounded to $dt; logC = _cont_bern_log_norm(); mean = (CB(l).mean, CB(-l).mean); K = 2 cases only"
    score "torch_cb_logC_$dt" "$d/cases.csv" "$d/logC.txt" logC $dt "$note"
    score "torch_cb_mean_$dt" "$d/cases.csv" "$d/mean.txt" mean $dt "$note"
  elif [ $rc -eq 3 ]; then
    echo "torch_cb_$dt: skipped: torch cannot be imported by $PY (apt-get install python3-torch)" | tee -a "$SUM"
  else
    echo "torch_cb_$dt: adapter failed (exit $rc)" | tee -a "$SUM"; status=2
  fi

  # (b) NumPy transcription of the published cc_log_norm_const (std scaling)
  d="$W/numpy_closed_form_$dt"
  if $PY "$AD/numpy_closed_form.py" --golden "$GOLDEN" --dtype $dt --outdir "$d"; then
    note="NumPy transcription of cc_log_norm_const (cunningham-lab/cb_and_cc, std scaling, lambda numerators) in $dt; logits cases converted to eta = z - z_K"
    score "numpy_closed_form_logC_$dt" "$d/cases.csv" "$d/logC.txt" logC $dt "$note"
    score "numpy_closed_form_A_$dt" "$d/cases.csv" "$d/A.txt" A $dt "$note (A = cc_log_normalizer = LSE - cc_log_norm_const)"
  else
    echo "numpy_closed_form_$dt: adapter failed" | tee -a "$SUM"; status=2
  fi
done

# (c) mpmath, closed form at 30 digits (f64 scoring)
d="$W/mpmath_closed_form"
if $PY "$AD/mpmath_closed_form.py" --golden "$GOLDEN" --outdir "$d"; then
  score "mpmath_closed_form_A_f64" "$d/cases.csv" "$d/A.txt" A f64 "mpmath closed form sum_k e^z_k / prod (z_k - z_i) at mp.dps = 30, rounded to double; K <= 1000; exact ties divide by zero (error rows)"
else
  echo "mpmath_closed_form: adapter failed" | tee -a "$SUM"; status=2
fi
echo "scorecards in $V (summary: $SUM)"
exit $status
