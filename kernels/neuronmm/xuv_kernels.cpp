// Y = X U V four ways, for NeuronMM's comparison and ablation:
//  - xuv_sequential: two tutorial matmuls, (X U)^T through HBM ("NKI XUV" baseline);
//  - xuv_fused: TrainiumFusion -- per token block, the (X U)^T strip stays in SBUF (caching),
//    comes out already transposed (implicit transposition), everything in blocks (blocking);
//  - xuv_fused_explicit_transpose: the same, but X U is transposed on the Tensor Engine;
//  - xuv_unfused_recompute: the naive fusion that recomputes the strip for every N block.
#include "kernels/matmul/matmul_kernels.h"
#include "kernels/matmul/optimized_matmul.h"
#include "kernels/neuronmm/neuronmm_kernels.h"

namespace trnsim {
namespace {

struct XuvOperands {
  TensorRef xT, u, v, y;
  int64_t M, K, R, N;
};

XuvOperands declare_xuv(Backend& b, const std::string& kernel, const Assignments& shape,
                        Dtype dt) {
  require_positive(kernel, shape);
  XuvOperands op{{}, {}, {}, {}, shape.at("M"), shape.at("K"), shape.at("R"), shape.at("N")};
  require_multiple(kernel, "K", op.K, kTile, "the partition count");
  require_multiple(kernel, "R", op.R, kTile, "block-aligned rank: a multiple of 128");
  require_multiple(kernel, "N", op.N, kMoving, "the moving free size");
  op.xT = b.hbm_input("xT", op.K, op.M, dt);
  op.u = b.hbm_input("U", op.K, op.R, dt);
  op.v = b.hbm_input("V", op.R, op.N, dt);
  op.y = b.hbm_output("Y", op.M, op.N, dt);
  return op;
}

XuvBlocks blocks_of(const std::string& kernel, const Assignments& params) {
  require_positive(kernel, params);
  return {params.at("TILES_IN_BLOCK_K"), params.at("TILES_IN_BLOCK_R"),
          params.at("TILES_IN_BLOCK_M"), params.at("TILES_IN_BLOCK_N")};
}

enum class Stage1 { implicit_transpose, explicit_transpose };

// The fused kernels' loops, on operands already declared and blocks already checked.
void fused_schedule(Backend& b, const std::string& kernel, const XuvOperands& op,
                    const TokenTiles& t, const XuvBlocks& bl, Stage1 stage1, bool recompute) {
  const Dtype dt = op.y.dtype;
  auto compute_strip = [&](const TensorRef& strip, const Expr& mb) {
    if (stage1 == Stage1::implicit_transpose)
      stage1_strips(b, kernel, op.xT, XLayout::transposed, {op.u}, {strip}, mb, t, bl);
    else
      stage1_strip_explicit(b, kernel, op.xT, op.u, strip, mb, t, bl);
  };
  b.for_range("mb", op.M / t.block, Loop::affine, [&](Expr mb) {
    if (recompute) {  // Algorithm 1 of the paper: the strip again for every output block
      b.for_range("nb", op.N / (kMoving * bl.n), Loop::affine, [&](Expr nb) {
        const TensorRef strip = b.sbuf_tile("xu_strip", {op.R / kTile}, kTile, t.block, dt);
        compute_strip(strip, mb);
        stage2_natural_block(b, kernel, strip, op.v, op.y, mb, nb, t, bl);
      });
      return;
    }
    const TensorRef strip = b.sbuf_tile("xu_strip", {op.R / kTile}, kTile, t.block, dt);
    compute_strip(strip, mb);
    b.for_range("nb", op.N / (kMoving * bl.n), Loop::affine, [&](Expr nb) {
      stage2_natural_block(b, kernel, strip, op.v, op.y, mb, nb, t, bl);
    });
  });
}

void fused(Backend& b, const std::string& kernel, const Assignments& shape,
           const Assignments& params, Dtype dt, Stage1 stage1, bool recompute) {
  const XuvOperands op = declare_xuv(b, kernel, shape, dt);
  const XuvBlocks bl = blocks_of(kernel, params);
  const TokenTiles t = token_tiles(kernel, op.M, bl.m);
  require_multiple(kernel, "N", op.N, kMoving * bl.n, "512 x TILES_IN_BLOCK_N");
  const auto schedule = [&](Backend& target) {
    fused_schedule(target, kernel, op, t, bl, stage1, recompute);
  };
  check_sbuf_budget(b, kernel, sbuf_footprint(b.sbuf_bytes_per_partition(), schedule));
  schedule(b);
}

}  // namespace

void check_sbuf_budget(const Backend& b, const std::string& kernel,
                       const std::vector<TileBytes>& tiles) {
  const int64_t total = total_bytes(tiles);
  std::string parts;
  for (const auto& [name, bytes] : tiles)
    parts += (parts.empty() ? "" : ", ") + name + " " + std::to_string(bytes);
  if (total > b.sbuf_bytes_per_partition())
    throw UserError(kernel + ": its tiles need " + std::to_string(total) +
                    " bytes per partition (" + parts + ") but SBUF has " +
                    std::to_string(b.sbuf_bytes_per_partition()) +
                    " usable; choose smaller TILES_IN_BLOCK_* values");
}

void xuv_fused(Backend& b, const Assignments& s, const Assignments& p, Dtype dt) {
  fused(b, "xuv_fused", s, p, dt, Stage1::implicit_transpose, false);
}

void xuv_fused_explicit_transpose(Backend& b, const Assignments& s, const Assignments& p,
                                  Dtype dt) {
  fused(b, "xuv_fused_explicit_transpose", s, p, dt, Stage1::explicit_transpose, false);
}

void xuv_unfused_recompute(Backend& b, const Assignments& s, const Assignments& p, Dtype dt) {
  fused(b, "xuv_unfused_recompute", s, p, dt, Stage1::implicit_transpose, true);
}

void xuv_sequential(Backend& b, const Assignments& shape, const Assignments&, Dtype dt) {
  const XuvOperands op = declare_xuv(b, "xuv_sequential", shape, dt);
  // (X U)^T = U^T X^T with the tutorial kernel (lhsT = U), through HBM, then Y = (X U) V.
  const TensorRef xuT = b.hbm_scratch("xuT", op.R, op.M, dt);
  const int64_t sbuf = b.sbuf_bytes_per_partition();
  optimized_matmul(b, "xuv_sequential", op.u, op.xT, xuT, fit_blocks(op.R, op.K, op.M, dt, sbuf));
  optimized_matmul(b, "xuv_sequential", xuT, op.v, op.y, fit_blocks(op.M, op.R, op.N, dt, sbuf));
}

}  // namespace trnsim
