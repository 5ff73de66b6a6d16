// Tutorial "original tiled" kernel: for every (m, n) output tile, loop over k loading one
// lhsT tile [128, 128] and one rhs tile [128, 512], accumulating in one PSUM tile; then copy
// PSUM to SBUF and store.
#include "kernels/matmul/matmul_kernels.h"

namespace trnsim {

void matmul_naive(Backend& b, const Assignments& shape, const Assignments&, Dtype dt) {
  const MatmulOperands op = declare_matmul(b, "matmul_naive", shape, dt);
  b.for_range("m", op.M / kTileM, Loop::affine, [&](Expr m) {
    b.for_range("n", op.N / kTileN, Loop::affine, [&](Expr n) {
      const TensorRef res_psum = b.psum_tile("res_psum", kTileM, kTileN, kPipelineBufs);
      b.for_range("k", op.K / kTileK, Loop::affine, [&](Expr k) {
        const TensorRef lhsT_tile = b.sbuf_tile("lhsT_tile", {}, kTileK, kTileM, dt, kPipelineBufs);
        const TensorRef rhs_tile = b.sbuf_tile("rhs_tile", {}, kTileK, kTileN, dt, kPipelineBufs);
        b.dma_copy(lhsT_tile.all(), hbm_slice(op.lhsT, k * kTileK, kTileK, m * kTileM, kTileM));
        b.dma_copy(rhs_tile.all(), hbm_slice(op.rhs, k * kTileK, kTileK, n * kTileN, kTileN));
        b.matmul(res_psum.all(), lhsT_tile.all(), rhs_tile.all());
      });
      const TensorRef res_sb = b.sbuf_tile("res_sb", {}, kTileM, kTileN, dt, kPipelineBufs);
      b.tensor_copy(res_sb.all(), res_psum.all());
      b.dma_copy(hbm_slice(op.result, m * kTileM, kTileM, n * kTileN, kTileN), res_sb.all());
    });
  });
}

}  // namespace trnsim
