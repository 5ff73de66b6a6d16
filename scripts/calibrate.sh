#!/usr/bin/env bash
# Refits trn1's calibrated DMA parameters on the measured corpus (README 'Accuracy'): the
# tutorial, NKIBench and Mamba files, the element rate and the descriptor overhead within their
# documented bounds. Prints every row's error before, after and held out (10 folds) and writes
# the fitted values to out/trn1-calibrated.yaml (about 9 minutes on 2 cores). Extra arguments
# go to `trnsim calibrate` (e.g. --params KEY=LOW:HIGH,... to fit other parameters).
set -euo pipefail
cd "$(dirname "$0")/.."
trnsim=${TRNSIM_BUILD_DIR:-build}/sim/trnsim
mkdir -p out
"$trnsim" calibrate traces/measured/nki_matmul_tutorial_trn1.json \
  traces/measured/nkibench_trn1.json traces/measured/mamba_tutorial.json \
  --params dma.engine_elements_per_ns=4.25:8.5,dma.descriptor_overhead_ns=15:27 \
  -o out/trn1-calibrated.yaml "$@"
