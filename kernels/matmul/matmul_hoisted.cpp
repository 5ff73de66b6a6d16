// Tutorial optimization 1: the K column of lhsT for one m is loaded once and reused for every
// n; rhs is loaded per (m, n) as K/128 tiles of [128, 512].
#include "kernels/matmul/matmul_kernels.h"

namespace trnsim {

void matmul_hoisted(Backend& b, const Assignments& shape, const Assignments&, Dtype dt) {
  const MatmulOperands op = declare_matmul(b, "matmul_hoisted", shape, dt);
  const int64_t k_tiles = op.K / kTileK;
  b.for_range("m", op.M / kTileM, Loop::affine, [&](Expr m) {
    const TensorRef lhsT_tiles =
        b.sbuf_tile("lhsT_tiles", {k_tiles}, kTileK, kTileM, dt, kPipelineBufs);
    b.for_range("k", k_tiles, Loop::affine, [&](Expr k) {
      b.dma_copy(lhsT_tiles.block({k}),
                 hbm_slice(op.lhsT, k * kTileK, kTileK, m * kTileM, kTileM));
    });
    b.for_range("n", op.N / kTileN, Loop::affine, [&](Expr n) {
      const TensorRef rhs_tiles =
          b.sbuf_tile("rhs_tiles", {k_tiles}, kTileK, kTileN, dt, kPipelineBufs);
      b.for_range("k", k_tiles, Loop::affine, [&](Expr k) {
        b.dma_copy(rhs_tiles.block({k}),
                   hbm_slice(op.rhs, k * kTileK, kTileK, n * kTileN, kTileN));
      });
      const TensorRef res_psum = b.psum_tile("res_psum", kTileM, kTileN, kPipelineBufs);
      b.for_range("k", k_tiles, Loop::affine, [&](Expr k) {
        b.matmul(res_psum.all(), lhsT_tiles.block({k}), rhs_tiles.block({k}));
      });
      const TensorRef res_sb = b.sbuf_tile("res_sb", {}, kTileM, kTileN, dt, kPipelineBufs);
      b.tensor_copy(res_sb.all(), res_psum.all());
      b.dma_copy(hbm_slice(op.result, m * kTileM, kTileM, n * kTileN, kTileN), res_sb.all());
    });
  });
}

}  // namespace trnsim
