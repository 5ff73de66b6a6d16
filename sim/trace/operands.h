// How sim/trace looks at one instruction: which operands its opcode uses, whether each is read
// or written, and the text forms shared by the Perfetto trace and the CSV.
#pragma once

#include <string>
#include <vector>

#include "sim/isa/program.h"
#include "sim/model/run_result.h"

namespace trnsim::trace {

struct Operand {
  const char* role;  // "dst", "src0", "src1"
  const isa::AccessPattern* ap;
  bool read;     // sources; also the dst of an accumulating matmul (read-modify-write)
  bool written;  // dst
};

// The operands the opcode uses, in dst, src0, src1 order; operands that are not valid() are
// left out, so an unused src1 never counts.
std::vector<Operand> operands_of(const isa::Instruction& in);

// One operand rendered by isa::describe(), HBM operands with their tensor's name.
std::string describe_operand(const isa::Program& p, const isa::AccessPattern& ap);
// "dst; src0; src1" (the operands the opcode uses), each rendered by describe_operand().
std::string describe_operands(const isa::Program& p, const isa::Instruction& in);

// Semaphore waits as "Vector>=3 qDma2>=17"; empty when the instruction waits for nothing.
std::string describe_waits(const isa::Instruction& in);

// The instruction an event or packet refers to. An index the program does not have is a bug in
// the model, reported as std::logic_error with the stream and index.
const isa::Instruction& instruction_of(const isa::Program& p, isa::Stream s, uint32_t index);
const isa::Instruction& instruction_of(const isa::Program& p, const model::InstructionEvent& e);
const isa::Instruction& instruction_of(const isa::Program& p, const model::DmaPacketEvent& e);

// Nanoseconds as text with at most three decimals (picoseconds), trailing zeros dropped.
std::string format_ns(double ns);

}  // namespace trnsim::trace
