// The arithmetic of each instruction, applied to a MemoryImage: fp32 internally (the engines
// compute in fp32, A2), matmuls summed in the systolic array's order (pe_arithmetic.h), results
// rounded by the destination's dtype.
#pragma once

#include "sim/isa/instruction.h"
#include "sim/model/memory_image.h"

namespace trnsim::model {

void execute(const isa::Instruction& in, MemoryImage& memory);

}  // namespace trnsim::model
