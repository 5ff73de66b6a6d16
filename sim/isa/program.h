// A NeuronCore program: the HBM tensors it uses and one in-order instruction list per stream.
// This is what a backend produces, what the model executes and what `trnsim run-program` loads.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/isa/data_movement.h"
#include "sim/isa/instruction.h"

namespace trnsim::isa {

// constant: a tensor whose values come with the program (NKI's nl.shared_constant), read-only.
enum class TensorRole : uint8_t { input, output, scratch, spill, constant };
const char* tensor_role_name(TensorRole r);
TensorRole parse_tensor_role(const std::string& n);

struct HbmTensor {
  std::string name;
  int64_t rows = 0;
  int64_t cols = 0;
  Dtype dtype = Dtype::bf16;
  TensorRole role = TensorRole::input;
  std::vector<float> values = {};  // constant: rows x cols, row-major (the HBM contents)
  int64_t bytes() const { return rows * cols * dtype_size(dtype); }
};

// What the allocator that built the program knew; -1 where unknown (a hand-written program).
struct Footprint {
  int64_t peak_sbuf_bytes = -1;  // all partitions together
  int64_t peak_psum_bytes = -1;
};

struct Program {
  std::string name;
  Footprint footprint;
  DataMovement data_movement;  // from the builder; not part of the JSON format
  std::vector<HbmTensor> tensors;
  std::array<std::vector<Instruction>, kStreamCount> streams;

  size_t instruction_count() const;
  // The host memory a program of n instructions takes, roughly: each instruction's struct, its
  // waits and its label (the memory budget counts this, common/budget.h).
  static int64_t approximate_bytes(int64_t instructions) {
    return instructions * static_cast<int64_t>(sizeof(Instruction) + 64);
  }
  std::vector<Instruction>& stream(Stream s) { return streams[index(s)]; }
  const std::vector<Instruction>& stream(Stream s) const { return streams[index(s)]; }
};

// Structural checks a loaded program must pass before simulation: operands present, tensor
// indices in range, accesses inside their tensors, waits naming real streams and counts that
// the waited stream can ever reach. Throws UserError naming the stream and instruction.
void validate(const Program& p);

}  // namespace trnsim::isa
