#include "sim/isa/instruction.h"

#include <array>

namespace trnsim::isa {
namespace {

// Indexed by Opcode.
constexpr std::array<const char*, 10> kOpcodeNames = {
    "DMA_COPY",      "DMA_TRANSPOSE", "MATMUL",   "TRANSPOSE", "TENSOR_COPY",
    "TENSOR_TENSOR", "TENSOR_SCALAR", "ACTIVATE", "MEMSET",    "TENSOR_REDUCE"};

}  // namespace

const char* opcode_name(Opcode op) { return kOpcodeNames[static_cast<size_t>(op)]; }

Opcode parse_opcode(const std::string& name) {
  std::string allowed;
  for (size_t i = 0; i < kOpcodeNames.size(); ++i) {
    if (name == kOpcodeNames[i]) return static_cast<Opcode>(i);
    allowed += (i ? ", " : "") + std::string(kOpcodeNames[i]);
  }
  throw UserError("unknown opcode '" + name + "' (allowed: " + allowed + ")");
}

}  // namespace trnsim::isa
