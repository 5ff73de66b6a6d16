// The cost rules as pure functions, against numbers worked out by hand from reference
// trainium.md §2-§5 (the cited rule is next to each assertion).
#include <gtest/gtest.h>

#include "sim/cost/dma_cost.h"
#include "sim/cost/engine_cost.h"
#include "tests/program_builder.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using cost::Cycles;
using isa::Opcode;
using testing::psum;
using testing::sbuf;

class CostTest : public ::testing::Test {
 protected:
  HwConfig cfg = testing::trn1();
};

TEST_F(CostTest, MatmulIsLoadStationaryPlusMultiplyMoving) {
  // A2: LS of 128 columns with fast weight load (4x) = 128/4 = 32 cycles; MM issue interval
  // max(N, 64) = 512 for N = 512.
  const auto c = cost::matmul_cost(cfg, testing::matmul(psum(0, 128, 512), sbuf(0, 128, 128),
                                                        sbuf(4096, 128, 512)));
  EXPECT_EQ(c.load_stationary, Cycles(32));
  EXPECT_EQ(c.multiply_moving, Cycles(512));
  EXPECT_EQ(c.result_latency, Cycles(128));
}

TEST_F(CostTest, ShortMovingIsFlooredAtMmInitLatency) {
  // A2: "roughly max(N, MM_INIT_LATENCY)", MM_INIT_LATENCY = 64 on NeuronCore-v2.
  const auto c = cost::matmul_cost(cfg, testing::matmul(psum(0, 128, 16), sbuf(0, 128, 128),
                                                        sbuf(4096, 128, 16)));
  EXPECT_EQ(c.multiply_moving, Cycles(64));
}

TEST_F(CostTest, Fp32MatmulCostsFourTimes) {
  // A2: fp32 "roughly 4x higher": 4 * 512 and 4 * 32.
  const auto c = cost::matmul_cost(
      cfg, testing::matmul(psum(0, 128, 512), sbuf(0, 128, 128, Dtype::fp32),
                           sbuf(4096, 128, 512, Dtype::fp32)));
  EXPECT_EQ(c.multiply_moving, Cycles(2048));
  EXPECT_EQ(c.load_stationary, Cycles(128));
}

TEST_F(CostTest, VectorTensorTensorRules) {
  // ISA-OLD tensor_tensor: all-bf16 add with SBUF inputs -> N; fp32 SBUF + SBUF -> 2N;
  // one input in PSUM, the other in SBUF -> N. Dependants also wait access start (60) and
  // the static overhead (100): latency = busy + 160.
  const auto bf16 = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_tensor, sbuf(0, 128, 512), sbuf(1024, 128, 512),
                         sbuf(2048, 128, 512)),
      Engine::vector);
  EXPECT_EQ(bf16.busy, Cycles(512));
  EXPECT_EQ(bf16.latency, Cycles(672));
  const auto fp32 = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_tensor, sbuf(0, 128, 512, Dtype::fp32),
                         sbuf(4096, 128, 512, Dtype::fp32), sbuf(8192, 128, 512, Dtype::fp32)),
      Engine::vector);
  EXPECT_EQ(fp32.busy, Cycles(1024));
  const auto mixed = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_tensor, sbuf(0, 128, 512, Dtype::fp32),
                         sbuf(4096, 128, 512, Dtype::fp32), psum(0, 128, 512)),
      Engine::vector);
  EXPECT_EQ(mixed.busy, Cycles(512));
}

TEST_F(CostTest, SmallInstructionsAreFlooredAtMinIi) {
  // ISA-OLD tensor_copy: max(MIN_II, N), MIN_II = 64.
  const auto c = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_copy, sbuf(0, 128, 10), sbuf(1024, 128, 10)),
      Engine::vector);
  EXPECT_EQ(c.busy, Cycles(64));
}

TEST_F(CostTest, MemsetAndReduceHalveForBf16) {
  // ISA-OLD memset: max(MIN_II, N/2) for zero in a 2-byte type. tensor_reduce: N/2 for bf16
  // add/max, with no MIN_II floor.
  isa::Instruction memset = testing::lane(Opcode::memset, sbuf(0, 128, 512), {});
  EXPECT_EQ(cost::engine_cost(cfg, memset, Engine::vector).busy, Cycles(256));
  memset.imm0 = 1.0f;  // not zero: N
  EXPECT_EQ(cost::engine_cost(cfg, memset, Engine::vector).busy, Cycles(512));
  const auto reduce = cost::engine_cost(
      cfg, testing::lane(Opcode::reduce, sbuf(0, 128, 1), sbuf(1024, 128, 10)), Engine::vector);
  EXPECT_EQ(reduce.busy, Cycles(5));
}

