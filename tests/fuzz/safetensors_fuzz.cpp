// safetensors weights (kernels/compress/safetensors_format.cpp, weights_file.cpp).
#include "tests/fuzz/weights_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  trnsim::fuzz::open_and_read_weights(data, size, "weights.safetensors");
  return 0;
}
