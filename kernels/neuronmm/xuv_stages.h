// The two on-chip stages of NeuronMM's TrainiumFusion (reference neuronmm.md §2), as building
// blocks for the XUV and MLP kernels. Shapes: X is M x K (tokens x contraction), U is K x R,
// V is R x N. Tiles: contraction and rank by 128 partitions; tokens as moving free (<= 512) in
// stage 1 and as stationary free (<= 128) in stage 2; N by 512 (moving free) in stage 2.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kernels/api/backend.h"
#include "kernels/api/limits.h"

namespace trnsim {

constexpr int64_t kTile = limits::kPmax;          // partitions; stationary free size
constexpr int64_t kMoving = limits::kMovingFmax;  // moving free size

// Tiles per block along each dimension (the authors' tuner searches these).
struct XuvBlocks {
  int64_t k = 8;  // contraction tiles of 128 per block
  int64_t r = 4;  // rank tiles of 128 per block
  int64_t m = 8;  // token tiles of 128 per block (fewer tokens than one tile: one partial block)
  int64_t n = 4;  // output tiles per block (512 wide in natural output, 128 in transposed)
};

// Token tiling of one kernel: BM tokens per block, moved as `moving` (<= 512) and used as
// `stationary` (<= 128) slices.
struct TokenTiles {
  int64_t block = 0;
  int64_t moving = 0;
  int64_t stationary = 0;
};
TokenTiles token_tiles(const std::string& kernel, int64_t tokens, int64_t tiles_m);

// How X reaches SBUF with its contraction dim on partitions: X^T [K, M] in HBM is loaded as
// is; X [M, K] is loaded with a DMA transpose.
enum class XLayout { transposed, natural };

// Stage 1 with implicit transposition: strips[i] <- (X U_i)^T for token block `mb`, computed
// as U_i^T X^T with U_i stationary and X^T moving, accumulated over contraction blocks in SBUF.
// All U_i share the X block (NeuronMM's gate and up). Each strip is [R / 128 blocks, 128, BM].
void stage1_strips(Backend& b, const std::string& kernel, const TensorRef& x, XLayout layout,
                   const std::vector<TensorRef>& us, const std::vector<TensorRef>& strips,
                   const Expr& mb, const TokenTiles& t, const XuvBlocks& blocks);

// Stage 1 without implicit transposition: X U is computed in natural layout (X^T stationary,
// U moving), accumulated in SBUF, then transposed 128 x 128 on the Tensor Engine into `strip`.
void stage1_strip_explicit(Backend& b, const std::string& kernel, const TensorRef& xT,
                           const TensorRef& u, const TensorRef& strip, const Expr& mb,
                           const TokenTiles& t, const XuvBlocks& blocks);

// Stage 2, natural output, one N block: Y[mb, nb] <- strip^T V, with strip slices [128 r, <=128
// tokens] stationary and V tiles [128 r, 512] moving, accumulated over rank blocks in SBUF,
// packed into [tokens, BLOCK_N] rows and stored.
void stage2_natural_block(Backend& b, const std::string& kernel, const TensorRef& strip,
                          const TensorRef& v, const TensorRef& y, const Expr& mb, const Expr& nb,
                          const TokenTiles& t, const XuvBlocks& blocks);

// `tiles` row tiles [128, cols] of HBM weight `w`, rows from `first_row`, columns from
// `first_col`, loaded under a loop named `index` into a new rotating SBUF tile `name`.
TensorRef load_weight_block(Backend& b, const std::string& name, const char* index,
                            const TensorRef& w, int64_t tiles, const Expr& first_row,
                            const Expr& first_col, int64_t cols);

}  // namespace trnsim
