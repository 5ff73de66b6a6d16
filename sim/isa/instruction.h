// One instruction of a NeuronCore program, bound to the stream (engine or DMA queue) that
// executes it, with the semaphore waits that must hold before it may start.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/isa/access_pattern.h"
#include "sim/isa/stream.h"

namespace trnsim::isa {

enum class Opcode : uint8_t {
  dma_copy,       // DMA queue: dst <- src (any memories; casts through fp32)
  dma_transpose,  // DMA queue: dst[p, f] <- src[f, p], 2-D only
  matmul,         // Tensor: dst(PSUM)[M,N] (+)= src0(stationary)[K,M]^T @ src1(moving)[K,N]
  transpose,      // Tensor: dst(PSUM)[F,P] <- src0[P,F] (matmul against identity)
  tensor_copy,    // Vector/Scalar/GpSimd: dst <- src0 (with cast)
  tensor_tensor,  // Vector/GpSimd: dst <- src0 (alu) src1
  tensor_scalar,  // Vector/Scalar/GpSimd: dst <- (src0 (alu) imm0)
  activation,     // Scalar: dst <- func(src0 * imm0 + imm1)
  memset,         // Vector/GpSimd: dst <- imm0
  reduce,         // Vector: dst[p, 0] <- reduce(alu) over the free axis of src0
};

const char* opcode_name(Opcode op);  // neuron-profile style: "MATMUL", "TENSOR_TENSOR", ...
Opcode parse_opcode(const std::string& name);

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
