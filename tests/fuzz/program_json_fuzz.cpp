// Program JSON (sim/isa/program_json_read.cpp), from memory. A program that loads must also
// survive writing and reading back.
#include "sim/isa/program_json.h"
#include "tests/fuzz/fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace trnsim;
  fuzz::accept_only_user_errors([&] {
    const isa::Program p = isa::program_from_text(fuzz::text_of(data, size), "<fuzz>");
    isa::program_from_json(isa::program_to_json(p), "<fuzz, written back>");
  });
  return 0;
}
