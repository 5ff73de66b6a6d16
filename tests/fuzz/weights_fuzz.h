// The safetensors and npy harnesses: open the bytes as a weights file of that name (the
// extension picks the format), then read every convertible tensor it lists.
#pragma once

#include "kernels/compress/weights_file.h"
#include "tests/fuzz/fuzz_target.h"

namespace trnsim::fuzz {

inline void open_and_read_weights(const uint8_t* data, size_t size, const std::string& name) {
  const std::string path = write_input_file(data, size, name);
  accept_only_user_errors([&] {
    const compress::WeightsFile file = compress::WeightsFile::open(path);
    for (const compress::TensorEntry& t : file.tensors())
      if (t.dtype && !t.shape.empty()) file.read_matrix(t.name);
  });
}

}  // namespace trnsim::fuzz
