#!/usr/bin/env bash
# Sweeps hbm.efficiency, the one calibrated parameter of trn1.yaml, over the NKI tutorial
# measurements and prints the mean absolute error of each value. Usage:
#   scripts/calibrate.sh [value ...]      (default: 0.24 .. 0.28)
set -euo pipefail
cd "$(dirname "$0")/.."
trnsim=${TRNSIM_BUILD_DIR:-build}/sim/trnsim
values=("$@")
((${#values[@]})) || values=(0.24 0.245 0.25 0.255 0.26 0.265 0.27 0.275 0.28)
printf "%-10s %s\n" "efficiency" "MAPE %"
for v in "${values[@]}"; do
  "$trnsim" compare traces/measured/nki_matmul_tutorial_trn1.json --set "hbm.efficiency=$v" --json |
    sed -e 's/.*"mape_percent":\([0-9.]*\).*/\1/' | xargs printf "%-10s %.2f\n" "$v"
done
