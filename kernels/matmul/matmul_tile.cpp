// One matmul, for the PE-level Tensor Engine's small arrays: lhsT [K, M] and rhs [K, N] loaded
// whole into SBUF, multiplied once into PSUM, copied to SBUF and stored. K, M and N must fit
// one matmul of the machine's array (K <= tensor.rows, M <= tensor.columns, N <=
// tensor.moving_free_max), which the simulator checks.
#include "kernels/matmul/matmul_kernels.h"

namespace trnsim {

void matmul_tile(Backend& b, const Assignments& shape, const Assignments&, Dtype dt) {
  require_positive("matmul_tile", shape);
  const int64_t M = shape.at("M"), K = shape.at("K"), N = shape.at("N");
  const TensorRef lhsT = b.hbm_input("lhsT", K, M, dt);
  const TensorRef rhs = b.hbm_input("rhs", K, N, dt);
  const TensorRef result = b.hbm_output("result", M, N, dt);
  const TensorRef lhsT_tile = b.sbuf_tile("lhsT_tile", {}, K, M, dt, 1);
  const TensorRef rhs_tile = b.sbuf_tile("rhs_tile", {}, K, N, dt, 1);
  b.dma_copy(lhsT_tile.all(), lhsT.all());
  b.dma_copy(rhs_tile.all(), rhs.all());
  const TensorRef res_psum = b.psum_tile("res_psum", M, N, 1);
  b.matmul(res_psum.all(), lhsT_tile.all(), rhs_tile.all());
  const TensorRef res_sb = b.sbuf_tile("res_sb", {}, M, N, dt, 1);
  b.tensor_copy(res_sb.all(), res_psum.all());
  b.dma_copy(result.all(), res_sb.all());
}

}  // namespace trnsim
