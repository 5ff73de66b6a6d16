// Independent answers for numerics checks: what a kernel's output must equal, computed with
// Eigen from the same (already rounded) inputs the simulator saw.
#pragma once

#include <vector>

#include "kernels/registry.h"
#include "sim/isa/program.h"

namespace trnsim::run {

// Values of the kernel's output tensor, rows x cols row-major, in fp32 before any rounding
// to the output dtype. `inputs` are the program's input tensors in declaration order; `dims`
// the kernel's shape and parameters (the decoder operators' head counts, layout flags).
std::vector<float> reference_output(KernelMath math, const Assignments& dims,
                                    const std::vector<const isa::HbmTensor*>& input_shapes,
                                    const std::vector<std::vector<float>>& inputs);

// Deterministic pseudo-random values in [-1, 1), already rounded to `dtype`.
std::vector<float> random_values(int64_t count, Dtype dtype, uint64_t seed);

}  // namespace trnsim::run
