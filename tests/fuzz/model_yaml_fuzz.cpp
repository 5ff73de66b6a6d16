// Model description YAML (sim/run/llm_model_file.cpp), through a file, as `trnsim llm --model
// FILE.yaml` reads it.
#include "sim/run/llm_model_file.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trnsim;
  const std::string path = fuzz::write_input_file(data, size, "model.yaml");
  fuzz::accept_only_user_errors([&] { run::load_llm_model(path); });
  return 0;
}