TEST_F(CostTest, GpSimdAddsItsStartCost) {
  // ISA-OLD: GpSimd instructions cost 150 + N (GPSIMD_START ~ 150); N = 100 > MIN_II.
  const auto c = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_copy, sbuf(0, 128, 100), sbuf(1024, 128, 100)),
      Engine::gpsimd);
  EXPECT_EQ(c.busy, Cycles(250));
}

TEST_F(CostTest, StridedAccessHalvesBandwidth) {
  // A2: an innermost free stride above 16 bytes gets half the interface bandwidth. bf16 with
  // stride 16 elements = 32 bytes: 2 * 512.
  isa::AccessPattern strided = sbuf(0, 128, 512);
  strided.dims = {{16, 512}};
  const auto c = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_copy, sbuf(32768, 128, 512), strided), Engine::vector);
  EXPECT_EQ(c.busy, Cycles(1024));
}

TEST_F(CostTest, TensorEngineTranspose) {
  // ISA-OLD nc_transpose on TensorE: max(P, min(64, F)) = max(128, 64) = 128.
  isa::Instruction t = testing::lane(Opcode::transpose, psum(0, 128, 128), sbuf(0, 128, 128));
  EXPECT_EQ(cost::engine_cost(cfg, t, Engine::tensor).busy, Cycles(128));
}

TEST_F(CostTest, DmaSplitsEightPartitionsPerEngine) {
  // DMA-O: a 128 x 512 fp32 load is "16 DMA transfers ... each moving a scatter-gather list of
  // 8 DMA buffers": 16 shares of 8 descriptors x 2 KiB.
  const auto shares =
      cost::split_dma(cfg, testing::dma(sbuf(0, 128, 512, Dtype::fp32),
                                        testing::hbm(0, 4096, 0, 0, 128, 512, Dtype::fp32)));
  ASSERT_EQ(shares.size(), 16u);
  for (int e = 0; e < 16; ++e) {
    EXPECT_EQ(shares[e].engine, e);
    EXPECT_EQ(shares[e].descriptors, 8);
    EXPECT_EQ(shares[e].bytes, 8 * 2048);
    EXPECT_TRUE(shares[e].hbm_read);
  }
  // Engine time: 8 descriptors x 20 ns + 16384 B / 17 B/ns.
  EXPECT_DOUBLE_EQ(cost::dma_engine_ns(cfg, shares[0]), 8 * 20.0 + 16384.0 / 17.0);
}

TEST_F(CostTest, NarrowDmaUsesOneEngine) {
  // DMA-O: "A [4, 4096] bf16 load -> 1 engine, 32 KiB".
  const auto shares = cost::split_dma(
      cfg, testing::dma(sbuf(0, 4, 4096), testing::hbm(0, 4096, 0, 0, 4, 4096)));
  ASSERT_EQ(shares.size(), 1u);
  EXPECT_EQ(shares[0].bytes, 32768);
  EXPECT_EQ(shares[0].descriptors, 4);
}

TEST_F(CostTest, DmaTransposeRunsAtItsEfficiency) {
  // A [128, 128] bf16 transpose: each engine writes 8 destination rows of 256 B. Its engine
  // time is a copy's (8 x 20 ns + 2048 B / 17 B/ns) divided by dma.transpose_efficiency.
  isa::Instruction t = testing::dma(sbuf(0, 128, 128), testing::hbm(0, 128, 0, 0, 128, 128));
  t.op = Opcode::dma_transpose;
  const auto shares = cost::split_dma(cfg, t);
  ASSERT_EQ(shares.size(), 16u);
  EXPECT_EQ(shares[0].descriptors, 8);
  EXPECT_DOUBLE_EQ(cost::dma_engine_ns(cfg, shares[0]),
                   (8 * 20.0 + 2048.0 / 17.0) / cfg.dma.transpose_efficiency);
}

}  // namespace
}  // namespace trnsim
