// Speed of the NKI front end (issue 9): tracing an NKI kernel file with the Python tracer, then
// replaying the trace into a program and simulating it, timing-only: what
// `trnsim run-nki FILE.py --timing-only` costs. The target is the NKI version of the tutorial's
// fully optimized matmul (tests/nki_kernels/matmul_fully_optimized.py) at M=4096, K=8192,
// N=8192 in under 3 s of wall time on this 2-core machine.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <fstream>
#include <string>

#include "kernels/nki/trace_kernel.h"
#include "sim/config/hw_config_loader.h"
#include "sim/model/neuron_core.h"
#include "sim/run/nki_run.h"

namespace trnsim {
namespace {

const std::string kKernel =
    std::string(TRNSIM_SOURCE_DIR) + "/tests/nki_kernels/matmul_fully_optimized.py";
// lhsT is [K, M], rhs [K, N].
const std::vector<std::string> kTutorialArgs = {"lhsT=8192x4096:bf16", "rhs=8192x8192:bf16"};

// Operations in a trace: the events that carry the kernel line (`at`) they came from
// (python/TRACE_FORMAT.md); declarations and loop markers do not.
int64_t traced_operations(const std::string& trace_path) {
  std::ifstream in(trace_path);
  int64_t count = 0;
  for (std::string line; std::getline(in, line);)
    if (line.find("\"at\":") != std::string::npos) ++count;
  return count;
}

std::string bench_trace_path() {
  return "/tmp/trnsim-bench-" + std::to_string(getpid()) + ".jsonl";
}

// Sets the counters of a benchmark that ran `step` once per iteration over a trace of the
// kernel: its traced operations and the wall time per operation.
template <typename Step>
void time_per_operation(benchmark::State& state, Step&& step) {
  const std::string trace_path = bench_trace_path();
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    step(trace_path);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  const double operations = static_cast<double>(traced_operations(trace_path));
  std::remove(trace_path.c_str());
  state.counters["traced_operations"] = operations;
  state.counters["us_per_traced_operation"] =
      seconds * 1e6 / (operations * static_cast<double>(state.iterations()));
}

// The command itself, as a user runs it: `trnsim run-nki FILE:KERNEL --arg .. --timing-only
// --quiet --save-trace T` (the trace is saved to count its operations), Python start-up,
// tracing, loading, replaying and simulating included.
void BM_RunNkiCommand(benchmark::State& state) {
  time_per_operation(state, [](const std::string& trace_path) {
    std::string command = std::string(TRNSIM_BINARY_DIR) + "/sim/trnsim run-nki " + kKernel +
                          ":matmul_fully_optimized --timing-only --quiet --save-trace " +
                          trace_path;
    for (const std::string& arg : kTutorialArgs) command += " --arg " + arg;
    if (std::system((command + " > /dev/null").c_str()) != 0)
      throw std::runtime_error("failed: " + command);
  });
}
BENCHMARK(BM_RunNkiCommand)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The same in this process, without the exit: the trace is freed here, which the command
// skips (sim/cli/nki_command.cpp).
void BM_RunNkiTimingOnly(benchmark::State& state) {
  const HwConfig hw = load_hw_config("trn1");
  size_t instructions = 0;
  time_per_operation(state, [&](const std::string& trace_path) {
    run::trace_nki_file(kKernel, trace_path, kTutorialArgs);
    const nki::TraceKernel kernel = nki::TraceKernel::load(trace_path);
    const isa::Program program = run::build_trace_program(kernel, hw);
    benchmark::DoNotOptimize(model::simulate(program, hw, {}).sim_time_ns);
    instructions = program.instruction_count();
  });
  state.counters["instructions"] = static_cast<double>(instructions);
}
BENCHMARK(BM_RunNkiTimingOnly)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

// The tracer alone (Python, /usr/bin/python3): the part of run-nki that C++ does not do.
void BM_TraceNkiKernel(benchmark::State& state) {
  time_per_operation(state, [](const std::string& trace_path) {
    run::trace_nki_file(kKernel, trace_path, kTutorialArgs);
  });
}
BENCHMARK(BM_TraceNkiKernel)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

}  // namespace
}  // namespace trnsim
