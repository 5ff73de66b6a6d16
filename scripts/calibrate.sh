#!/usr/bin/env bash
# Refits trn1's calibrated parameters on the measured corpus (README 'Accuracy'): the tutorial,
# NKIBench and Mamba files (rows marked not_fitted are left out), three DMA parameters within
# their documented bounds: the element rate, the descriptor overhead and the HBM-write byte
# rate (the Vector Engine's rates come from the profiles, hwconfig/trn1.yaml). Prints every
# row's error before, after and held out (10 folds) and writes the fitted values to
# out/trn1-calibrated.yaml (about 13 minutes on 2 cores). Extra arguments
# go to `trnsim calibrate` (e.g. --params KEY=LOW:HIGH,... to fit other parameters).
set -euo pipefail
cd "$(dirname "$0")/.."
trnsim=${TRNSIM_BUILD_DIR:-build}/sim/trnsim
mkdir -p out
"$trnsim" calibrate traces/measured/nki_matmul_tutorial_trn1.json \
  traces/measured/nkibench_trn1.json traces/measured/mamba_tutorial.json \
  --params dma.engine_elements_per_ns=4.25:8.5,dma.descriptor_overhead_ns=15:27,\
dma.engine_hbm_write_bytes_per_ns=7.1:17 \
  -o out/trn1-calibrated.yaml "$@"
