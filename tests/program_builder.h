// Helpers for tests that write NeuronCore programs by hand.
#pragma once

#include "sim/isa/program.h"

namespace trnsim::testing {

inline isa::AccessPattern sbuf(int64_t offset_bytes, int64_t partitions, int64_t free,
                               Dtype dtype = Dtype::bf16) {
  isa::AccessPattern ap;
  ap.memory = Memory::sbuf;
  ap.dtype = dtype;
  ap.partitions = partitions;
  ap.offset_bytes = offset_bytes;
  ap.dims = {{1, free}};
  return ap;
}

inline isa::AccessPattern psum(int64_t offset_bytes, int64_t partitions, int64_t free) {
  isa::AccessPattern ap = sbuf(offset_bytes, partitions, free, Dtype::fp32);
  ap.memory = Memory::psum;
  return ap;
}

// rows x cols starting at (row, col) of HBM tensor `tensor` whose rows have `row_elems`.
inline isa::AccessPattern hbm(int32_t tensor, int64_t row_elems, int64_t row, int64_t col,
                              int64_t rows, int64_t cols, Dtype dtype = Dtype::bf16) {
  isa::AccessPattern ap;
  ap.memory = Memory::hbm;
  ap.tensor = tensor;
  ap.dtype = dtype;
  ap.partitions = rows;
  ap.partition_stride = row_elems;
  ap.offset_bytes = (row * row_elems + col) * dtype_size(dtype);
  ap.dims = {{1, cols}};
  return ap;
}

inline isa::Instruction matmul(isa::AccessPattern dst, isa::AccessPattern stationary,
                               isa::AccessPattern moving, bool accumulate = false) {
  isa::Instruction in;
  in.op = isa::Opcode::matmul;
  in.dst = dst;
  in.src0 = stationary;
  in.src1 = moving;
  in.accumulate = accumulate;
  return in;
}

inline isa::Instruction dma(isa::AccessPattern dst, isa::AccessPattern src) {
  isa::Instruction in;
  in.op = isa::Opcode::dma_copy;
  in.dst = dst;
  in.src0 = src;
  return in;
}

inline isa::Instruction lane(isa::Opcode op, isa::AccessPattern dst, isa::AccessPattern src0,
                             isa::AccessPattern src1 = {}) {
  isa::Instruction in;
  in.op = op;
  in.dst = dst;
  in.src0 = src0;
  in.src1 = src1;
  in.alu = AluOp::add;
  return in;
}

inline isa::Stream tensor_stream() { return isa::compute_stream(Engine::tensor); }
inline isa::Stream vector_stream() { return isa::compute_stream(Engine::vector); }
inline isa::Stream scalar_stream() { return isa::compute_stream(Engine::scalar); }

// n 1-element activations on Scalar, each reading the previous one's result and waiting for it.
inline isa::Program dependent_activation_chain(int n) {
  isa::Program p;
  for (int i = 0; i < n; ++i) {
    isa::Instruction act =
        lane(isa::Opcode::activation, sbuf(64 * (i + 1), 1, 1), sbuf(64 * i, 1, 1));
    act.imm0 = 1.0f;
    if (i > 0) act.waits = {{scalar_stream(), static_cast<uint32_t>(i)}};
    p.stream(scalar_stream()).push_back(act);
  }
  return p;
}

}  // namespace trnsim::testing
