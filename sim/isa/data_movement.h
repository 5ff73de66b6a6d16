// Bytes a program moves along each path of the memory hierarchy, per logical tensor, as the
// backend that built it knows them (kernels/api calls name their tensors; a hand-written
// program has none). Paths: HBM->SBUF, SBUF->HBM, SBUF->PE (matmul operands), PE->PSUM
// (matmul results), PSUM->SBUF. Tensors: the kernel's HBM tensors by name ("xT", "U", "Y"),
// "intermediate" for data that never leaves the chip or goes to a scratch tensor, "spill".
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace trnsim::isa {

struct DataMovement {
  std::map<std::string, std::map<std::string, int64_t>> bytes;  // path -> tensor -> bytes
  // The least HBM traffic the kernel's math allows: every input read once ("HBM->SBUF"),
  // every output written once ("SBUF->HBM").
  std::map<std::string, int64_t> minimum;
  bool empty() const { return bytes.empty(); }
};

}  // namespace trnsim::isa
