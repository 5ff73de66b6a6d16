// The NKI tutorial's fully optimized matmul schedule as a building block: other kernels
// (the dense MLP, the sequential XUV baseline) call it on their own operands, as NeuronMM's
// baselines call `nki_matmul_fully_optimized_`.
#pragma once

#include <string>

#include "kernels/api/backend.h"

namespace trnsim {

struct MatmulBlocks {
  int64_t tiles_m = 16;  // TILES_IN_BLOCK_M
  int64_t tiles_n = 2;   // TILES_IN_BLOCK_N
  int64_t tiles_k = 8;   // TILES_IN_BLOCK_K
};

// result[M, N] = lhsT[K, M]^T @ rhs[K, N]. Tiles are [128 K] x [min(M, 128) M] x [min(N, 512) N],
// so a handful of tokens (M or N below one tile) runs as one partial tile. Every dimension
// must be a whole number of blocks; `kernel` names the caller in errors.
void optimized_matmul(Backend& b, const std::string& kernel, const TensorRef& lhsT,
                      const TensorRef& rhs, const TensorRef& result, const MatmulBlocks& blocks);

// The largest value up to `preferred` that divides `count` (at least 1): fits a default block
// size to a shape, as the authors' kernels mask ragged blocks instead.
int64_t fit_tiles(int64_t count, int64_t preferred);

// The largest blocks up to `preferred` that divide the tile counts of an M x K x N product of
// `dtype` and whose tiles fit in `sbuf_bytes` per partition: the result tiles span all of M, so
// for a large M the N block (then the K block, then the M block) is made smaller rather than
// letting the result tiles spill. If no blocks fit, the largest dividing ones are kept (and
// spill).
MatmulBlocks fit_blocks(int64_t M, int64_t K, int64_t N, Dtype dtype, int64_t sbuf_bytes,
                        const MatmulBlocks& preferred = {});

}  // namespace trnsim
