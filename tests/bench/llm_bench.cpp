// Speed of `trnsim llm` (issue 11): Llama-3.2-1B with a 32-token prompt and 32 generated
// tokens, the dense model and NeuronMM's at ratio 0.2 (80% of the MLP parameters kept), both
// in one run as the command does it, timing only. The target is under 10 s of wall time.
#include <benchmark/benchmark.h>

#include "sim/config/hw_config_loader.h"
#include "sim/run/llm_model_file.h"
#include "sim/run/llm_run.h"

namespace trnsim {
namespace {

void BM_LlmDenseAndNeuronmm(benchmark::State& state, const char* model) {
  run::LlmRequest request;
  request.model = run::load_llm_model(model);
  request.hw = load_hw_config("trn1");
  request.prompt = state.range(0);
  request.generate = state.range(1);
  request.ratio = 0.2;
  double simulated_ms = 0;
  int simulations = 0;
  for (auto _ : state) {
    const run::LlmResult r = run::run_llm(request);
    simulated_ms = r.variants[0].end_to_end_ns() / 1e6;
    simulations = r.simulations;
  }
  state.counters["operator_simulations"] = simulations;
  state.counters["dense_end_to_end_ms"] = simulated_ms;
}
BENCHMARK_CAPTURE(BM_LlmDenseAndNeuronmm, llama_3_2_1b, "Llama-3.2-1B")
    ->Args({32, 32})
    ->Args({2048, 32})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

}  // namespace
}  // namespace trnsim
