#!/usr/bin/env bash
# The headline demo: set up, then simulate the four NKI tutorial matmul kernels on trn1 and
# print them side by side with AWS's measured latencies, and write a Perfetto trace of
# matmul_optimized to out/matmul_optimized.trace.json (open it in ui.perfetto.dev).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
trnsim=${TRNSIM_BUILD_DIR:-build}/sim/trnsim
echo
"$trnsim" compare traces/measured/nki_matmul_tutorial_trn1.json
echo
echo "Same model with documented values only (nothing calibrated: hwconfig/trn1-documented.yaml):"
"$trnsim" compare traces/measured/nki_matmul_tutorial_trn1.json --hw trn1-documented | tail -n 6
mkdir -p out
"$trnsim" run matmul_optimized --timing-only --trace out/matmul_optimized.trace.json \
  --csv out/matmul_optimized.csv > out/matmul_optimized.summary.txt
echo
echo "matmul_optimized: summary in out/matmul_optimized.summary.txt, per-instruction CSV in"
echo "out/matmul_optimized.csv, Perfetto trace in out/matmul_optimized.trace.json"
