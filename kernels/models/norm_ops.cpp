// RMSNorm (per row or per head) and the residual add of a decoder layer; the per-group
// normalization is shared with rope's q/k norm (kernels/models/tile_ops.h).
#include "kernels/models/decoder_ops.h"
#include "kernels/models/tile_ops.h"
#include "kernels/matmul/matmul_kernels.h"
#include "kernels/registry.h"

namespace trnsim {

void for_chunks(Backend& b, const std::string& name, int64_t total, int64_t chunk, Loop kind,
                const std::function<void(Expr first, int64_t size)>& body) {
  const int64_t whole = total / chunk, rest = total % chunk;
  if (whole > 0) b.for_range(name, whole, kind, [&](Expr c) { body(c * chunk, chunk); });
  if (rest > 0) body(whole * chunk, rest);
}

int64_t token_tile(const std::string& kernel, int64_t tokens) {
  if (tokens < kTileM) return tokens;
  require_multiple(kernel, "tokens", tokens, kTileM, "tokens in tiles of 128 (pad the prompt)");
  return kTileM;
}

TensorRef broadcast_rows(Backend& b, const View& row, int64_t rows) {
  const Dtype dt = row.tensor.dtype;
  const TensorRef ones = b.sbuf_tile("ones_row", {}, 1, rows, dt);
  b.memset(ones.all(), 1.0f);
  const TensorRef source = b.sbuf_tile("gamma_row", {}, 1, row.nf, dt);
  b.dma_copy(source.all(), row);
  const TensorRef out = b.sbuf_tile("gamma_rows", {}, rows, row.nf, dt);
  for_chunks(b, "gc", row.nf, kTileN, Loop::affine, [&](Expr c0, int64_t n) {
    // ones[1, rows]^T @ gamma[1, n]: every row of the product is gamma.
    const TensorRef ps = b.psum_tile("gamma_psum", rows, n, kPipelineBufs);
    b.matmul(ps.all(), ones.all(), source.all().cols(c0, n));
    b.tensor_copy(out.all().cols(c0, n), ps.all(), Engine::scalar);
  });
  return out;
}

View grouped(const View& v, int64_t first, int64_t groups, int64_t group_stride, int64_t width) {
  View out = v.cols(first, groups * width);
  // runs that touch are one run: a rectangle, as the NKI tracer would make it
  if (groups > 1 && group_stride != width) out.free_dims = {{group_stride, groups}, {1, width}};
  return out;
}

void normalize_groups(Backend& b, const View& x, const View& y, const View& gamma_rows,
                      int64_t group, float eps) {
  const int64_t s = x.np, groups = x.nf / group;
  const TensorRef squares = b.sbuf_tile("squares", {}, s, group, Dtype::fp32, kPipelineBufs);
  const TensorRef sums = b.sbuf_tile("sum_squares", {}, s, groups, Dtype::fp32, kPipelineBufs);
  const TensorRef rstd = b.sbuf_tile("rstd", {}, s, groups, Dtype::fp32, kPipelineBufs);
  const TensorRef eps_column = b.sbuf_tile("eps", {}, s, 1, Dtype::fp32, kPipelineBufs);
  b.memset(eps_column.all(), eps);  // NKI takes an activation's bias as a tile
  b.for_range("g", groups, Loop::affine, [&](Expr g) {
    const View xg = x.cols(g * group, group);
    b.activation(squares.all(), xg, ActFunc::square);
    b.reduce(sums.all().cols(g, 1), squares.all(), AluOp::add);
    // 1 / sqrt(sum / group + eps)
    b.activation(rstd.all().cols(g, 1), sums.all().cols(g, 1), ActFunc::rsqrt,
                 1.0f / static_cast<float>(group), eps_column.all());
    b.tensor_scalar(y.cols(g * group, group), xg,
                    ScalarOp{AluOp::multiply, rstd.all().cols(g, 1)}, ScalarOp{}, Engine::vector);
  });
  // times gamma, the same row for every group
  const View all_y = grouped(y, 0, groups, group, group);
  b.tensor_tensor(all_y, all_y, grouped(gamma_rows.rows(0, s), 0, groups, 0, group),
                  AluOp::multiply);
}

void rmsnorm(Backend& b, const View& x, const View& gamma, const View& y, int64_t group,
             float eps, bool transposed) {
  const std::string name = "rmsnorm";
  const int64_t S = x.np, F = x.nf;
  require_multiple(name, "features", F, group, "whole groups");
  if (gamma.nf != group) throw UserError(name + ": gamma has " + std::to_string(gamma.nf) +
                                         " values for groups of " + std::to_string(group));
  if (transposed) require_multiple(name, "features", F, kTileK, "transposed in tiles of 128");
  const int64_t s = token_tile(name, S);
  const Dtype dt = x.tensor.dtype;
  const TensorRef gamma_rows = broadcast_rows(b, gamma, s);
  b.for_range("st", S / s, Loop::affine, [&](Expr st) {
    const TensorRef xt = b.sbuf_tile("x_tile", {}, s, F, dt, kPipelineBufs);
    b.dma_copy(xt.all(), x.rows(st * s, s));
    const TensorRef yt = b.sbuf_tile("y_tile", {}, s, F, y.tensor.dtype, kPipelineBufs);
    normalize_groups(b, xt.all(), yt.all(), gamma_rows.all(), group, eps);
    if (!transposed) {
      b.dma_copy(y.rows(st * s, s), yt.all());
      return;
    }
    b.for_range("ft", F / kTileK, Loop::affine, [&](Expr ft) {
      const TensorRef ps = b.psum_tile("yT_psum", kTileK, s, kPipelineBufs);
      b.transpose(ps.all(), yt.all().cols(ft * kTileK, kTileK));
      const TensorRef piece = b.sbuf_tile("yT_tile", {}, kTileK, s, y.tensor.dtype, kPipelineBufs);
      b.tensor_copy(piece.all(), ps.all(), Engine::scalar);
      b.dma_copy(y.rows(ft * kTileK, kTileK).cols(st * s, s), piece.all());
    });
  });
}

void residual_add(Backend& b, const View& a, const View& c, const View& y) {
  const int64_t S = a.np, F = a.nf;
  const int64_t s = token_tile("residual_add", S);
  b.for_range("st", S / s, Loop::affine, [&](Expr st) {
    const TensorRef at = b.sbuf_tile("a_tile", {}, s, F, a.tensor.dtype, kPipelineBufs);
    const TensorRef ct = b.sbuf_tile("b_tile", {}, s, F, c.tensor.dtype, kPipelineBufs);
    b.dma_copy(at.all(), a.rows(st * s, s));
    b.dma_copy(ct.all(), c.rows(st * s, s));
    b.tensor_tensor(at.all(), at.all(), ct.all(), AluOp::add);
    b.dma_copy(y.rows(st * s, s), at.all());
  });
}

}  // namespace trnsim
