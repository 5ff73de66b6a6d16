// The replay record of `trnsim run --replay` (sim/run/run_record.cpp), from memory: a --json
// summary or a trace holding one.
#include "sim/run/run_record.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trnsim;
  fuzz::accept_only_user_errors(
      [&] { run::record_from_text(fuzz::text_of(data, size), "<fuzz>"); });
  return 0;
}
