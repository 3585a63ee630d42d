#!/usr/bin/env bash
# Install the Debian 12 packages ccnorm needs (when run as root and something is missing),
# then configure and build into build/. Idempotent; used by scripts/main.sh, scripts/test.sh
# and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(build-essential cmake pkg-config libmpfr-dev libgmp-dev libboost-dev libeigen3-dev libfmt-dev
      libbenchmark-dev libgtest-dev libflint-arb-dev python3 python3-matplotlib python3-numpy
      python3-scipy python3-mpmath clang-14 libclang-rt-14-dev libhwy-dev ${EXTRA_PKGS:-}
      pybind11-dev python3-dev python3-pytest python3-torch python3-sklearn)  # the Python package (python/) and its tests (the case study tests: sklearn's digits)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing Debian packages: ${missing[*]} (run as root or install them)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# CUDA (optional): nvcc under /usr/local/cuda is picked up when present.
if [[ -x /usr/local/cuda/bin/nvcc ]]; then export PATH="/usr/local/cuda/bin:$PATH"; fi

# The release preset (CMakePresets.json): Release into build/, the tool is build/ccnorm.
JOBS=${JOBS:-$(nproc)}
cmake --preset release ${CCNORM_CMAKE_ARGS:-} >/dev/null
cmake --build --preset release -j"$JOBS"
# The Python package (python/CMakeLists.txt): install it where /usr/bin/python3 finds it from any
# directory (root: the system site directory; otherwise the user's site directory; nothing when
# configured with -DCCNORM_BUILD_PYTHON=OFF).
cmake --install build --component python
