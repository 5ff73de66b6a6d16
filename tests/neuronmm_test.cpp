// NeuronMM on trnsim: what caching and implicit transposition change in the data movement,
// bad input, the cost-rule lower bound and the autotuner. Expected numbers are derived from
// the kernels' loop structure in the comments.
#include <gtest/gtest.h>

#include "kernels/registry.h"
#include "sim/run/kernel_run.h"
#include "sim/run/tune.h"
#include "sim/cost/lower_bound.h"
#include "sim/model/neuron_core.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

const Assignments kShape = {{"M", 512}, {"K", 1024}, {"R", 512}, {"N", 2048}};
const Assignments kBlocks = {{"TILES_IN_BLOCK_K", 4}, {"TILES_IN_BLOCK_R", 2},
                             {"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 1}};

isa::Program build(const std::string& kernel, const Assignments& shape,
                   const Assignments& params = {}) {
  return run::build_kernel_program(find_kernel(kernel), testing::trn1(), shape, params,
                                   Dtype::bf16);
}

int64_t moved(const isa::Program& p, const std::string& path, const std::string& tensor) {
  const auto row = p.data_movement.bytes.find(path);
  if (row == p.data_movement.bytes.end()) return 0;
  const auto cell = row->second.find(tensor);
  return cell == row->second.end() ? 0 : cell->second;
}

TEST(NeuronMM, FusedKeepsTheIntermediateOnChip) {
  // xuv_sequential stores (XU)^T (R x M bf16 = 512 KiB) and reads it back; xuv_fused never
  // moves the intermediate through HBM, and reads X^T exactly once (K x M x 2 B = 1 MiB).
  const isa::Program seq = build("xuv_sequential", kShape);
  const isa::Program fused = build("xuv_fused", kShape, kBlocks);
  EXPECT_EQ(moved(seq, "SBUF->HBM", "intermediate"), 512 * 512 * 2);
  EXPECT_GE(moved(seq, "HBM->SBUF", "intermediate"), 512 * 512 * 2);
  EXPECT_EQ(moved(fused, "SBUF->HBM", "intermediate"), 0);
  EXPECT_EQ(moved(fused, "HBM->SBUF", "intermediate"), 0);
  EXPECT_EQ(moved(fused, "HBM->SBUF", "xT"), 1024 * 512 * 2);
  EXPECT_EQ(fused.data_movement.minimum.at("HBM->SBUF"),
            (1024 * 512 + 1024 * 512 + 512 * 2048) * 2);
}

TEST(NeuronMM, RecomputeReadsUOncePerOutputBlock) {
  // Token blocks of 256 (TILES_IN_BLOCK_M=2): M / 256 = 2. Output blocks of 512 columns:
  // N / 512 = 4. Fused reads U (1 MiB) once per token block; recompute once per token block
  // and output block: 4 times as much. Both compute the same products: same SBUF->PE bytes
  // for stage 2, and 4 x the stage-1 matmuls for recompute.
  const isa::Program fused = build("xuv_fused", kShape, kBlocks);
  const isa::Program recompute = build("xuv_unfused_recompute", kShape, kBlocks);
  EXPECT_EQ(moved(fused, "HBM->SBUF", "U"), 2 * 1024 * 512 * 2);
  EXPECT_EQ(moved(recompute, "HBM->SBUF", "U"), 4 * moved(fused, "HBM->SBUF", "U"));
}

TEST(NeuronMM, ImplicitTranspositionAvoidsTensorEngineTransposes) {
  // Explicit: one 128 x 128 transpose per (token tile of 128, rank tile of 128) of each token
  // block: (M / 128) x (R / 128) = 4 x 4 = 16. Implicit: none.
  auto transposes = [](const isa::Program& p) {
    int n = 0;
    for (const auto& in : p.stream(isa::compute_stream(Engine::tensor)))
      n += in.op == isa::Opcode::transpose;
    return n;
  };
  EXPECT_EQ(transposes(build("xuv_fused", kShape, kBlocks)), 0);
  EXPECT_EQ(transposes(build("xuv_fused_explicit_transpose", kShape, kBlocks)), 16);
}

TEST(NeuronMM, RankThatIsNotBlockAlignedIsRejected) {
  EXPECT_TRUE(testing::throws_user_error(
      [] {
        build("xuv_fused", {{"M", 512}, {"K", 1024}, {"R", 1000}, {"N", 2048}}, kBlocks);
      },
      "R=1000 is not a multiple of 128"));
}

TEST(NeuronMM, BlocksThatOverflowSbufAreRejectedNamingTheTiles) {
  // A 2048-token strip of R = 4096 alone is 32 x 2048 x 2 B = 128 KiB per partition.
  Assignments big = kBlocks;
  big["TILES_IN_BLOCK_M"] = 16;
  const std::string msg = testing::user_error_of([&] {
    build("xuv_fused", {{"M", 2048}, {"K", 1024}, {"R", 4096}, {"N", 2048}}, big);
  });
  EXPECT_TRUE(testing::contains(msg, "xu_strip 131072"));
  EXPECT_TRUE(testing::contains(msg, "180224 usable"));
}

TEST(NeuronMM, LowerBoundNeverExceedsSimulatedTime) {
  // Every engine's busy time and the HBM bytes at full bandwidth are floors of any schedule.
  const HwConfig hw = testing::trn1();
  for (const KernelSpec& k : kernel_library()) {
    const bool mlp = k.name.rfind("mlp_", 0) == 0, xuv = k.name.rfind("xuv_", 0) == 0;
    // The decoder operators and the one-matmul kernel at their own (small) default shapes.
    const bool decoder = k.name.rfind("llm_", 0) == 0 || k.name == "matmul_tile";
    const Assignments mlp_shape = {{"S", 128}, {"H", 512}, {"I", 1024}, {"R", 256}};
    const Assignments shape = mlp       ? mlp_shape
                              : xuv     ? kShape
                              : decoder ? k.default_shape
                                        : Assignments{{"M", 512}, {"K", 1024}, {"N", 2048}};
    Assignments s = shape;
    if (k.name == "mlp_dense") s.erase("R");
    Assignments params;
    if (xuv && k.name != "xuv_sequential") params = kBlocks;
    if (k.name == "matmul_optimized")
      params = {{"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 2}};
    const isa::Program p = run::build_kernel_program(k, hw, s, params, Dtype::bf16);
    EXPECT_LE(cost::lower_bound_ns(p, hw), model::simulate(p, hw, {}).sim_time_ns) << k.name;
  }
}

TEST(NeuronMM, TunerFindsTheExhaustiveOptimum) {
  // An independent exhaustive search over the same space, simulating every configuration the
  // kernel accepts: the tuner's first choice (with pruning and two workers) must be its best.
  run::TuneRequest r;
  r.kernel = "xuv_fused";
  r.hw = testing::trn1();
  r.shape = kShape;
  r.values = {1, 2, 4};
  const run::TuneReport report = run::tune(r);
  ASSERT_FALSE(report.ranked.empty());
  EXPECT_EQ(report.candidates, 81);
  double best = 1e300;
  for (int64_t k : r.values)
    for (int64_t rr : r.values)
      for (int64_t m : r.values)
        for (int64_t n : r.values) {
          try {
            const isa::Program p = build("xuv_fused", kShape,
                                         {{"TILES_IN_BLOCK_K", k}, {"TILES_IN_BLOCK_R", rr},
                                          {"TILES_IN_BLOCK_M", m}, {"TILES_IN_BLOCK_N", n}});
            best = std::min(best, model::simulate(p, r.hw, {}).sim_time_ns / 1e6);
          } catch (const UserError&) {
          }
        }
  EXPECT_DOUBLE_EQ(report.ranked.front().sim_ms, best);
  EXPECT_EQ(report.rejected + report.pruned + report.evaluated, report.candidates);
}

}  // namespace
}  // namespace trnsim
