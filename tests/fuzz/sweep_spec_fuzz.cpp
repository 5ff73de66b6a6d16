// Sweep spec YAML (sim/run/sweep_spec.cpp), through a file, as `trnsim sweep SPEC.yaml` reads
// it before running anything: parsed, expanded and every point checked and hashed.
#include "sim/run/sweep_spec.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trnsim;
  const std::string path = fuzz::write_input_file(data, size, "sweep.yaml");
  fuzz::accept_only_user_errors([&] { run::load_sweep_spec(path); });
  return 0;
}
