// The cost rules as pure functions, against numbers worked out by hand from reference
// trainium.md §2-§5 (the cited rule is next to each assertion) and the round parameters of
// tests/fixtures/cost-rules.yaml (not the calibrated trn1.yaml).
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
  HwConfig cfg = testing::cost_rules_machine();
};

TEST_F(CostTest, MatmulIsLoadStationaryPlusMultiplyMoving) {
  // A2: LS of 128 columns with fast weight load (factor 4) = 128 / 4 = 32 cycles; MM issue
  // interval max(N, MM_INIT_LATENCY) = max(512, 64) = 512 for N = 512; the result follows
  // result_latency = 100 cycles later.
  const auto c = cost::matmul_cost(cfg, testing::matmul(psum(0, 128, 512), sbuf(0, 128, 128),
                                                        sbuf(4096, 128, 512)));
  EXPECT_EQ(c.load_stationary, Cycles(32));
  EXPECT_EQ(c.multiply_moving, Cycles(512));
  EXPECT_EQ(c.result_latency, Cycles(100));
}

TEST_F(CostTest, ShortMovingIsFlooredAtMmInitLatency) {
  // A2: "roughly max(N, MM_INIT_LATENCY)" = max(16, 64) = 64.
  const auto c = cost::matmul_cost(cfg, testing::matmul(psum(0, 128, 16), sbuf(0, 128, 128),
                                                        sbuf(4096, 128, 16)));
  EXPECT_EQ(c.multiply_moving, Cycles(64));
}

TEST_F(CostTest, Fp32MatmulCostsTheFp32FactorTimesMore) {
  // A2: fp32 is "roughly 4x higher" on trn1; the fixture's factor is 3: 3 x 512 = 1536 for
  // MultiplyMoving and 3 x 32 = 96 for LoadStationary.
  const auto c = cost::matmul_cost(
      cfg, testing::matmul(psum(0, 128, 512), sbuf(0, 128, 128, Dtype::fp32),
                           sbuf(4096, 128, 512, Dtype::fp32)));
  EXPECT_EQ(c.multiply_moving, Cycles(1536));
  EXPECT_EQ(c.load_stationary, Cycles(96));
}

TEST_F(CostTest, VectorTensorTensorRules) {
  // ISA-OLD tensor_tensor: all-bf16 add with SBUF inputs -> N; fp32 SBUF + SBUF -> 2N;
  // one input in PSUM, the other in SBUF -> N. Dependants also wait access start (50) and
  // the static overhead (100): latency = 512 + 150 = 662.
  const auto bf16 = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_tensor, sbuf(0, 128, 512), sbuf(1024, 128, 512),
                         sbuf(2048, 128, 512)),
      Engine::vector);
  EXPECT_EQ(bf16.busy, Cycles(512));
  EXPECT_EQ(bf16.latency, Cycles(662));
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
  // ISA-OLD tensor_copy: max(MIN_II, N) = max(64, 10) = 64.
  const auto c = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_copy, sbuf(0, 128, 10), sbuf(1024, 128, 10)),
      Engine::vector);
  EXPECT_EQ(c.busy, Cycles(64));
}

TEST_F(CostTest, MemsetAndReduceHalveForBf16) {
  // ISA-OLD memset: max(MIN_II, N/2) = max(64, 256) for zero in a 2-byte type. tensor_reduce:
  // N/2 = 10/2 for bf16 add/max, with no MIN_II floor.
  isa::Instruction memset = testing::lane(Opcode::memset, sbuf(0, 128, 512), {});
  EXPECT_EQ(cost::engine_cost(cfg, memset, Engine::vector).busy, Cycles(256));
  memset.imm0 = 1.0f;  // not zero: N
  EXPECT_EQ(cost::engine_cost(cfg, memset, Engine::vector).busy, Cycles(512));
  const auto reduce = cost::engine_cost(
      cfg, testing::lane(Opcode::reduce, sbuf(0, 128, 1), sbuf(1024, 128, 10)), Engine::vector);
  EXPECT_EQ(reduce.busy, Cycles(5));
}

