// The decoder operators (kernels/models/decoder_ops.h) registered as library kernels.
#pragma once

#include <vector>

#include "kernels/registry.h"

namespace trnsim {

// The epsilon of the library kernels' norms (Llama's rms_norm_eps; the LLM runner passes the
// model's own). Timing does not depend on it.
constexpr float kLibraryNormEps = 1e-5f;

std::vector<KernelSpec> decoder_kernel_specs();

}  // namespace trnsim
