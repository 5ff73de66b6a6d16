// The vocabulary shared by kernels, backends and the simulator's ISA: element types, engines,
// memories, ALU operations and activation functions. Nothing here knows about time or layout.
#pragma once

#include <cstdint>
#include <string>

#include "common/error.h"

namespace trnsim {

enum class Dtype : uint8_t { bf16, fp16, fp32 };

// Bytes per element. Every dtype is listed, so a new one cannot silently get a wrong size.
constexpr int dtype_size(Dtype d) {
  switch (d) {
    case Dtype::bf16:
      return 2;
    case Dtype::fp16:
      return 2;
    case Dtype::fp32:
      return 4;
  }
  return 0;
}
const char* dtype_name(Dtype d);
Dtype parse_dtype(const std::string& name);  // throws UserError

// The four compute engines of a NeuronCore. DMA queues are not engines; see isa::Stream.
enum class Engine : uint8_t { tensor, vector, scalar, gpsimd };
const char* engine_name(Engine e);

enum class AluOp : uint8_t { add, subtract, multiply, max, min, bypass };
const char* alu_op_name(AluOp op);
AluOp parse_alu_op(const std::string& name);

enum class ActFunc : uint8_t { identity, exp, silu, relu, sigmoid, tanh };
const char* act_func_name(ActFunc f);
ActFunc parse_act_func(const std::string& name);

enum class Memory : uint8_t { hbm, sbuf, psum };

// DMA queue ids a program can name (qDma0 .. qDma15): the size of the program format's stream
// array. How many queues a machine has is `dma.queues_per_engine`, at most this.
constexpr int kMaxDmaQueues = 16;
const char* memory_name(Memory m);
Memory parse_memory(const std::string& name);

}  // namespace trnsim
