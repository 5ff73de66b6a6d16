// One instruction of a NeuronCore program, bound to the stream (engine or DMA queue) that
// executes it, with the semaphore waits that must hold before it may start.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/isa/access_pattern.h"
#include "sim/isa/opcode.h"
#include "sim/isa/stream.h"

namespace trnsim::isa {

// Wait until `stream` has completed at least `count` instructions. Each stream owns one
// semaphore that counts its completions, as NKI programs count "S[4] (Scalar) reaches 36".
struct SemaphoreWait {
  Stream stream{};
  uint32_t count = 0;
};

struct Instruction {
  Opcode op = Opcode::tensor_copy;
  AccessPattern dst;
  AccessPattern src0;
  AccessPattern src1;  // matmul: moving; tensor_tensor: second input; otherwise unused
  AluOp alu = AluOp::bypass;
  ActFunc func = ActFunc::identity;
  float imm0 = 0.0f;
  float imm1 = 0.0f;
  bool accumulate = false;  // matmul: add into PSUM instead of overwriting
  std::vector<SemaphoreWait> waits;
  std::string label;  // where it came from, e.g. "matmul_optimized:lhsT_tiles"
};

}  // namespace trnsim::isa
