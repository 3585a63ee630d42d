#!/usr/bin/env bash
# Builds (tests/fuzz/build.sh) and runs every libFuzzer target for FUZZ_SECONDS (default 45) each
# under ASan + UBSan, starting from the committed seed corpus tests/fuzz/corpus/<target>/ (new
# inputs go to build-fuzz/corpus/<target>/, never into the repository). A crash, a sanitizer report,
# an invariant violation (abort), a slow input (> 10 s) or more than 2 GB of memory fails the run;
# the reproducer is left as build-fuzz/crash-* (rerun: build-fuzz/fuzz_<target> FILE).
# Prints one line per target: executions, coverage (libFuzzer's cov = edges, ft = features).
# Usage: tests/fuzz/run.sh [target ...]   (targets: rows kernels sweep_csv golden validate)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${FUZZ_BUILD:-build-fuzz}
secs=${FUZZ_SECONDS:-45}
bash tests/fuzz/build.sh
targets=("$@")
((${#targets[@]})) || targets=(rows kernels sweep_csv golden validate)
# The targets are single-threaded: FUZZ_JOBS of them (default: the number of cores) run at once.
jobs=${FUZZ_JOBS:-$(nproc)}
run_one() {
  local t=$1 log=$out/fuzz_$1.log maxlen=()
  mkdir -p "$out/corpus/$t"
  [[ $t == kernels ]] && maxlen=(-max_len=514)
  if ! "$out/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$out/" "${maxlen[@]}" "$out/corpus/$t" "tests/fuzz/corpus/$t" >"$log" 2>&1; then
    echo "fuzz: $t FAILED (log $log):" >&2
    grep -E 'ERROR|runtime error|invariant failed|^K = |SUMMARY|Test unit written' "$log" | head -20 >&2 || tail -30 "$log" >&2
    return 1
  fi
}
for t in "${targets[@]}"; do
  while (( $(jobs -rp | wc -l) >= jobs )); do wait -n || true; done
  rm -f "$out/fuzz_$t.rc"
  ( if run_one "$t"; then echo 0; else echo 1; fi >"$out/fuzz_$t.rc" ) &
done
wait
status=0
for t in "${targets[@]}"; do
  [[ $(cat "$out/fuzz_$t.rc" 2>/dev/null) == 0 ]] || status=1
done
summary=()
for t in "${targets[@]}"; do
  log=$out/fuzz_$t.log
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1 || true)
  summary+=("fuzz: $t: ${execs:-?} executions in ${secs} s, ${cov:-no coverage line}")
done
printf '%s\n' "${summary[@]}" | tee "$out/summary.txt" >&2
exit $status
