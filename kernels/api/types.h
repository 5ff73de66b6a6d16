// The vocabulary shared by kernels, backends and the simulator's ISA: element types, engines,
// ALU operations and activation functions. Nothing here knows about time or memory layout.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace trnsim {

// A user-facing error: bad input, bad shape, a tile that cannot fit. The CLI prints `what()` as
// one line and exits non-zero. Broken invariants inside the simulator are asserts, not this.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Dtype : uint8_t { bf16, fp16, fp32 };

inline int dtype_size(Dtype d) { return d == Dtype::fp32 ? 4 : 2; }
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
const char* memory_name(Memory m);

}  // namespace trnsim
