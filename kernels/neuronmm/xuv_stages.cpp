#include "kernels/neuronmm/xuv_stages.h"

#include <algorithm>

#include "kernels/matmul/matmul_kernels.h"

namespace trnsim {


TokenTiles token_tiles(const std::string& kernel, int64_t tokens, int64_t tiles_m) {
  TokenTiles t;
  t.block = tokens < kTile ? tokens : kTile * tiles_m;
  require_multiple(kernel, "M (tokens)", tokens, t.block,
                   "the token block, 128 x TILES_IN_BLOCK_M");
  t.moving = std::min(t.block, kMoving);
  require_multiple(kernel, "the token block", t.block, t.moving,
                   "a block above 512 tokens is moved 512 at a time");
  t.stationary = std::min(t.block, kTile);
  return t;
}

// The X block of contraction block `kb` and token block `mb`, contraction on partitions:
// [blocks.k tiles] x [128, BM], loaded as is from X^T or with a DMA transpose from X.
TensorRef load_x_block(Backend& b, const TensorRef& x, XLayout layout, const Expr& kb,
                       const Expr& mb, const TokenTiles& t, const XuvBlocks& blocks) {
  const TensorRef x_tiles =
      b.sbuf_tile("x_tiles", {blocks.k}, kTile, t.block, x.dtype, kPipelineBufs);
  b.for_range("kt", blocks.k, Loop::affine, [&](Expr kt) {
    const Expr k0 = kb * (kTile * blocks.k) + kt * kTile;
    if (layout == XLayout::transposed)
      b.dma_copy(x_tiles.block({kt}), hbm_slice(x, k0, kTile, mb * t.block, t.block));
    else
      b.dma_transpose(x_tiles.block({kt}), hbm_slice(x, mb * t.block, t.block, k0, kTile));
  });
  return x_tiles;
}

TensorRef load_weight_block(Backend& b, const std::string& name, const char* index,
                            const TensorRef& w, int64_t tiles, const Expr& first_row,
                            const Expr& first_col, int64_t cols) {
  const TensorRef block = b.sbuf_tile(name, {tiles}, kTile, cols, w.dtype, kPipelineBufs);
  b.for_range(index, tiles, Loop::affine, [&](Expr t) {
    b.dma_copy(block.block({t}), hbm_slice(w, first_row + t * kTile, kTile, first_col, cols));
  });
  return block;
}

void stage1_strips(Backend& b, const std::string& kernel, const TensorRef& x, XLayout layout,
                   const std::vector<TensorRef>& us, const std::vector<TensorRef>& strips,
                   const Expr& mb, const TokenTiles& t, const XuvBlocks& blocks) {
  const int64_t K = us[0].partitions, R = us[0].free;
  const int64_t block_k = kTile * blocks.k, block_r = kTile * blocks.r;
  require_multiple(kernel, "K", K, block_k, "128 x the contraction tiles per block");
  require_multiple(kernel, "R", R, block_r, "128 x the rank tiles per block");
  for (const TensorRef& strip : strips)
    b.for_range("rt", R / kTile, Loop::affine, [&](Expr rt) { b.memset(strip.block({rt}), 0.0f); });

  b.for_range("kb", K / block_k, Loop::sequential, [&](Expr kb) {
    const TensorRef x_tiles = load_x_block(b, x, layout, kb, mb, t, blocks);
    b.for_range("rb", R / block_r, Loop::affine, [&](Expr rb) {
      for (size_t i = 0; i < us.size(); ++i) {
        const TensorRef u_tiles = load_weight_block(b, "u_tiles_" + us[i].name, "kt", us[i],
                                                    blocks.k, kb * block_k, rb * block_r, block_r);
        b.for_range("rt", blocks.r, Loop::affine, [&](Expr rt) {
          b.for_range("mt", t.block / t.moving, Loop::affine, [&](Expr mt) {
            // (X U)^T tile = U^T X^T: U stationary, X^T moving -- implicit transposition.
            const TensorRef acc = b.psum_tile("strip_psum", kTile, t.moving, kPipelineBufs);
            b.for_range("kt", blocks.k, Loop::affine, [&](Expr kt) {
              b.matmul(acc.all(), u_tiles.block({kt}).cols(rt * kTile, kTile),
                       x_tiles.block({kt}).cols(mt * t.moving, t.moving));
            });
            const View s = strips[i].block({rb * blocks.r + rt}).cols(mt * t.moving, t.moving);
            b.tensor_tensor(s, s, acc.all(), AluOp::add);
          });
        });
      }
    });
  });
}

void stage1_strip_explicit(Backend& b, const std::string& kernel, const TensorRef& xT,
                           const TensorRef& u, const TensorRef& strip, const Expr& mb,
                           const TokenTiles& t, const XuvBlocks& blocks) {
  const int64_t K = u.partitions, R = u.free;
  const int64_t block_k = kTile * blocks.k, block_r = kTile * blocks.r;
  require_multiple(kernel, "K", K, block_k, "128 x the contraction tiles per block");
  require_multiple(kernel, "R", R, block_r, "128 x the rank tiles per block");
  const int64_t r_chunk = std::min(block_r, kMoving);
  require_multiple(kernel, "the rank block", block_r, r_chunk,
                   "a rank block above 512 is moved 512 at a time");
  const int64_t row_tiles = t.block / t.stationary;
  // X U in natural layout: one [tokens, R] row tile per 128 tokens, accumulated in SBUF.
  const TensorRef xu_rows = b.sbuf_tile("xu_rows", {row_tiles}, t.stationary, R, u.dtype);
  b.for_range("st", row_tiles, Loop::affine, [&](Expr st) { b.memset(xu_rows.block({st}), 0.0f); });

  b.for_range("kb", K / block_k, Loop::sequential, [&](Expr kb) {
    const TensorRef x_tiles = load_x_block(b, xT, XLayout::transposed, kb, mb, t, blocks);
    b.for_range("rb", R / block_r, Loop::affine, [&](Expr rb) {
      const TensorRef u_tiles = load_weight_block(b, "u_tiles", "kt", u, blocks.k, kb * block_k,
                                                  rb * block_r, block_r);
      b.for_range("st", row_tiles, Loop::affine, [&](Expr st) {
        b.for_range("rc", block_r / r_chunk, Loop::affine, [&](Expr rc) {
          // X U tile: X^T stationary, U moving -- natural layout, to be transposed below.
          const TensorRef acc = b.psum_tile("xu_psum", t.stationary, r_chunk, kPipelineBufs);
          b.for_range("kt", blocks.k, Loop::affine, [&](Expr kt) {
            b.matmul(acc.all(), x_tiles.block({kt}).cols(st * t.stationary, t.stationary),
                     u_tiles.block({kt}).cols(rc * r_chunk, r_chunk));
          });
          const View rows = xu_rows.block({st}).cols(rb * block_r + rc * r_chunk, r_chunk);
          b.tensor_tensor(rows, rows, acc.all(), AluOp::add);
        });
      });
    });
  });

  // The transpose NeuronMM avoids: every 128 x 128 block of X U through the Tensor Engine.
  b.for_range("st", row_tiles, Loop::affine, [&](Expr st) {
    b.for_range("rt", R / kTile, Loop::affine, [&](Expr rt) {
      const TensorRef tp = b.psum_tile("transpose_psum", kTile, t.stationary, kPipelineBufs);
      b.transpose(tp.all(), xu_rows.block({st}).cols(rt * kTile, kTile));
      b.tensor_copy(strip.block({rt}).cols(st * t.stationary, t.stationary), tp.all());
    });
  });
}

void stage2_natural_block(Backend& b, const std::string& kernel, const TensorRef& strip,
                          const TensorRef& v, const TensorRef& y, const Expr& mb, const Expr& nb,
                          const TokenTiles& t, const XuvBlocks& blocks) {
  const int64_t R = v.partitions;
  const int64_t block_r = kTile * blocks.r, block_n = kMoving * blocks.n;
  require_multiple(kernel, "N", v.free, block_n, "512 x the output tiles per block");
  const int64_t row_tiles = t.block / t.stationary;
  const TensorRef y_acc =
      b.sbuf_tile("y_acc", {row_tiles, blocks.n}, t.stationary, kMoving, y.dtype);
  b.for_range("st", row_tiles, Loop::affine, [&](Expr st) {
    b.for_range("nt", blocks.n, Loop::affine, [&](Expr nt) {
      b.memset(y_acc.block({st, nt}), 0.0f);
    });
  });
  b.for_range("rb", R / block_r, Loop::sequential, [&](Expr rb) {
    const TensorRef v_tiles = load_weight_block(b, "v_tiles", "rt", v, blocks.r, rb * block_r,
                                                nb * block_n, block_n);
    b.for_range("st", row_tiles, Loop::affine, [&](Expr st) {
      b.for_range("nt", blocks.n, Loop::affine, [&](Expr nt) {
        // Y tile = (strip slice)^T V: the strip is already transposed, so it is the stationary.
        const TensorRef acc = b.psum_tile("y_psum", t.stationary, kMoving, kPipelineBufs);
        b.for_range("rt", blocks.r, Loop::affine, [&](Expr rt) {
          b.matmul(acc.all(),
                   strip.block({rb * blocks.r + rt}).cols(st * t.stationary, t.stationary),
                   v_tiles.block({rt}).cols(nt * kMoving, kMoving));
        });
        const View out = y_acc.block({st, nt});
        b.tensor_tensor(out, out, acc.all(), AluOp::add);
      });
    });
  });
  b.for_range("st", row_tiles, Loop::affine, [&](Expr st) {
    const TensorRef packed =
        b.sbuf_tile("y_packed", {}, t.stationary, block_n, y.dtype, kPipelineBufs);
    b.for_range("nt", blocks.n, Loop::affine, [&](Expr nt) {
      b.tensor_copy(packed.all().cols(nt * kMoving, kMoving), y_acc.block({st, nt}));
    });
    b.dma_copy(hbm_slice(y, mb * t.block + st * t.stationary, t.stationary, nb * block_n, block_n),
               packed.all());
  });
}

}  // namespace trnsim
