// SwiGLU MLP y = (silu(x Wg) * (x Wu)) Wd two ways:
//  - mlp_dense: NeuronMM's "NKI XW" baseline -- the tutorial matmul for gate, up and down,
//    with the SiLU * multiply as its own pass between them (intermediates in HBM);
//  - mlp_neuronmm: the authors' two kernels on the SVD factors (reference neuronmm.md §2.1):
//    fused_mlp_up_T (x loaded once with a DMA transpose, gate and up strips from the same X
//    block, SiLU * multiply fused into the store of h^T) and fused_three_mm_XTUV (consumes h^T
//    as it is and writes y in natural layout): one DMA transpose in the whole MLP.
#include "kernels/matmul/matmul_kernels.h"
#include "kernels/matmul/optimized_matmul.h"
#include "kernels/neuronmm/neuronmm_kernels.h"

namespace trnsim {
namespace {

// h^T = silu(g^T) * u^T, tile by tile through SBUF.
void swiglu_pass(Backend& b, const TensorRef& gT, const TensorRef& uT, const TensorRef& hT) {
  const int64_t I = gT.partitions, S = gT.free, cols = std::min<int64_t>(S, kMoving);
  require_multiple("mlp_dense", "S", S, cols, "tokens in tiles of 512");
  b.for_range("it", I / kTile, Loop::affine, [&](Expr it) {
    b.for_range("sc", S / cols, Loop::affine, [&](Expr sc) {
      const TensorRef g = b.sbuf_tile("g_tile", {}, kTile, cols, gT.dtype, kPipelineBufs);
      const TensorRef u = b.sbuf_tile("u_tile", {}, kTile, cols, uT.dtype, kPipelineBufs);
      b.dma_copy(g.all(), hbm_slice(gT, it * kTile, kTile, sc * cols, cols));
      b.dma_copy(u.all(), hbm_slice(uT, it * kTile, kTile, sc * cols, cols));
      b.activation(g.all(), g.all(), ActFunc::silu);
      b.tensor_tensor(g.all(), g.all(), u.all(), AluOp::multiply);
      b.dma_copy(hbm_slice(hT, it * kTile, kTile, sc * cols, cols), g.all());
    });
  });
}

struct MlpShape {
  int64_t S, H, I, R;
};

MlpShape mlp_shape(const std::string& kernel, const Assignments& shape, bool with_rank) {
  require_positive(kernel, shape);
  MlpShape s{shape.at("S"), shape.at("H"), shape.at("I"), with_rank ? shape.at("R") : 0};
  require_multiple(kernel, "H", s.H, kMoving, "the moving free size");
  require_multiple(kernel, "I", s.I, kTile, "the partition count");
  if (with_rank) require_multiple(kernel, "R", s.R, kTile, "block-aligned rank: a multiple of 128");
  return s;
}

// Authors' tuned blocks by sequence length (reference neuronmm.md §2.1), as (contraction,
// rank, token, output) tiles per block in trnsim's units: 128 for contraction, rank and tokens;
// output tiles are 128 wide in the up kernel (stationary) and 512 in the down kernel (moving).
// The authors' up kernel counts tokens in tiles of 512, hence x4.
struct TunedBlocks {
  XuvBlocks up, down;
};
TunedBlocks tuned_blocks(int64_t S) {
  if (S < 128) return {{1, 1, 4, 8}, {8, 2, 1, 4}};
  if (S < 256) return {{8, 4, 4, 4}, {8, 2, 1, 4}};
  if (S < 512) return {{8, 4, 4, 4}, {4, 2, 2, 4}};
  if (S == 512) return {{8, 4, 4, 16}, {4, 4, 4, 4}};
  if (S < 1024) return {{8, 4, 8, 1}, {4, 2, 4, 4}};
  if (S == 1024) return {{8, 4, 4, 4}, {4, 4, 8, 1}};
  return {{8, 4, 8, 1}, {4, 2, 8, 4}};
}

// A parameter of 0 takes the tuned value, fitted to the shape (the authors mask ragged blocks
// instead); a value the user gave must divide the shape exactly.
int64_t block_param(const Assignments& params, const std::string& name, int64_t tuned,
                    int64_t tiles) {
  const int64_t given = params.at(name);
  if (given < 0) throw UserError("mlp_neuronmm: " + name + " must be positive (0: tuned)");
  return given > 0 ? given : fit_tiles(tiles, tuned);
}

XuvBlocks blocks_for(const Assignments& params, const std::string& prefix, const XuvBlocks& tuned,
                     int64_t k_tiles, int64_t r_tiles, int64_t m_tiles, int64_t n_tiles) {
  return {block_param(params, prefix + "TILES_IN_BLOCK_K", tuned.k, k_tiles),
          block_param(params, prefix + "TILES_IN_BLOCK_R", tuned.r, r_tiles),
          block_param(params, prefix + "TILES_IN_BLOCK_M", tuned.m, m_tiles),
          block_param(params, prefix + "TILES_IN_BLOCK_N", tuned.n, n_tiles)};
}

template <typename Footprint>
void fit_tuned_to_budget(const Backend& b, const Assignments& params, const std::string& prefix,
                         XuvBlocks& bl, const Footprint& footprint) {
  std::vector<std::pair<int64_t*, std::string>> tunable;
  for (auto [field, dim] : {std::pair{&bl.n, "N"}, {&bl.r, "R"}, {&bl.k, "K"}})
    if (params.at(prefix + "TILES_IN_BLOCK_" + dim) == 0) tunable.emplace_back(field, dim);
  while (total_bytes(footprint(bl)) > b.sbuf_bytes_per_partition()) {
    int64_t* largest = nullptr;
    for (auto& [field, dim] : tunable)
      if (*field > 1 && (!largest || *field > *largest)) largest = field;
    if (!largest) return;  // nothing left to shrink: the budget check reports it
    *largest = *largest % 2 == 0 ? *largest / 2 : 1;
  }
}

// fused_mlp_up_T stage 2: per output block of I, gate and up (X U V)^T tiles accumulate in
// SBUF over rank blocks, then h^T = silu(gate) * up is stored in transposed layout.
void up_stage2_swiglu(Backend& b, const TensorRef& strip_g, const TensorRef& strip_u,
                      const TensorRef& vg, const TensorRef& vu, const TensorRef& hT,
                      const Expr& mb, const TokenTiles& t, const XuvBlocks& bl) {
  const int64_t R = vg.partitions, I = vg.free;
  const int64_t block_r = kTile * bl.r, block_n = kTile * bl.n, token_tiles = t.block / t.moving;
  require_multiple("mlp_neuronmm", "I", I, block_n, "128 x UP_TILES_IN_BLOCK_N");
  b.for_range("nb", I / block_n, Loop::affine, [&](Expr nb) {
    const TensorRef acc_g = b.sbuf_tile("gate_acc", {bl.n, token_tiles}, kTile, t.moving, hT.dtype);
    const TensorRef acc_u = b.sbuf_tile("up_acc", {bl.n, token_tiles}, kTile, t.moving, hT.dtype);
    b.for_range("nt", bl.n, Loop::affine, [&](Expr nt) {
      b.for_range("mt", token_tiles, Loop::affine, [&](Expr mt) {
        b.memset(acc_g.block({nt, mt}), 0.0f);
        b.memset(acc_u.block({nt, mt}), 0.0f);
      });
    });
    b.for_range("rb", R / block_r, Loop::sequential, [&](Expr rb) {
      const std::vector<std::pair<TensorRef, std::pair<TensorRef, TensorRef>>> projections = {
          {vg, {strip_g, acc_g}}, {vu, {strip_u, acc_u}}};
      for (const auto& projection : projections) {
        // Named references, not a structured binding: C++17 lets no lambda capture one.
        const TensorRef& v = projection.first;
        const auto& strip_acc = projection.second;
        const TensorRef v_tiles = load_weight_block(b, "v_tiles_" + v.name, "rt", v, bl.r,
                                                    rb * block_r, nb * block_n, block_n);
        b.for_range("nt", bl.n, Loop::affine, [&](Expr nt) {
          b.for_range("mt", token_tiles, Loop::affine, [&](Expr mt) {
            // (X U V)^T tile = V^T (X U)^T: V stationary, the strip moving.
            const TensorRef acc = b.psum_tile("hT_psum", kTile, t.moving, kPipelineBufs);
            b.for_range("rt", bl.r, Loop::affine, [&](Expr rt) {
              b.matmul(acc.all(), v_tiles.block({rt}).cols(nt * kTile, kTile),
                       strip_acc.first.block({rb * bl.r + rt}).cols(mt * t.moving, t.moving));
            });
            const View out = strip_acc.second.block({nt, mt});
            b.tensor_tensor(out, out, acc.all(), AluOp::add);
          });
        });
      }
    });
    b.for_range("nt", bl.n, Loop::affine, [&](Expr nt) {
      b.for_range("mt", token_tiles, Loop::affine, [&](Expr mt) {
        const TensorRef h = b.sbuf_tile("h_tile", {}, kTile, t.moving, hT.dtype, kPipelineBufs);
        b.activation(h.all(), acc_g.block({nt, mt}), ActFunc::silu);
        b.tensor_tensor(h.all(), h.all(), acc_u.block({nt, mt}), AluOp::multiply);
        b.dma_copy(hbm_slice(hT, nb * block_n + nt * kTile, kTile, mb * t.block + mt * t.moving,
                             t.moving),
                   h.all());
      });
    });
  });
}

// The factored MLP's operands: x, the three factor pairs, y and h^T between the two kernels.
struct FactoredMlp {
  MlpShape s;
  TensorRef x, ug, vg, uu, vu, ud, vd, y, hT;
};

// fused_mlp_up_T: x -> h^T.
void fused_mlp_up(Backend& b, const FactoredMlp& m, const XuvBlocks& bl) {
  const std::string name = "mlp_neuronmm";
  const TokenTiles t = token_tiles(name, m.s.S, bl.m);
  const Dtype dt = m.x.dtype;
  b.for_range("mb", m.s.S / t.block, Loop::affine, [&](Expr mb) {
    const TensorRef strip_g = b.sbuf_tile("xu_strip_gate", {m.s.R / kTile}, kTile, t.block, dt);
    const TensorRef strip_u = b.sbuf_tile("xu_strip_up", {m.s.R / kTile}, kTile, t.block, dt);
    stage1_strips(b, name, m.x, XLayout::natural, {m.ug, m.uu}, {strip_g, strip_u}, mb, t, bl);
    up_stage2_swiglu(b, strip_g, strip_u, m.vg, m.vu, m.hT, mb, t, bl);
  });
}

// fused_three_mm_XTUV: h^T -> y.
void fused_mlp_down(Backend& b, const FactoredMlp& m, const XuvBlocks& bl) {
  const std::string name = "mlp_neuronmm";
  const TokenTiles t = token_tiles(name, m.s.S, bl.m);
  b.for_range("mb", m.s.S / t.block, Loop::affine, [&](Expr mb) {
    const TensorRef strip = b.sbuf_tile("xu_strip", {m.s.R / kTile}, kTile, t.block, m.hT.dtype);
    stage1_strips(b, name, m.hT, XLayout::transposed, {m.ud}, {strip}, mb, t, bl);
    b.for_range("nb", m.s.H / (kMoving * bl.n), Loop::affine, [&](Expr nb) {
      stage2_natural_block(b, name, strip, m.vd, m.y, mb, nb, t, bl);
    });
  });
}

}  // namespace

void mlp_dense(Backend& b, const Assignments& shape, const Assignments&, Dtype dt) {
  const MlpShape s = mlp_shape("mlp_dense", shape, false);
  const TensorRef xT = b.hbm_input("xT", s.H, s.S, dt);
  const TensorRef wg = b.hbm_input("Wg", s.H, s.I, dt);
  const TensorRef wu = b.hbm_input("Wu", s.H, s.I, dt);
  const TensorRef wd = b.hbm_input("Wd", s.I, s.H, dt);
  const TensorRef y = b.hbm_output("y", s.S, s.H, dt);
  const TensorRef gT = b.hbm_scratch("gT", s.I, s.S, dt);
  const TensorRef uT = b.hbm_scratch("uT", s.I, s.S, dt);
  const TensorRef hT = b.hbm_scratch("hT", s.I, s.S, dt);
  const int64_t sbuf = b.sbuf_bytes_per_partition();
  // (x Wg)^T = Wg^T x^T with the tutorial kernel (lhsT = Wg); likewise up; then y = h Wd.
  optimized_matmul(b, "mlp_dense", wg, xT, gT, fit_blocks(s.I, s.H, s.S, dt, sbuf));
  optimized_matmul(b, "mlp_dense", wu, xT, uT, fit_blocks(s.I, s.H, s.S, dt, sbuf));
  swiglu_pass(b, gT, uT, hT);
  optimized_matmul(b, "mlp_dense", hT, wd, y, fit_blocks(s.S, s.I, s.H, dt, sbuf));
}

void mlp_neuronmm(Backend& b, const Assignments& shape, const Assignments& params, Dtype dt) {
  const std::string name = "mlp_neuronmm";
  FactoredMlp m;
  m.s = mlp_shape(name, shape, true);
  const MlpShape& s = m.s;
  m.x = b.hbm_input("x", s.S, s.H, dt);
  m.ug = b.hbm_input("Ug", s.H, s.R, dt), m.vg = b.hbm_input("Vg", s.R, s.I, dt);
  m.uu = b.hbm_input("Uu", s.H, s.R, dt), m.vu = b.hbm_input("Vu", s.R, s.I, dt);
  m.ud = b.hbm_input("Ud", s.I, s.R, dt), m.vd = b.hbm_input("Vd", s.R, s.H, dt);
  m.y = b.hbm_output("y", s.S, s.H, dt);
  m.hT = b.hbm_scratch("hT", s.I, s.S, dt);
  const TunedBlocks tuned = tuned_blocks(s.S);
  const int64_t token_count = std::max<int64_t>(1, s.S / kTile);
  XuvBlocks up = blocks_for(params, "UP_", tuned.up, s.H / kTile, s.R / kTile, token_count,
                            s.I / kTile);
  XuvBlocks down = blocks_for(params, "DOWN_", tuned.down, s.I / kTile, s.R / kTile,
                              token_count, s.H / kMoving);
  const int64_t sbuf = b.sbuf_bytes_per_partition();
  auto up_tiles = [&](const XuvBlocks& bl) {
    return sbuf_footprint(sbuf, [&](Backend& probe) { fused_mlp_up(probe, m, bl); });
  };
  auto down_tiles = [&](const XuvBlocks& bl) {
    return sbuf_footprint(sbuf, [&](Backend& probe) { fused_mlp_down(probe, m, bl); });
  };
  // The authors sized their table for a 28 MB budget without double buffering; where a tuned
  // default does not fit here, halve its largest tuned block size until it does. Block sizes
  // the user gave are never changed: they fail the check below instead.
  fit_tuned_to_budget(b, params, "UP_", up, up_tiles);
  fit_tuned_to_budget(b, params, "DOWN_", down, down_tiles);
  check_sbuf_budget(b, name + " (fused_mlp_up_T)", up_tiles(up));
  check_sbuf_budget(b, name + " (fused_three_mm_XTUV)", down_tiles(down));
  fused_mlp_up(b, m, up);
  fused_mlp_down(b, m, down);
}

}  // namespace trnsim
