#!/usr/bin/env bash
# Sets up, builds (Release, tests and benchmarks included) and runs the whole test suite.
# TRNSIM_SANITIZE=1 builds with ASan+UBSan into build-sanitize/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${TRNSIM_SANITIZE:-0} == 1 ]]; then
  export TRNSIM_BUILD_DIR=${TRNSIM_BUILD_DIR:-build-sanitize}
  scripts/setup.sh -DTRNSIM_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
else
  scripts/setup.sh
fi
ctest --test-dir "${TRNSIM_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)"
