#!/usr/bin/env bash
# tests/consumer.cmake, test consumer_installed_tool: the installed ccnorm, relocated (the prefix
# copied elsewhere) and run from outside the source tree, finds its run-time data next to the
# executable (io/resources.hpp); with the data gone it says what it looked for where; and
# CCNORM_DATA_DIR overrides the search.
# usage: run_installed_tool.sh PREFIX BINDIR DATADIR   (BINDIR, DATADIR relative to PREFIX)
set -euo pipefail
prefix=$1 bindir=$2 datadir=$3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ccnorm-installed-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp -a "$prefix" "$tmp/prefix"
cd "$tmp"
unset CCNORM_DATA_DIR
exe="$tmp/prefix/$bindir/ccnorm"
fail() { echo "FAIL: $*" >&2; exit 1; }

# 1. evaluation: A(0,0,0) = -log 2, logC = log 6
out=$(echo "0,0,0" | "$exe" eval)
[[ $out == "-0.69314718055994529,1.791759469228055" ]] || fail "ccnorm eval printed '$out'"
echo "ok: eval"

# 2. the peers script (bench/peers/peers.py) from <prefix>/share/ccnorm
peers() { "$exe" bench --K 3 --sigma 1 --algos auto --dtypes f64 --no-batch --no-gpu --min-time 0.001 \
            --acc-rows 2 --peers --json "$1/bench.json" > "$1.log" 2>&1; }
peers "$tmp/b1" || { cat "$tmp/b1.log"; fail "ccnorm bench --peers exited $?"; }
grep -q '^scipy-expm,f64,3,1,2,[0-9.e+]*,[0-9.e+-]*,certified,0,$' "$tmp/b1/bench_peers.csv" ||
  { cat "$tmp/b1/bench_peers.csv" "$tmp/b1.log"; fail "scipy peer did not run from the installed data"; }
echo "ok: bench --peers found $datadir/ccnorm/bench/peers/peers.py"

# 3. data moved away: the error names the resource and the places searched
mv "$tmp/prefix/$datadir/ccnorm" "$tmp/data-away"
peers "$tmp/b2" || true
want="cannot find 'bench/peers/peers.py': looked for $tmp/prefix/$datadir/ccnorm/bench/peers/peers.py"
grep -qF "$want" "$tmp/b2.log" || { cat "$tmp/b2.log"; fail "no clear error (wanted: $want)"; }
grep -q '^scipy-expm,.*peer process failed' "$tmp/b2/bench_peers.csv" ||
  { cat "$tmp/b2/bench_peers.csv"; fail "peer rows should record the failure"; }
echo "ok: missing data reported: $want ..."

# 4. CCNORM_DATA_DIR overrides the search
CCNORM_DATA_DIR="$tmp/data-away" peers "$tmp/b3" || { cat "$tmp/b3.log"; fail "bench with CCNORM_DATA_DIR exited $?"; }
grep -q '^scipy-expm,f64,3,1,2,[0-9.e+]*,[0-9.e+-]*,certified,0,$' "$tmp/b3/bench_peers.csv" ||
  { cat "$tmp/b3/bench_peers.csv"; fail "CCNORM_DATA_DIR was not used"; }
echo "ok: CCNORM_DATA_DIR"
echo "installed tool: all checks passed"
