#include "kernels/matmul/matmul_kernels.h"

namespace trnsim {

MatmulOperands declare_matmul(Backend& b, const std::string& kernel, const Assignments& shape,
                              Dtype dtype) {
  require_positive(kernel, shape);
  MatmulOperands op;
  op.M = shape.at("M");
  op.K = shape.at("K");
  op.N = shape.at("N");
  require_multiple(kernel, "M", op.M, kTileM, "TILE_M, the stationary free size");
  require_multiple(kernel, "K", op.K, kTileK, "TILE_K, the partition count");
  require_multiple(kernel, "N", op.N, kTileN, "TILE_N, the moving free size");
  op.lhsT = b.hbm_input("lhsT", op.K, op.M, dtype);
  op.rhs = b.hbm_input("rhs", op.K, op.N, dtype);
  op.result = b.hbm_output("result", op.M, op.N, dtype);
  return op;
}

std::vector<KernelSpec> matmul_kernel_specs() {
  const Assignments tutorial_shape = {{"M", 4096}, {"K", 8192}, {"N", 8192}};
  const KernelMath math = KernelMath::lhsT_transposed_times_rhs;
  return {
      {"matmul_naive", "NKI tutorial: original tiled matmul (loads per k step)", tutorial_shape,
       {}, math, matmul_naive},
      {"matmul_hoisted", "NKI tutorial opt 1: lhsT column hoisted out of the n loop",
       tutorial_shape, {}, math, matmul_hoisted},
      {"matmul_blocked", "NKI tutorial opt 2: blocked M and N free dimensions", tutorial_shape,
       {{"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 2}}, math, matmul_blocked},
      {"matmul_optimized",
       "NKI tutorial opt 3 (fully optimized): blocked M, N, K, SBUF accumulation",
       tutorial_shape,
       {{"TILES_IN_BLOCK_M", 16}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 8}}, math,
       matmul_optimized},
      {"matmul_tile", "one matmul of the whole operands, for small arrays (tensor.model=pe)",
       {{"M", 4}, {"K", 4}, {"N", 4}}, {}, math, matmul_tile},
  };
}

}  // namespace trnsim
