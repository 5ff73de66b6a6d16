#include "kernels/neuronmm/neuronmm_kernels.h"

namespace trnsim {

std::vector<KernelSpec> neuronmm_kernel_specs() {
  // The shape chain of the NeuronMM comparison (issue: K=8192, R=4096, N=16384).
  const Assignments xuv_shape = {{"M", 4096}, {"K", 8192}, {"R", 4096}, {"N", 16384}};
  // The authors' fused_three_mm_XTUV blocks for more than 1024 tokens (neuronmm.md §2.1).
  const Assignments fused_blocks = {{"TILES_IN_BLOCK_K", 4}, {"TILES_IN_BLOCK_R", 2},
                                    {"TILES_IN_BLOCK_M", 8}, {"TILES_IN_BLOCK_N", 4}};
  // Llama-3.2-1B MLP at rank 1280 (RATIO 0.2), 512 tokens.
  const Assignments mlp_shape = {{"S", 512}, {"H", 2048}, {"I", 8192}, {"R", 1280}};
  Assignments tuned;  // 0: the authors' per-sequence-length table
  for (const char* stage : {"UP_", "DOWN_"})
    for (const char* dim : {"K", "R", "M", "N"})
      tuned[std::string(stage) + "TILES_IN_BLOCK_" + dim] = 0;
  const KernelMath xuv = KernelMath::xT_times_u_times_v;
  return {
      {"xuv_sequential", "NeuronMM baseline 'NKI XUV': two tutorial matmuls, (XU)^T through HBM",
       xuv_shape, {}, xuv, xuv_sequential},
      {"xuv_fused", "TrainiumFusion: (XU)^T strip cached in SBUF, implicit transposition, blocking",
       xuv_shape, fused_blocks, xuv, xuv_fused},
      {"xuv_fused_explicit_transpose", "xuv_fused, but XU transposed on the Tensor Engine",
       xuv_shape, fused_blocks, xuv, xuv_fused_explicit_transpose},
      {"xuv_unfused_recompute", "naive fusion: the (XU)^T strip recomputed for every N block",
       xuv_shape, fused_blocks, xuv, xuv_unfused_recompute},
      {"mlp_dense", "SwiGLU MLP on the tutorial matmul (NeuronMM's 'NKI XW' baseline)",
       {{"S", 512}, {"H", 2048}, {"I", 8192}}, {}, KernelMath::swiglu_dense, mlp_dense},
      {"mlp_neuronmm", "NeuronMM SwiGLU MLP: fused_mlp_up_T + fused_three_mm_XTUV on SVD factors",
       mlp_shape, tuned, KernelMath::swiglu_svd, mlp_neuronmm},
  };
}

}  // namespace trnsim
