#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang-14 (-fsanitize=fuzzer,address,undefined,
# every UBSan report fatal) into ${FUZZ_BUILD:-build-fuzz}/, separate from the CMake builds.
# The certified reference (needed by fuzz_validate's scorer) is compiled once, uninstrumented.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${FUZZ_BUILD:-build-fuzz}
mkdir -p "$out"
CXX=${FUZZ_CXX:-clang++-14}
SAN="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
COMMON="-std=c++20 -O1 -g -ffp-contract=off -I."
build() {  # name sources... [-- extra link args]
  local name=$1; shift
  local srcs=() libs=()
  while (($#)); do
    if [[ $1 == -- ]]; then shift; libs=("$@"); break; fi
    srcs+=("$1"); shift
  done
  local newest
  local files=()
  for f in "${srcs[@]}"; do [[ -f $f ]] && files+=("$f"); done
  newest=$(ls -t "${files[@]}" tests/fuzz/*.hpp io/*.hpp normalizer/*.hpp normalizer/series/*.hpp bench/sweep/*.hpp validate/*.hpp | head -1)
  if [[ -x $out/$name && $out/$name -nt $newest && $out/$name -nt tests/fuzz/build.sh ]]; then return; fi
  echo "fuzz: building $name" >&2
  $CXX $COMMON $SAN "${srcs[@]}" "${libs[@]}" -o "$out/$name"
}
# the reference, uninstrumented (only fuzz_validate links it; its cases carry stored references)
ref=$out/reference.o
if [[ ! -f $ref || reference/reference.cpp -nt $ref || reference/reference.hpp -nt $ref ]]; then
  echo "fuzz: compiling reference/reference.cpp" >&2
  $CXX -std=c++20 -O2 -ffp-contract=off -I. -c reference/reference.cpp -o "$ref"
fi
build fuzz_rows tests/fuzz/fuzz_rows.cpp
build fuzz_kernels tests/fuzz/fuzz_kernels.cpp
build fuzz_sweep_csv tests/fuzz/fuzz_sweep_csv.cpp bench/sweep/sweep_csv.cpp bench/sweep/inputs.cpp -- -lfmt
build fuzz_golden tests/fuzz/fuzz_golden.cpp validate/golden.cpp -- -lfmt
build fuzz_validate tests/fuzz/fuzz_validate.cpp validate/validate.cpp validate/golden.cpp io/provenance.cpp \
  -DCCNORM_FUZZ_CASES="\"$PWD/tests/fuzz/validate_cases.csv\"" -DCCNORM_VERSION="\"fuzz\"" -- "$ref" -lflint-arb -lflint -lmpfr -lgmp -lfmt
