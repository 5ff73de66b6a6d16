#!/usr/bin/env bash
# The headline demo: set up, then simulate every row of the measured corpus (traces/measured/:
# the NKI matmul tutorial, the NKIBench trn1 baselines, the fused Mamba tutorial and the
# LayerNorm tutorial) on trn1 and print each source's rows next to the measured latencies, with
# the profile's bytes, spill and engine-active fractions where a profile gave them; then the
# same with documented values only; then a Perfetto trace of matmul_optimized in
# out/matmul_optimized.trace.json (open it in ui.perfetto.dev).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
trnsim=${TRNSIM_BUILD_DIR:-build}/sim/trnsim
corpus=(traces/measured/nki_matmul_tutorial_trn1.json traces/measured/nkibench_trn1.json
        traces/measured/mamba_tutorial.json traces/measured/layernorm_tutorial.json)
echo
"$trnsim" compare "${corpus[@]}"
echo
echo "Same corpus with documented values only (nothing calibrated: hwconfig/trn1-documented.yaml):"
"$trnsim" compare "${corpus[@]}" --hw trn1-documented | grep -E "^(mean absolute|all )"
mkdir -p out
"$trnsim" run matmul_optimized --timing-only --trace out/matmul_optimized.trace.json \
  --csv out/matmul_optimized.csv > out/matmul_optimized.summary.txt
echo
echo "matmul_optimized: summary in out/matmul_optimized.summary.txt, per-instruction CSV in"
echo "out/matmul_optimized.csv, Perfetto trace in out/matmul_optimized.trace.json"
echo
echo "Llama-3.2-1B end to end, dense against NeuronMM at ratio 0.2 (trnsim llm; README 'LLM end to end'):"
"$trnsim" llm --model Llama-3.2-1B --prompt 32 --generate 32 --ratio 0.2 --trace out/llm.trace.json \
  | sed -n 1,9p
echo "(operator timeline: out/llm.trace.json)"
