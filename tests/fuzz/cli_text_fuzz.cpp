// The command line's text parsers: --shape / --param (kernels/registry.cpp, then checked
// against a kernel's keys), --set (sim/config/hw_config_loader.cpp, on a fixed machine), and
// the kernel and dtype names.
#include "kernels/registry.h"
#include "sim/config/hw_config_loader.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trnsim;
  static const HwConfig machine = load_hw_config("trn1");
  const std::string text(fuzz::text_of(data, size));
  fuzz::accept_only_user_errors([&] {
    const KernelSpec& spec = find_kernel("matmul_optimized");
    merge_assignments(spec.default_shape, parse_assignments(text, "--shape"), spec.name,
                      "shape key");
  });
  fuzz::accept_only_user_errors([&] {
    HwConfig cfg = machine;
    apply_overrides(cfg, {text});
  });
  fuzz::accept_only_user_errors([&] { find_kernel(text); });
  fuzz::accept_only_user_errors([&] { parse_dtype(text); });
  return 0;
}
