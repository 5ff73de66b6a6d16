// Speed of `trnsim sweep` (issue 12): a 200-point sweep (5 SBUF sizes x 5 HBM efficiencies x 2
// kernels x 2 shapes x 2 block settings) on the local pool of 2 processes, then the same spec
// again, every point cached. Targets: under 2 minutes, then under 5 s.
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sim/run/sweep.h"

namespace trnsim {
namespace {

const char* kSpec = R"(hw: trn1
runs:
  - kernel: matmul_optimized
    shapes: ["M=1024,K=2048,N=2048", "M=2048,K=2048,N=4096"]
    params: ["TILES_IN_BLOCK_M=2,TILES_IN_BLOCK_N=2,TILES_IN_BLOCK_K=4",
             "TILES_IN_BLOCK_M=4,TILES_IN_BLOCK_N=2,TILES_IN_BLOCK_K=8"]
  - kernel: mlp_neuronmm
    shapes: ["S=512,H=2048,I=8192,R=1280", "S=128,H=2048,I=8192,R=1280"]
    params: ["UP_TILES_IN_BLOCK_M=0", "UP_TILES_IN_BLOCK_M=1"]
set:
  sbuf.bytes_per_partition: [65536, 98304, 131072, 163840, 196608]
  hbm.efficiency: [0.2, 0.4, 0.6, 0.8, 1.0]
)";

void BM_Sweep200Points(benchmark::State& state) {
  const std::string dir = "/tmp/trnsim-sweep-bench-" + std::to_string(getpid());
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/spec.yaml") << kSpec;
  const run::SweepSpec spec = run::load_sweep_spec(dir + "/spec.yaml");
  const std::string trnsim = std::string(TRNSIM_BINARY_DIR) + "/sim/trnsim";
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir + "/cache");
    state.ResumeTiming();
    const run::SweepRun first = run::run_sweep(spec, trnsim, dir + "/cache", 2, "");
    const auto start = std::chrono::steady_clock::now();
    const run::SweepRun second = run::run_sweep(spec, trnsim, dir + "/cache", 2, "");
    state.counters["points"] = static_cast<double>(first.points);
    state.counters["failed"] = static_cast<double>(first.failed);
    state.counters["cached_rerun_s"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.counters["cached_on_rerun"] = static_cast<double>(second.cached);
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_Sweep200Points)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
}  // namespace trnsim
