// y = x W for the projections of a decoder layer and the LM head (kernels/models/decoder_ops.h).
// x^T is the stationary operand ([128 features, <= 128 tokens] per tile), W the moving one
// ([128 features, <= 512 outputs]); one PSUM bank accumulates the K / 128 products of a
// [tokens, 512] output tile. Decode has one token per sequence, so W streams once per call and
// the Tensor Engine waits for it: the memory-bound case.
#include <algorithm>

#include "kernels/matmul/matmul_kernels.h"
#include "kernels/models/decoder_ops.h"

namespace trnsim {

void linear(Backend& b, const View& x, const View& w, const View& y) {
  const std::string name = "linear";
  const int64_t S = x.np, K = x.nf, N = w.nf;
  if (w.np != K || y.np != S || y.nf != N)
    throw UserError(name + ": x [" + std::to_string(S) + ", " + std::to_string(K) + "], W [" +
                    std::to_string(w.np) + ", " + std::to_string(N) + "] and y [" +
                    std::to_string(y.np) + ", " + std::to_string(y.nf) + "] do not chain");
  require_multiple(name, "K", K, kTileK, "the contraction in tiles of 128");
  const int64_t s = token_tile(name, S), tiles = S / s, k_tiles = K / kTileK;
  const Dtype dt = x.tensor.dtype;
  // Token tiles whose x^T stays in SBUF while W streams past them: W is read once per block.
  // At most 8 (1024 tokens), and their x^T within a quarter of SBUF.
  const int64_t per_tile = k_tiles * s * dtype_size(dt);
  const int64_t fit = std::max<int64_t>(1, b.sbuf_bytes_per_partition() / 4 / per_tile);
  int64_t block = std::min<int64_t>({tiles, 8, fit});
  while (tiles % block != 0) --block;

  b.for_range("tb", tiles / block, Loop::affine, [&](Expr tb) {
    const TensorRef xT = b.sbuf_tile("xT_tiles", {block, k_tiles}, kTileK, s, dt);
    b.for_range("t", block, Loop::affine, [&](Expr t) {
      const TensorRef xt = b.sbuf_tile("x_tile", {}, s, K, dt, kPipelineBufs);
      b.dma_copy(xt.all(), x.rows((tb * block + t) * s, s));
      b.for_range("kt", k_tiles, Loop::affine, [&](Expr kt) {
        const TensorRef ps = b.psum_tile("xT_psum", kTileK, s, kPipelineBufs);
        b.transpose(ps.all(), xt.all().cols(kt * kTileK, kTileK));
        b.tensor_copy(xT.block({t, kt}), ps.all(), Engine::scalar);
      });
    });
    for_chunks(b, "nc", N, kTileN, Loop::affine, [&](Expr n0, int64_t width) {
      const TensorRef w_tiles = b.sbuf_tile("w_tiles", {k_tiles}, kTileK, width, w.tensor.dtype,
                                            kPipelineBufs);
      b.for_range("kt", k_tiles, Loop::affine, [&](Expr kt) {
        b.dma_copy(w_tiles.block({kt}), w.rows(kt * kTileK, kTileK).cols(n0, width));
      });
      b.for_range("t", block, Loop::affine, [&](Expr t) {
        const TensorRef acc = b.psum_tile("y_psum", s, width, kPipelineBufs);
        b.for_range("kt", k_tiles, Loop::affine, [&](Expr kt) {
          b.matmul(acc.all(), xT.block({t, kt}), w_tiles.block({kt}));
        });
        const TensorRef out = b.sbuf_tile("y_tile", {}, s, width, y.tensor.dtype, kPipelineBufs);
        b.tensor_copy(out.all(), acc.all(), Engine::vector);
        b.dma_copy(y.rows((tb * block + t) * s, s).cols(n0, width), out.all());
      });
    });
  });
}

}  // namespace trnsim
