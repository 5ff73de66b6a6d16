// NKI kernel traces of `trnsim run-trace` (kernels/nki/trace_kernel.cpp), from memory: loaded,
// then replayed into a program on trn1 within a small budget, so that each input stays fast.
#include "sim/config/hw_config_loader.h"
#include "sim/run/nki_run.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trnsim;
  static const HwConfig machine = load_hw_config("trn1");
  Budget budget;
  budget.max_instructions = 100'000;
  budget.max_memory_bytes = int64_t{256} << 20;
  fuzz::accept_only_user_errors([&] {
    const nki::TraceKernel kernel =
        nki::TraceKernel::from_text(fuzz::text_of(data, size), "<fuzz>");
    run::build_trace_program(kernel, machine, budget);
  });
  return 0;
}
