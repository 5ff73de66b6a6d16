// Tutorial optimization 3, "fully optimized": block M, N and K. For each N block, result tiles
// for the whole M extent stay in SBUF; a sequential loop over K blocks loads rhs as
// [128, BLOCK_N] rows and lhsT as [128, BLOCK_M] rows (long contiguous DMA rows), multiplies
// into PSUM and accumulates into the SBUF result tiles on the Vector Engine; finally result
// tiles are packed into [128, BLOCK_N] rows and stored.
#include <algorithm>

#include "kernels/matmul/matmul_kernels.h"
#include "kernels/matmul/optimized_matmul.h"
#include "kernels/api/footprint.h"

namespace trnsim {

void optimized_matmul(Backend& b, const std::string& name, const TensorRef& lhsT,
                      const TensorRef& rhs, const TensorRef& result, const MatmulBlocks& blocks) {
  const int64_t M = lhsT.free, K = lhsT.partitions, N = rhs.free;
  const int64_t tile_m = std::min(M, kTileM), tile_n = std::min(N, kTileN);
  const int64_t tiles_m = blocks.tiles_m, tiles_n = blocks.tiles_n, tiles_k = blocks.tiles_k;
  if (tiles_m <= 0 || tiles_n <= 0 || tiles_k <= 0)
    throw UserError(name + ": TILES_IN_BLOCK_M/N/K must be positive");
  const int64_t block_m = tile_m * tiles_m, block_n = tile_n * tiles_n, block_k = kTileK * tiles_k;
  require_multiple(name, "M", M, block_m, "BLOCK_M = TILE_M x TILES_IN_BLOCK_M");
  require_multiple(name, "N", N, block_n, "BLOCK_N = TILE_N x TILES_IN_BLOCK_N");
  require_multiple(name, "K", K, block_k, "BLOCK_K = TILE_K x TILES_IN_BLOCK_K");
  const int64_t blocks_m = M / block_m;
  const Dtype dt = result.dtype;

  b.for_range("n", N / block_n, Loop::affine, [&](Expr n) {
    // nl.zeros((NUM_BLOCK_M, TILES_IN_BLOCK_M, TILES_IN_BLOCK_N, par_dim(128), 512))
    const TensorRef result_tiles =
        b.sbuf_tile("result_tiles", {blocks_m, tiles_m, tiles_n}, tile_m, tile_n, dt);
    b.for_range("m", blocks_m, Loop::affine, [&](Expr m) {
      b.for_range("bm", tiles_m, Loop::affine, [&](Expr bm) {
        b.for_range("bn", tiles_n, Loop::affine, [&](Expr bn) {
          b.memset(result_tiles.block({m, bm, bn}), 0.0f);
        });
      });
    });

    b.for_range("k", K / block_k, Loop::sequential, [&](Expr k) {
      const TensorRef rhs_tiles =
          b.sbuf_tile("rhs_tiles", {tiles_k}, kTileK, block_n, rhs.dtype, kPipelineBufs);
      b.for_range("bk_r", tiles_k, Loop::affine, [&](Expr bk) {
        b.dma_copy(rhs_tiles.block({bk}),
                   hbm_slice(rhs, (k * tiles_k + bk) * kTileK, kTileK, n * block_n, block_n));
      });

      b.for_range("m", blocks_m, Loop::affine, [&](Expr m) {
        const TensorRef lhsT_tiles =
            b.sbuf_tile("lhsT_tiles", {tiles_k}, kTileK, block_m, lhsT.dtype, kPipelineBufs);
        b.for_range("bk_l", tiles_k, Loop::affine, [&](Expr bk) {
          b.dma_copy(lhsT_tiles.block({bk}), hbm_slice(lhsT, (k * tiles_k + bk) * kTileK,
                                                       kTileK, m * block_m, block_m));
        });
        b.for_range("bn", tiles_n, Loop::affine, [&](Expr bn) {
          b.for_range("bm", tiles_m, Loop::affine, [&](Expr bm) {
            const TensorRef res_tile = b.psum_tile("res_tile", tile_m, tile_n, kPipelineBufs);
            b.for_range("bk", tiles_k, Loop::affine, [&](Expr bk) {
              b.matmul(res_tile.all(), lhsT_tiles.block({bk}).cols(bm * tile_m, tile_m),
                       rhs_tiles.block({bk}).cols(bn * tile_n, tile_n));
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
            b.sbuf_tile("result_packed", {}, tile_m, block_n, dt, kPipelineBufs);
        b.for_range("bn", tiles_n, Loop::affine, [&](Expr bn) {
          b.tensor_copy(result_packed.all().cols(bn * tile_n, tile_n),
                        result_tiles.block({m, bm, bn}));
        });
        b.dma_copy(hbm_slice(result, (m * tiles_m + bm) * tile_m, tile_m, n * block_n, block_n),
                   result_packed.all());
      });
    });
  });
}

int64_t fit_tiles(int64_t count, int64_t preferred) {
  for (int64_t d = std::min(count, preferred); d > 1; --d)
    if (count % d == 0) return d;
  return 1;
}

MatmulBlocks fit_blocks(int64_t M, int64_t K, int64_t N, Dtype dtype, int64_t sbuf_bytes,
                        const MatmulBlocks& preferred) {
  const int64_t tile_m = std::min(M, kTileM), tile_n = std::min(N, kTileN);
  MatmulBlocks b = preferred;
  auto fit = [&] {
    b.tiles_m = fit_tiles(M / tile_m, b.tiles_m);
    b.tiles_n = fit_tiles(N / tile_n, b.tiles_n);
    b.tiles_k = fit_tiles(K / kTileK, b.tiles_k);
  };
  // Bytes per partition of optimized_matmul's tiles with blocks `b`: result tiles over all of
  // M, rotating rhs and lhsT blocks, rotating packed rows.
  auto footprint = [&] {
    return total_bytes(sbuf_footprint(sbuf_bytes, [&](Backend& probe) {
      optimized_matmul(probe, "fit_blocks", probe.hbm_input("lhsT", K, M, dtype),
                       probe.hbm_input("rhs", K, N, dtype), probe.hbm_output("result", M, N, dtype),
                       b);
    }));
  };
  fit();
  const MatmulBlocks fitted = b;
  // A shape that is not whole tiles fails in optimized_matmul itself, naming the kernel.
  if (M % tile_m || N % tile_n || K % kTileK) return fitted;
  while (footprint() > sbuf_bytes) {
    int64_t& shrink = b.tiles_n > 1 ? b.tiles_n : b.tiles_k > 1 ? b.tiles_k : b.tiles_m;
    if (shrink == 1) return fitted;  // no blocks fit: keep the large ones, and let them spill
    shrink = shrink / 2;
    fit();
  }
  return b;
}

void matmul_optimized(Backend& b, const Assignments& shape, const Assignments& params,
                      Dtype dt) {
  const MatmulOperands op = declare_matmul(b, "matmul_optimized", shape, dt);
  MatmulBlocks blocks{params.at("TILES_IN_BLOCK_M"), params.at("TILES_IN_BLOCK_N"),
                      params.at("TILES_IN_BLOCK_K")};
  // 0 for all three: the tutorial's blocks, made smaller where the shape or SBUF needs it.
  if (blocks.tiles_m == 0 && blocks.tiles_n == 0 && blocks.tiles_k == 0)
    blocks = fit_blocks(op.M, op.K, op.N, dt, b.sbuf_bytes_per_partition());
  optimized_matmul(b, "matmul_optimized", op.lhsT, op.rhs, op.result, blocks);
}

}  // namespace trnsim
