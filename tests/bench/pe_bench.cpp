// Speed of the PE-level Tensor Engine (tensor.model=pe, issue 12): one matmul_tile simulated
// PE by PE, on the 16x16 teaching array (K = M = 16, N = 512) and on trn1's full 128x128 array
// (K = M = 128, N = 512), against the same run at the transaction level. Reported: PE-cycles
// (PE updates) per second.
#include <benchmark/benchmark.h>

#include "sim/config/hw_config_loader.h"
#include "sim/run/kernel_run.h"

namespace trnsim {
namespace {

void BM_PeLevelMatmulTile(benchmark::State& state) {
  const int64_t side = state.range(0);
  const bool pe = state.range(1) != 0;
  run::KernelRunRequest request;
  request.kernel = "matmul_tile";
  request.hw = load_hw_config(side == 128 ? "trn1" : "teaching-pe");
  apply_overrides(request.hw, {"tensor.rows=" + std::to_string(side),
                               "tensor.columns=" + std::to_string(side),
                               std::string("tensor.model=") + (pe ? "pe" : "transaction")});
  request.shape = {{"K", side}, {"M", side}, {"N", 512}};
  double edges = 0;
  for (auto _ : state) {
    const run::KernelRunOutput out = run::run_kernel(request);
    for (const auto& e : out.run.instructions)
      if (e.stream == isa::compute_stream(Engine::tensor))
        edges = (e.complete_ns - e.start_ns) * request.hw.tensor.clock_ghz;
    benchmark::DoNotOptimize(out.run.sim_time_ns);
  }
  state.counters["pe_cycles_per_s"] = benchmark::Counter(
      edges * side * side * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PeLevelMatmulTile)
    ->Args({16, 1})
    ->Args({16, 0})
    ->Args({128, 1})
    ->Args({128, 0})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace trnsim
