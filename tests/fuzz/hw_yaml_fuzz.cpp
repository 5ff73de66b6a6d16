// Hardware config YAML (sim/config/hw_config_loader.cpp, yaml_input.cpp), through a file: the
// loader resolves `base:` against the file's directory.
#include "sim/config/hw_config_loader.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trnsim;
  const std::string path = fuzz::write_input_file(data, size, "config.yaml");
  fuzz::accept_only_user_errors([&] { load_hw_config(path); });
  return 0;
}