TEST_F(CostTest, GpSimdAddsItsStartCost) {
  // ISA-OLD: GpSimd instructions cost GPSIMD_START + N (150 + N on trn1; the fixture's start
  // is 200): N = 100 > MIN_II, so 200 + 100 = 300.
  const auto c = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_copy, sbuf(0, 128, 100), sbuf(1024, 128, 100)),
      Engine::gpsimd);
  EXPECT_EQ(c.busy, Cycles(300));
}

TEST_F(CostTest, StridedAccessHalvesBandwidth) {
  // A2: an innermost free stride above 16 bytes gets half the interface bandwidth. bf16 with
  // stride 16 elements = 32 bytes: 2 x 512 = 1024.
  isa::AccessPattern strided = sbuf(0, 128, 512);
  strided.dims = {{16, 512}};
  const auto c = cost::engine_cost(
      cfg, testing::lane(Opcode::tensor_copy, sbuf(32768, 128, 512), strided), Engine::vector);
  EXPECT_EQ(c.busy, Cycles(1024));
}

TEST_F(CostTest, TensorEngineTranspose) {
  // ISA-OLD nc_transpose on TensorE: max(P, min(cap, F)), the fixture's cap 80:
  // max(128, min(80, 128)) = 128.
  isa::Instruction t = testing::lane(Opcode::transpose, psum(0, 128, 128), sbuf(0, 128, 128));
  EXPECT_EQ(cost::engine_cost(cfg, t, Engine::tensor).busy, Cycles(128));
  // fp32 data: tensor.fp32_transpose_cost_factor (the fixture's 2) times that, 256 cycles;
  // the result is visible result_latency_cycles = 100 later, at 356.
  t.src0.dtype = Dtype::fp32;
  const cost::EngineCost fp32 = cost::engine_cost(cfg, t, Engine::tensor);
  EXPECT_EQ(fp32.busy, Cycles(256));
  EXPECT_EQ(fp32.latency, Cycles(356));
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
  // Engine time: 8 descriptors x 10 ns + 16384 B / 16 B/ns = 80 + 1024 = 1104 ns.
  EXPECT_DOUBLE_EQ(cost::dma_engine_ns(cfg, shares[0]), 1104.0);
}

TEST_F(CostTest, AStoreTakesItsBytesAtTheHbmWriteRateWhenThatBinds) {
  // The same 128 x 512 fp32 block stored to HBM: 16 shares of 8 descriptors x 2 KiB. With the
  // fixture's write rate of 1000 B/ns the engine's 16 B/ns binds, as for the load: 1104 ns. At a
  // write rate of 8 B/ns: 8 x 10 + 16384 / 8 = 2128 ns; the load's time does not change.
  const isa::Instruction store = testing::dma(testing::hbm(0, 4096, 0, 0, 128, 512, Dtype::fp32),
                                              sbuf(0, 128, 512, Dtype::fp32));
  const auto shares = cost::split_dma(cfg, store);
  ASSERT_EQ(shares.size(), 16u);
  EXPECT_TRUE(shares[0].hbm_write);
  EXPECT_DOUBLE_EQ(cost::dma_engine_ns(cfg, shares[0]), 1104.0);
  HwConfig slow_writes = cfg;
  slow_writes.dma.engine_hbm_write_bytes_per_ns = 8;
  EXPECT_DOUBLE_EQ(cost::dma_engine_ns(slow_writes, shares[0]), 2128.0);
  const auto load = cost::split_dma(
      slow_writes, testing::dma(sbuf(0, 128, 512, Dtype::fp32),
                                testing::hbm(0, 4096, 0, 0, 128, 512, Dtype::fp32)));
  EXPECT_DOUBLE_EQ(cost::dma_engine_ns(slow_writes, load[0]), 1104.0);
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
  // time is a copy's (8 x 10 ns + 2048 B / 16 B/ns = 208 ns) divided by
  // dma.transpose_efficiency = 0.25: 832 ns.
  isa::Instruction t = testing::dma(sbuf(0, 128, 128), testing::hbm(0, 128, 0, 0, 128, 128));
  t.op = Opcode::dma_transpose;
  const auto shares = cost::split_dma(cfg, t);
  ASSERT_EQ(shares.size(), 16u);
  EXPECT_EQ(shares[0].descriptors, 8);
  EXPECT_DOUBLE_EQ(cost::dma_engine_ns(cfg, shares[0]), 832.0);
}

}  // namespace
}  // namespace trnsim
