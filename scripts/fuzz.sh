#!/usr/bin/env bash
# Builds the loaders' libFuzzer harnesses (tests/fuzz/, clang with ASan and UBSan) into
# build-fuzz/ (or $TRNSIM_FUZZ_BUILD_DIR) and runs each for SECONDS (default 60), one after
# the other. Fails if a harness finds a crash, a sanitizer report, an exception other than a
# one-line UserError, a hang (-timeout) or runaway memory (-rss_limit_mb); the input is kept in
# build-fuzz/artifacts/ (add it to tests/fuzz/corpus/<loader>/ as regression-* once fixed).
# The inputs a run finds go to build-fuzz/corpus/<loader>/; the seeds in tests/fuzz/corpus/
# are only read. A harness that made fewer than $TRNSIM_FUZZ_MIN_EXECUTIONS (default 100,000)
# executions in SECONDS goes on for the rest of them, for at most 4 x SECONDS more (issue 8 asks
# for 100,000 per loader). Prints the executions of each harness.
#   scripts/fuzz.sh [SECONDS] [LOADER ...]      e.g. scripts/fuzz.sh 600 program_json
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
loaders=("$@")
if ((${#loaders[@]} == 0)); then
  loaders=(program_json hw_yaml measurements replay_record safetensors npy nki_trace cli_text
    model_yaml sweep_spec)
fi

build_dir=${TRNSIM_FUZZ_BUILD_DIR:-build-fuzz}
TRNSIM_BUILD_DIR=$build_dir TRNSIM_EXTRA_PACKAGES="clang libclang-rt-14-dev" scripts/setup.sh \
  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRNSIM_FUZZ=ON \
  -DTRNSIM_TESTS=OFF -DTRNSIM_BENCHMARKS=OFF

# The harnesses that read a path write their input under TMPDIR: keep it in the build tree.
export TMPDIR=$PWD/$build_dir/tmp
mkdir -p "$TMPDIR" "$build_dir/artifacts"
min_executions=${TRNSIM_FUZZ_MIN_EXECUTIONS:-100000}
failed=()

# fuzz LOADER LOG SECONDS [LIBFUZZER FLAG ...]: one libFuzzer run; its executions on stdout.
fuzz() {
  local loader=$1 log=$2 time=$3
  shift 3
  "$build_dir/tests/fuzz/fuzz_$loader" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/$loader-" "$@" \
    "$build_dir/corpus/$loader" "tests/fuzz/corpus/$loader" >"$log" 2>&1 || return 1
  sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1
}

for loader in "${loaders[@]}"; do
  mkdir -p "$build_dir/corpus/$loader"
  log=$build_dir/fuzz-$loader.log
  start=$SECONDS
  status=ok
  if executions=$(fuzz "$loader" "$log" "$seconds"); then
    if ((executions < min_executions)); then
      if more=$(fuzz "$loader" "$log.more" $((4 * seconds)) -runs=$((min_executions - executions)))
      then executions=$((executions + more)); else status=FAILED log=$log.more; fi
    fi
  else
    status=FAILED
  fi
  if [[ $status == FAILED ]]; then
    failed+=("$loader")
    tail -n 40 "$log"
  fi
  echo "fuzz: $loader: ${executions:-?} executions in $((SECONDS - start)) s: $status (log: $log)"
done
rm -rf "$TMPDIR"
if ((${#failed[@]})); then
  echo "fuzz: failed: ${failed[*]}"
  exit 1
fi
