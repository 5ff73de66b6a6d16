// A program's instructions as a multiset of "OPCODE shapes" (the names the numpy stand-in of
// neuronxcc.nki records: `MATMUL 128x128x512`, `DMA_COPY hbm->sbuf 128x512`), for comparing
// two ways of producing the same kernel.
#pragma once

#include <map>
#include <string>

#include "sim/isa/opcode.h"
#include "sim/isa/program.h"

namespace trnsim::testing {

using Operations = std::map<std::string, int64_t>;

inline std::string dims(int64_t a, int64_t b) {
  return std::to_string(a) + "x" + std::to_string(b);
}

// The stand-in's name for an instruction: opcode, direction for DMAs, the source tile shape
// (for MATMUL K x M x N, for MEMSET and IOTA the destination).
inline std::string signature(const isa::Instruction& in) {
  const std::string op = isa::opcode_name(in.op);
  const isa::AccessPattern& src = in.src0;
  switch (in.op) {
    case isa::Opcode::dma_copy:
    case isa::Opcode::dma_transpose: {
      const isa::AccessPattern& shape = in.op == isa::Opcode::dma_copy ? src : in.dst;
      return op + " " + memory_name(src.memory) + "->" + memory_name(in.dst.memory) + " " +
             dims(shape.partitions, shape.free_elements());
    }
    case isa::Opcode::matmul:
      return op + " " + dims(src.partitions, src.free_elements()) + "x" +
             std::to_string(in.src1.free_elements());
    case isa::Opcode::memset:
    case isa::Opcode::iota: return op + " " + dims(in.dst.partitions, in.dst.free_elements());
    default: return op + " " + dims(src.partitions, src.free_elements());
  }
}

// The simulator's operations, without the spill and reload DMAs that the Neuron compiler,
// not the NKI kernel, would add.
inline Operations simulated_operations(const isa::Program& p) {
  Operations ops;
  for (const auto& stream : p.streams)
    for (const isa::Instruction& in : stream) {
      const bool spill = (in.dst.memory == Memory::hbm &&
                          p.tensors[in.dst.tensor].role == isa::TensorRole::spill) ||
                         (in.src0.memory == Memory::hbm &&
                          p.tensors[in.src0.tensor].role == isa::TensorRole::spill);
      if (!spill) ++ops[signature(in)];
    }
  return ops;
}

// The compute instructions again, each as "SIGNATURE on ENGINE" with the engine of its stream
// (the stand-in's ENGINES): which engine the simulator ran each one on.
inline Operations simulated_engines(const isa::Program& p) {
  Operations ops;
  for (int s = 0; s < isa::kStreamCount; ++s) {
    const isa::Stream stream = static_cast<isa::Stream>(s);
    if (isa::is_dma(stream)) continue;
    for (const isa::Instruction& in : p.streams[s])
      ++ops[signature(in) + " on " + isa::stream_name(stream)];
  }
  return ops;
}

}  // namespace trnsim::testing
