// Tutorial optimization 3, "fully optimized": block M, N and K. For each N block, result tiles
// for the whole M extent stay in SBUF; a sequential loop over K blocks loads rhs as
// [128, BLOCK_N] rows and lhsT as [128, BLOCK_M] rows (long contiguous DMA rows), multiplies
// into PSUM and accumulates into the SBUF result tiles on the Vector Engine; finally result
// tiles are packed into [128, BLOCK_N] rows and stored.
#include "kernels/matmul/matmul_kernels.h"

namespace trnsim {

void matmul_optimized(Backend& b, const Assignments& shape, const Assignments& params,
                      Dtype dt) {
  const std::string name = "matmul_optimized";
  const MatmulOperands op = declare_matmul(b, name, shape, dt);
  require_positive(name, params);
  const int64_t tiles_m = params.at("TILES_IN_BLOCK_M");
  const int64_t tiles_n = params.at("TILES_IN_BLOCK_N");
  const int64_t tiles_k = params.at("TILES_IN_BLOCK_K");
  const int64_t block_m = kTileM * tiles_m, block_n = kTileN * tiles_n, block_k = kTileK * tiles_k;
  require_multiple(name, "M", op.M, block_m, "BLOCK_M = TILE_M x TILES_IN_BLOCK_M");
  require_multiple(name, "N", op.N, block_n, "BLOCK_N = TILE_N x TILES_IN_BLOCK_N");
  require_multiple(name, "K", op.K, block_k, "BLOCK_K = TILE_K x TILES_IN_BLOCK_K");
  const int64_t blocks_m = op.M / block_m;

  b.for_range("n", op.N / block_n, Loop::affine, [&](Expr n) {
    // nl.zeros((NUM_BLOCK_M, TILES_IN_BLOCK_M, TILES_IN_BLOCK_N, par_dim(128), 512))
    const TensorRef result_tiles =
        b.sbuf_tile("result_tiles", {blocks_m, tiles_m, tiles_n}, kTileM, kTileN, dt);
    b.for_range("m", blocks_m, Loop::affine, [&](Expr m) {
      b.for_range("bm", tiles_m, Loop::affine, [&](Expr bm) {
        b.for_range("bn", tiles_n, Loop::affine, [&](Expr bn) {
          b.memset(result_tiles.block({m, bm, bn}), 0.0f);
        });
      });
    });

    b.for_range("k", op.K / block_k, Loop::sequential, [&](Expr k) {
      const TensorRef rhs_tiles =
          b.sbuf_tile("rhs_tiles", {tiles_k}, kTileK, block_n, dt, kPipelineBufs);
      b.for_range("bk_r", tiles_k, Loop::affine, [&](Expr bk) {
        b.dma_copy(rhs_tiles.block({bk}),
                   hbm_slice(op.rhs, (k * tiles_k + bk) * kTileK, kTileK, n * block_n, block_n));
      });

      b.for_range("m", blocks_m, Loop::affine, [&](Expr m) {
        const TensorRef lhsT_tiles =
            b.sbuf_tile("lhsT_tiles", {tiles_k}, kTileK, block_m, dt, kPipelineBufs);
        b.for_range("bk_l", tiles_k, Loop::affine, [&](Expr bk) {
          b.dma_copy(lhsT_tiles.block({bk}), hbm_slice(op.lhsT, (k * tiles_k + bk) * kTileK,
                                                       kTileK, m * block_m, block_m));
        });
        b.for_range("bn", tiles_n, Loop::affine, [&](Expr bn) {
          b.for_range("bm", tiles_m, Loop::affine, [&](Expr bm) {
            const TensorRef res_tile = b.psum_tile("res_tile", kTileM, kTileN, kPipelineBufs);
            b.for_range("bk", tiles_k, Loop::affine, [&](Expr bk) {
              b.matmul(res_tile.all(), lhsT_tiles.block({bk}).cols(bm * kTileM, kTileM),
                       rhs_tiles.block({bk}).cols(bn * kTileN, kTileN));
            });
            const View acc = result_tiles.block({m, bm, bn});
            b.tensor_tensor(acc, acc, res_tile.all(), AluOp::add);
          });
        });
      });
    });

    b.for_range("m", blocks_m, Loop::affine, [&](Expr m) {
      b.for_range("bm", tiles_m, Loop::affine, [&](Expr bm) {
        const TensorRef result_packed =
            b.sbuf_tile("result_packed", {}, kTileK, block_n, dt, kPipelineBufs);
        b.for_range("bn", tiles_n, Loop::affine, [&](Expr bn) {
          b.tensor_copy(result_packed.all().cols(bn * kTileN, kTileN),
                        result_tiles.block({m, bm, bn}));
        });
        b.dma_copy(hbm_slice(op.result, (m * tiles_m + bm) * kTileM, kTileM, n * block_n, block_n),
                   result_packed.all());
      });
    });
  });
}

}  // namespace trnsim
