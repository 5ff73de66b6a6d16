// Eigen answers for the decoder operators (kernels/models/decoder_ops.h), in double precision
// from the same rounded inputs the simulator saw: what reference_output returns for them.
#pragma once

#include <vector>

#include "kernels/registry.h"
#include "sim/isa/program.h"

namespace trnsim::run {

std::vector<float> decoder_reference(KernelMath math, const Assignments& dims,
                                     const std::vector<const isa::HbmTensor*>& shapes,
                                     const std::vector<std::vector<float>>& inputs);

}  // namespace trnsim::run
