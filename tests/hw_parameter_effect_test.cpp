// Hardware numbers live only in the config: a what-if value for each of them either changes
// what the simulator does or is refused with one line naming the key. The what-ifs start from
// tests/fixtures/cost-rules.yaml (trn1's structure, round timing numbers); expected values are
// worked out by hand from the cost rules (reference trainium.md) next to each assertion.
#include <gtest/gtest.h>

#include <set>

#include "kernels/registry.h"
#include "sim/backend/tile_store.h"
#include "sim/cost/engine_cost.h"
#include "sim/model/neuron_core.h"
#include "sim/run/kernel_run.h"
#include "tests/program_builder.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using cost::Cycles;

HwConfig machine_with(const std::vector<std::string>& overrides) {
  HwConfig cfg = testing::cost_rules_machine();
  apply_overrides(cfg, overrides);
  return cfg;
}

isa::Program naive_program(const HwConfig& cfg) {
  return run::build_kernel_program(find_kernel("matmul_naive"), cfg,
                                   {{"M", 128}, {"K", 256}, {"N", 512}}, {}, Dtype::bf16);
}

std::set<int> queues_used(const isa::Program& p) {
  std::set<int> queues;
  for (int q = 0; q < isa::kDmaQueues; ++q)
    if (!p.stream(isa::dma_queue_stream(q)).empty()) queues.insert(q);
  return queues;
}

TEST(HwParameterEffect, DmaQueueCountLimitsTheQueuesAProgramUses) {
  // matmul_naive has three data streams (lhsT loads, rhs loads, result stores), one queue
  // each in order of first use: queues 0, 1, 2. With two queues the third wraps onto queue 0.
  EXPECT_EQ(queues_used(naive_program(machine_with({}))), (std::set<int>{0, 1, 2}));
  const HwConfig two = machine_with({"dma.queues_per_engine=2"});
  const isa::Program p = naive_program(two);
  EXPECT_EQ(queues_used(p), (std::set<int>{0, 1}));
  EXPECT_GT(model::simulate(p, two, {}).sim_time_ns, 0);
  // A program written for 16 queues is refused on a 2-queue machine, naming the count.
  const std::string e =
      testing::user_error_of([&] { model::check_fits(naive_program(machine_with({})), two); });
  EXPECT_NE(e.find("qDma2 is used but the config has only 2 DMA queues"), std::string::npos) << e;
}

TEST(HwParameterEffect, SbufAlignmentPlacesTiles) {
  // Two tiles of 100 bf16 = 200 bytes per partition, placed one after the other: the second
  // starts at 200 rounded up to the alignment, 256 with 64-byte alignment, 4096 with 4096.
  for (const auto& [alignment, second] : {std::pair{64, 256}, std::pair{4096, 4096}}) {
    const HwConfig cfg = machine_with({"sbuf.alignment_bytes=" + std::to_string(alignment)});
    backend::TileStore tiles(cfg);
    const TensorRef a = tiles.allocate(Memory::sbuf, "a", {}, 128, 100, Dtype::bf16, 1);
    const TensorRef b = tiles.allocate(Memory::sbuf, "b", {}, 128, 100, Dtype::bf16, 1);
    EXPECT_EQ(tiles.place(a.all(), true).offset, 0);
    EXPECT_EQ(tiles.place(b.all(), true).offset, second) << "alignment " << alignment;
  }
}

TEST(HwParameterEffect, PartitionCountBelowNkiPmaxIsRefusedNamingTheKey) {
  // A 64-partition machine (DMA engines, PE rows and columns scaled with it, as the
  // consistency rules ask) loads, but NKI kernels use 128-partition tiles.
  const HwConfig small = machine_with({"sbuf.partitions=64", "psum.partitions=64", "dma.engines=8",
                                       "tensor.rows=64", "tensor.columns=64"});
  const std::string e = testing::user_error_of([&] { naive_program(small); });
  EXPECT_EQ(e,
            "sbuf.partitions = 64 is below NKI's tile_size.pmax = 128: kernels written for "
            "NKI cannot run on this config (run-program can)");
  // A program that touches partitions 64..127 does not fit it either.
  const std::string fit =
      testing::user_error_of([&] { model::check_fits(naive_program(machine_with({})), small); });
  EXPECT_NE(fit.find("partitions 0..127 but"), std::string::npos) << fit;
}

