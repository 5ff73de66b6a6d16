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

// The comparisons give 1.0 where they hold and 0.0 elsewhere (NKI's nl.equal, nl.less, ...).
enum class AluOp : uint8_t {
  add,
  subtract,
  multiply,
  max,
  min,
  bypass,
  divide,
  equal,
  not_equal,
  greater,
  greater_equal,
  less,
  less_equal
};
const char* alu_op_name(AluOp op);
AluOp parse_alu_op(const std::string& name);

// gelu is the exact form, x * (1 + erf(x / sqrt 2)) / 2 (NKI's nl.gelu; the tanh
// approximation is nl.gelu_apprx_tanh).
enum class ActFunc : uint8_t {
  identity,
  exp,
  silu,
  relu,
  sigmoid,
  tanh,
  log,
  gelu,
  rsqrt,
  sqrt,
  square,
  reciprocal
};
const char* act_func_name(ActFunc f);
ActFunc parse_act_func(const std::string& name);

enum class Memory : uint8_t { hbm, sbuf, psum };

// DMA queue ids a program can name (qDma0 .. qDma15): the size of the program format's stream
// array. How many queues a machine has is `dma.queues_per_engine`, at most this.
constexpr int kMaxDmaQueues = 16;
const char* memory_name(Memory m);
Memory parse_memory(const std::string& name);

}  // namespace trnsim
