// Tutorial optimization 2: block the free dimensions. Per block of TILES_IN_BLOCK_M tiles of
// M, the lhsT tiles are loaded once; per block of TILES_IN_BLOCK_N tiles of N, the rhs tiles
// are loaded once and reused by every m tile of the block.
#include "kernels/matmul/matmul_kernels.h"

namespace trnsim {

void matmul_blocked(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt) {
  const std::string name = "matmul_blocked";
  const MatmulOperands op = declare_matmul(b, name, shape, dt);
  require_positive(name, params);
  const int64_t tiles_m = params.at("TILES_IN_BLOCK_M"), tiles_n = params.at("TILES_IN_BLOCK_N");
  require_multiple(name, "M", op.M, kTileM * tiles_m, "TILE_M x TILES_IN_BLOCK_M");
  require_multiple(name, "N", op.N, kTileN * tiles_n, "TILE_N x TILES_IN_BLOCK_N");
  const int64_t k_tiles = op.K / kTileK;

  b.for_range("m", op.M / (kTileM * tiles_m), Loop::affine, [&](Expr m) {
    const TensorRef lhsT_tiles =
        b.sbuf_tile("lhsT_tiles", {tiles_m, k_tiles}, kTileK, kTileM, dt, kPipelineBufs);
    b.for_range("bm", tiles_m, Loop::affine, [&](Expr bm) {
      b.for_range("k", k_tiles, Loop::affine, [&](Expr k) {
        b.dma_copy(lhsT_tiles.block({bm, k}),
                   hbm_slice(op.lhsT, k * kTileK, kTileK, (m * tiles_m + bm) * kTileM, kTileM));
      });
    });
    b.for_range("n", op.N / (kTileN * tiles_n), Loop::affine, [&](Expr n) {
      const TensorRef rhs_tiles =
          b.sbuf_tile("rhs_tiles", {tiles_n, k_tiles}, kTileK, kTileN, dt, kPipelineBufs);
      b.for_range("bn", tiles_n, Loop::affine, [&](Expr bn) {
        b.for_range("k", k_tiles, Loop::affine, [&](Expr k) {
          b.dma_copy(rhs_tiles.block({bn, k}), hbm_slice(op.rhs, k * kTileK, kTileK,
                                                         (n * tiles_n + bn) * kTileN, kTileN));
        });
      });
      b.for_range("bm", tiles_m, Loop::affine, [&](Expr bm) {
        b.for_range("bn", tiles_n, Loop::affine, [&](Expr bn) {
          const TensorRef res_psum = b.psum_tile("res_psum", kTileM, kTileN, kPipelineBufs);
          b.for_range("k", k_tiles, Loop::affine, [&](Expr k) {
            b.matmul(res_psum.all(), lhsT_tiles.block({bm, k}), rhs_tiles.block({bn, k}));
          });
          const TensorRef res_sb = b.sbuf_tile("res_sb", {}, kTileM, kTileN, dt, kPipelineBufs);
          b.tensor_copy(res_sb.all(), res_psum.all());
          b.dma_copy(hbm_slice(op.result, (m * tiles_m + bm) * kTileM, kTileM,
                               (n * tiles_n + bn) * kTileN, kTileN),
                     res_sb.all());
        });
      });
    });
  });
}

}  // namespace trnsim