TEST(HwParameterEffect, StrideThresholdAndPenaltyComeFromTheConfig) {
  // A tensor_copy of [128, 512] bf16 reading every second element: innermost stride 2 x 2 B =
  // 4 B. Busy = max(N x factor if strided, MIN_II) + start = 512 (4 B <= 16 B);
  // with max_fast_stride_bytes = 2 it is strided: 512 x 2 = 1024; with factor 3, 1536.
  isa::AccessPattern src = testing::sbuf(0, 128, 512);
  src.dims = {{2, 512}};
  const isa::Instruction copy =
      testing::lane(isa::Opcode::tensor_copy, testing::sbuf(4096, 128, 512), src);
  auto busy = [&](const std::vector<std::string>& o) {
    return cost::engine_cost(machine_with(o), copy, Engine::vector).busy;
  };
  EXPECT_EQ(busy({}), Cycles(512));
  EXPECT_EQ(busy({"vector.max_fast_stride_bytes=2"}), Cycles(1024));
  EXPECT_EQ(busy({"vector.max_fast_stride_bytes=2", "vector.strided_cost_factor=3"}), Cycles(1536));
}

TEST(HwParameterEffect, TwoInputAndReciprocalRatesComeFromTheConfig) {
  // [128, 512] fp32 on the Vector Engine, all in SBUF (the fixture's MIN_II and start cost do
  // not bind at N = 512). A tensor_tensor multiply reads two SBUF tiles: ISA-OLD's 2N = 1024
  // cycles, 1.5 x 512 = 768 at two_input_cycles_per_element = 1.5; a tensor_tensor_scan follows
  // the same key. A reciprocal: 8N = 4096, 3 x 512 = 1536 at reciprocal_cycles_per_element = 3.
  // A tensor_tensor with one operand in PSUM streams at N = 512 whatever the key says.
  const auto fp32 = [](isa::AccessPattern ap) { ap.dtype = Dtype::fp32; return ap; };
  isa::Instruction mul = testing::lane(isa::Opcode::tensor_tensor, fp32(testing::sbuf(0, 128, 512)),
                                       fp32(testing::sbuf(4096, 128, 512)));
  mul.src1 = fp32(testing::sbuf(8192, 128, 512));
  mul.alu = AluOp::multiply;
  isa::Instruction scan = mul;
  scan.op = isa::Opcode::tensor_tensor_scan;
  isa::Instruction mixed = mul;
  mixed.src1 = fp32(testing::psum(0, 128, 512));
  const isa::Instruction reciprocal =
      testing::lane(isa::Opcode::reciprocal, fp32(testing::sbuf(0, 128, 512)),
                    fp32(testing::sbuf(4096, 128, 512)));
  auto busy = [&](const isa::Instruction& in, const std::vector<std::string>& o) {
    return cost::engine_cost(machine_with(o), in, Engine::vector).busy;
  };
  const std::vector<std::string> faster = {"vector.two_input_cycles_per_element=1.5",
                                           "vector.reciprocal_cycles_per_element=3"};
  EXPECT_EQ(busy(mul, {}), Cycles(1024));
  EXPECT_EQ(busy(mul, faster), Cycles(768));
  EXPECT_EQ(busy(scan, faster), Cycles(768));
  EXPECT_EQ(busy(mixed, faster), Cycles(512));
  EXPECT_EQ(busy(reciprocal, {}), Cycles(4096));
  EXPECT_EQ(busy(reciprocal, faster), Cycles(1536));
}

TEST(HwParameterEffect, TransposeCostUsesItsOwnCap) {
  // ISA-OLD: a TensorE transpose of [P, F] costs max(P, min(cap, F)), with the fixture's cap
  // 80: [32, 128] -> 80 cycles; with the cap at 100, max(32, min(100, 128)) = 100.
  // MM_INIT_LATENCY no longer enters.
  isa::Instruction t =
      testing::lane(isa::Opcode::transpose, testing::psum(0, 128, 32), testing::sbuf(0, 32, 128));
  EXPECT_EQ(cost::engine_cost(machine_with({}), t, Engine::tensor).busy, Cycles(80));
  EXPECT_EQ(cost::engine_cost(machine_with({"tensor.transpose_free_cap_cycles=100",
                                            "tensor.mm_init_latency_cycles=10"}),
                              t, Engine::tensor)
                .busy,
            Cycles(100));
}

TEST(HwParameterEffect, HbmCapacityBoundsAllTensorsTogether) {
  // matmul_naive at M=128, K=256, N=512 declares lhsT 256x128, rhs 256x512 and result
  // 128x512 bf16: 64 KiB + 256 KiB + 128 KiB = 448 KiB. With 1 MiB it fits; the tutorial shape
  // (64 MiB + 128 MiB + 64 MiB) does not, and the error names the key.
  const HwConfig tiny = machine_with({"hbm.capacity_bytes=1048576"});
  EXPECT_NO_THROW(naive_program(tiny));
  const std::string e = testing::user_error_of([&] {
    run::build_kernel_program(find_kernel("matmul_naive"), tiny,
                              {{"M", 4096}, {"K", 8192}, {"N", 8192}}, {}, Dtype::bf16);
  });
  EXPECT_NE(e.find("does not fit HBM: 1048576 of hbm.capacity_bytes = 1048576 bytes are free"),
            std::string::npos)
      << e;
}

}  // namespace
}  // namespace trnsim
