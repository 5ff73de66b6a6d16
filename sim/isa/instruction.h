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
  AccessPattern src1;  // matmul: moving; tensor_tensor: second input; see below
  // tensor_scalar and activation (OpcodeInfo::scalar_tiles): src1 and src2, when valid, are
  // [P, 1] tiles of per-partition scalars that replace imm0 and imm1 (tensor_scalar: operand0
  // and operand1; activation: scale and bias), each broadcast along the free axis.
  // tensor_tensor_scan: src1 is data1; src2, when valid, the [P, 1] initial value (else imm0).
  AccessPattern src2;
  AluOp alu = AluOp::bypass;
  AluOp alu1 = AluOp::bypass;  // tensor_scalar: the second op (bypass: none)
  bool reverse0 = false;       // tensor_scalar: operand0 (op) x instead of x (op) operand0
  bool reverse1 = false;       // ... the same for the second op
  ActFunc func = ActFunc::identity;
  float imm0 = 0.0f;
  float imm1 = 0.0f;
  // iota, affine_select: offset + partition_step * p + free_step * f at element [p, f] (f the
  // flat free index), as NKI's nl.arange expressions (nisa.iota / nisa.affine_select).
  struct Affine {
    int64_t offset = 0;
    int64_t partition_step = 0;
    int64_t free_step = 0;
    bool operator==(const Affine& o) const {
      return offset == o.offset && partition_step == o.partition_step && free_step == o.free_step;
    }
  } affine;
  bool accumulate = false;  // matmul: add into PSUM instead of overwriting
  std::vector<SemaphoreWait> waits;
  std::string label;  // where it came from, e.g. "matmul_optimized:lhsT_tiles"
};

}  // namespace trnsim::isa
