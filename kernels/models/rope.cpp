// Rotary position embedding of q or k (kernels/models/decoder_ops.h), with Qwen3's per-head
// RMSNorm before it. All heads of a token tile rotate in six Vector Engine operations: the
// first and second halves of every head are strided views, cos and sin broadcast over heads.
#include "kernels/matmul/matmul_kernels.h"
#include "kernels/models/decoder_ops.h"
#include "kernels/models/tile_ops.h"
#include "kernels/registry.h"

namespace trnsim {

void rope(Backend& b, const View& x, const View& cos, const View& sin, const View& y,
          const RopeShape& shape, const View* norm_gamma, float eps) {
  const std::string name = "rope";
  const int64_t S = x.np, n = shape.heads, d = shape.head_dim, half = d / 2;
  require_multiple(name, "head_dim", d, 2, "two halves");
  if (x.nf != n * d || cos.nf != half || sin.nf != half || cos.np != S || sin.np != S)
    throw UserError(name + ": x needs heads x head_dim = " + std::to_string(n * d) +
                    " columns and cos, sin [tokens, head_dim / 2]");
  const int64_t s = token_tile(name, S);
  const Dtype dt = x.tensor.dtype;
  TensorRef gamma_rows;
  if (norm_gamma) gamma_rows = broadcast_rows(b, *norm_gamma, s);
  b.for_range("st", S / s, Loop::affine, [&](Expr st) {
    const TensorRef xt = b.sbuf_tile("x_tile", {}, s, n * d, dt, kPipelineBufs);
    const TensorRef ct = b.sbuf_tile("cos_tile", {}, s, half, cos.tensor.dtype, kPipelineBufs);
    const TensorRef sn = b.sbuf_tile("sin_tile", {}, s, half, sin.tensor.dtype, kPipelineBufs);
    b.dma_copy(xt.all(), x.rows(st * s, s));
    b.dma_copy(ct.all(), cos.rows(st * s, s));
    b.dma_copy(sn.all(), sin.rows(st * s, s));
    if (norm_gamma) normalize_groups(b, xt.all(), xt.all(), gamma_rows.all(), d, eps);
    const View x1 = grouped(xt.all(), 0, n, d, half), x2 = grouped(xt.all(), half, n, d, half);
    const View c = grouped(ct.all(), 0, n, 0, half), sv = grouped(sn.all(), 0, n, 0, half);
    const TensorRef t1 = b.sbuf_tile("rot_a", {}, s, n * half, Dtype::fp32, kPipelineBufs);
    const TensorRef t2 = b.sbuf_tile("rot_b", {}, s, n * half, Dtype::fp32, kPipelineBufs);
    const TensorRef yt = b.sbuf_tile("y_tile", {}, s, n * d, y.tensor.dtype, kPipelineBufs);
    b.tensor_tensor(t1.all(), x1, c, AluOp::multiply);
    b.tensor_tensor(t2.all(), x2, sv, AluOp::multiply);
    b.tensor_tensor(grouped(yt.all(), 0, n, d, half), t1.all(), t2.all(), AluOp::subtract);
    b.tensor_tensor(t1.all(), x2, c, AluOp::multiply);
    b.tensor_tensor(t2.all(), x1, sv, AluOp::multiply);
    b.tensor_tensor(grouped(yt.all(), half, n, d, half), t1.all(), t2.all(), AluOp::add);
    b.dma_copy(y.rows(st * s, s), yt.all());
  });
}

}  // namespace trnsim
