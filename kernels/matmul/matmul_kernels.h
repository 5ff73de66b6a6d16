// The four matmul kernels of AWS's NKI matrix-multiplication tutorial (reference trainium.md
// §7.1), written from their description: result[M, N] = lhsT[K, M]^T @ rhs[K, N].
#pragma once

#include <vector>

#include "kernels/registry.h"

namespace trnsim {

// Tile sizes of the tutorial: nl.tile_size.gemm_stationary_fmax, pmax, gemm_moving_fmax.
constexpr int64_t kTileM = 128;
constexpr int64_t kTileK = 128;
constexpr int64_t kTileN = 512;

// Tiles declared inside a loop body get this many rotating buffers, so the DMA of iteration
// i+1 can overlap the compute of iteration i, as the NKI compiler pipelines affine loops.
// How many buffers the compiler really uses is not documented; two is the least that
// overlaps at all.
constexpr int kPipelineBufs = 2;

struct MatmulOperands {
  TensorRef lhsT, rhs, result;
  int64_t M, K, N;
};

// Declares lhsT, rhs and result in HBM after checking that M, K, N are whole tiles.
MatmulOperands declare_matmul(Backend& b, const std::string& kernel, const Assignments& shape,
                              Dtype dtype);

void matmul_naive(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt);
void matmul_hoisted(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt);
void matmul_blocked(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt);
void matmul_optimized(Backend& b, const Assignments& shape, const Assignments& params,
                      Dtype dt);

// One matmul of the whole operands, no tiling: for small arrays (tensor.model=pe).
void matmul_tile(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt);

std::vector<KernelSpec> matmul_kernel_specs();

}  // namespace trnsim
