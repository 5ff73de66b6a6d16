// Measurements files of `trnsim compare` (sim/run/measurements.cpp), from memory. Nothing is
// simulated: loading checks every row against the kernel library.
#include "sim/run/measurements.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trnsim;
  fuzz::accept_only_user_errors(
      [&] { run::measurements_from_text(fuzz::text_of(data, size), "<fuzz>"); });
  return 0;
}
