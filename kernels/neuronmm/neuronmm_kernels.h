// NeuronMM on trnsim (reference neuronmm.md): Y = X U V kernels and the SwiGLU MLPs. X is
// passed transposed (X^T, K x M), the layout the tutorial's matmul takes as lhsT, so the dense
// baseline and the XUV kernels read the same input.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kernels/api/footprint.h"
#include "kernels/neuronmm/xuv_stages.h"
#include "kernels/registry.h"

namespace trnsim {

void xuv_sequential(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt);
void xuv_fused(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt);
void xuv_fused_explicit_transpose(Backend& b, const Assignments& shape, const Assignments& params,
                                  Dtype dt);
void xuv_unfused_recompute(Backend& b, const Assignments& shape, const Assignments& params,
                           Dtype dt);
void mlp_dense(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt);
void mlp_neuronmm(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt);

std::vector<KernelSpec> neuronmm_kernel_specs();

// Throws UserError if the named tiles (bytes per partition each, from sbuf_footprint) exceed
// the target's SBUF, naming every tile and the budget.
void check_sbuf_budget(const Backend& b, const std::string& kernel,
                       const std::vector<TileBytes>& tiles);

}  // namespace trnsim
