// Speed of the simulator itself (not of the simulated kernel). Run:
//   build/tests/bench/trnsim_bench
// Targets (issue 7, simulator speed), timing-only at M=4096, K=8192, N=8192: simulation alone
// >= 2 M instructions/s on matmul_optimized and >= 1 M/s on matmul_naive; build + simulate of
// matmul_optimized under 50 ms.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "sim/run/kernel_run.h"
#include "sim/config/hw_config_loader.h"
#include "sim/model/neuron_core.h"

namespace trnsim {
namespace {

const Assignments kTutorialShape = {{"M", 4096}, {"K", 8192}, {"N", 8192}};

// Building the program (kernel + SimBackend + hazard tracking) and simulating it: what
// `trnsim run --timing-only` costs.
void BM_RunKernelTimingOnly(benchmark::State& state, const char* kernel) {
  run::KernelRunRequest request;
  request.kernel = kernel;
  request.hw = load_hw_config("trn1");
  request.shape = kTutorialShape;
  size_t instructions = 0;
  for (auto _ : state) {
    const run::KernelRunOutput out = run::run_kernel(request);
    instructions = out.program.instruction_count();
    benchmark::DoNotOptimize(out.run.sim_time_ns);
  }
  state.counters["instructions"] = static_cast<double>(instructions);
  state.counters["sim_instructions_per_s"] = benchmark::Counter(
      static_cast<double>(instructions * state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_RunKernelTimingOnly, matmul_optimized, "matmul_optimized")
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_RunKernelTimingOnly, matmul_naive, "matmul_naive")
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// The SystemC simulation alone, on a prebuilt program. matmul_naive is DMA-bound: its cost is
// in DMA packets (16 shares per transfer), not in instructions.
void BM_SimulateOnly(benchmark::State& state, const char* kernel) {
  const HwConfig hw = load_hw_config("trn1");
  const isa::Program program =
      run::build_kernel_program(find_kernel(kernel), hw, kTutorialShape, {}, Dtype::bf16);
  for (auto _ : state) benchmark::DoNotOptimize(model::simulate(program, hw, {}).sim_time_ns);
  state.counters["instructions"] = static_cast<double>(program.instruction_count());
  state.counters["sim_instructions_per_s"] =
      benchmark::Counter(static_cast<double>(program.instruction_count() * state.iterations()),
                         benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_SimulateOnly, matmul_optimized, "matmul_optimized")
    ->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_SimulateOnly, matmul_naive, "matmul_naive")
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// The program build alone (kernel -> SimBackend -> scheduling, hazard tracking, tile store),
// at the argument's compiler.schedule_window (trn1: 64; 0 is program order).
void BM_BuildProgram(benchmark::State& state, const char* kernel) {
  HwConfig hw = load_hw_config("trn1");
  apply_override(hw, "compiler.schedule_window=" + std::to_string(state.range(0)));
  size_t instructions = 0;
  for (auto _ : state) {
    const isa::Program program =
        run::build_kernel_program(find_kernel(kernel), hw, kTutorialShape, {}, Dtype::bf16);
    instructions = program.instruction_count();
  }
  state.counters["instructions"] = static_cast<double>(instructions);
}
BENCHMARK_CAPTURE(BM_BuildProgram, matmul_optimized, "matmul_optimized")
    ->Unit(benchmark::kMillisecond)->UseRealTime()->ArgName("window")->Arg(0)->Arg(64);

// Many tiny simulations in one process: the fixed cost of a fresh SystemC context.
void BM_TinySimulation(benchmark::State& state) {
  const HwConfig hw = load_hw_config("trn1");
  const isa::Program program = run::build_kernel_program(
      find_kernel("matmul_naive"), hw, {{"M", 128}, {"K", 128}, {"N", 512}}, {}, Dtype::bf16);
  for (auto _ : state) benchmark::DoNotOptimize(model::simulate(program, hw, {}).sim_time_ns);
}
BENCHMARK(BM_TinySimulation)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace trnsim

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

extern "C" int sc_main(int, char**) { return 0; }  // libsystemc refers to it; unused
