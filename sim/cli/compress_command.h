// `trnsim compress`: block-aligned SVD of the 2-D tensors of a weights file (NeuronMM §4.1).
// The work is kernels/compress/compress_weights.h; this file maps options to it and prints the
// per-tensor report as an aligned table or, with --json, as one JSON object.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace trnsim::cli {

struct CompressOptions {
  std::string weights;               // .safetensors or .npy
  double ratio = -1;                 // fraction of parameters removed, in (0, 1)
  int64_t block = 128;
  std::vector<std::string> tensors;  // empty: every 2-D tensor
  std::string output;                // a safetensors file, or a directory for .npy input
  bool json = false;
  std::string calibration;           // activations for whitening (.npy or safetensors)
  std::string svd = "auto";          // full | randomized | auto
};

// Throws trnsim::UserError (one line) for every bad input, an output that is an input, or a
// report that cannot be written to `out`; then nothing has been written.
void run_compress(const CompressOptions& options, std::ostream& out);

}  // namespace trnsim::cli
