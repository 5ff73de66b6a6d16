// The memory port (sim/model/hbm.h): the HBM address map, the bursts a DMA share becomes, the
// two built-in memory models and their selection in YAML. Timing tests use the fixed machine
// tests/fixtures/hbm-small.yaml, not the calibrated trn1.yaml; every expected number is
// derived by hand in the comment next to it.
#include <gtest/gtest.h>

#include <set>
#include <utility>
#include <vector>

#include "common/types.h"
#include "kernels/registry.h"
#include "sim/config/hw_config_loader.h"
#include "sim/model/hbm_address_map.h"
#include "sim/model/hbm_bursts.h"
#include "sim/model/neuron_core.h"
#include "sim/run/kernel_run.h"
#include "tests/kernel_cases.h"
#include "tests/program_builder.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using testing::kPs;
using testing::sbuf;

HwConfig small_machine(const std::string& model) {
  HwConfig cfg = load_hw_config(testing::fixture_path("hbm-small.yaml"));
  apply_overrides(cfg, {"hbm.model=" + model});
  return cfg;
}

// One DMA of 1024 bytes (512 bf16) from HBM tensor 0 (16 rows x 512 bf16) into one SBUF
// partition, so one DMA engine. `hbm_dims` is the HBM side's free pattern.
isa::Program one_partition_load(std::vector<isa::FreeDim> hbm_dims) {
  isa::Program p;
  p.tensors.push_back({"X", 16, 512, Dtype::bf16, isa::TensorRole::input});
  isa::AccessPattern src = testing::hbm(0, 512, 0, 0, 1, 512);
  src.dims = std::move(hbm_dims);
  p.stream(isa::dma_queue_stream(0)).push_back(testing::dma(sbuf(0, 1, 512), src));
  return p;
}

// Streaming: one contiguous 1024-byte row.
isa::Program streaming_load() { return one_partition_load({{1, 512}}); }
// Bank-conflicting: 16 pieces of 64 B (32 bf16), 1024 B (512 bf16) apart.
isa::Program bank_conflicting_load() { return one_partition_load({{512, 16}, {1, 32}}); }

TEST(HbmAddressMap, TensorsAreAlignedInOrderAndDoNotOverlap) {
  // 3 x 5 bf16 = 30 B at 0; 100 x 100 fp32 = 40000 B at 4096; 7 x 9 bf16 = 126 B at
  // ceil((4096 + 40000) / 4096) x 4096 = 11 x 4096 = 45056; end 45056 + 126 = 45182.
  const std::vector<isa::HbmTensor> tensors = {{"A", 3, 5, Dtype::bf16, isa::TensorRole::input},
                                               {"B", 100, 100, Dtype::fp32, isa::TensorRole::input},
                                               {"C", 7, 9, Dtype::bf16, isa::TensorRole::output}};
  const model::HbmAddressMap map(tensors, 4096);
  EXPECT_EQ(map.base(0), 0u);
  EXPECT_EQ(map.base(1), 4096u);
  EXPECT_EQ(map.base(2), 45056u);
  EXPECT_EQ(map.end(), 45182u);
  for (size_t t = 0; t < tensors.size(); ++t) {
    EXPECT_EQ(map.base(static_cast<int32_t>(t)) % 4096, 0u) << t;
    if (t == 0) continue;
    const auto previous = static_cast<int32_t>(t - 1);
    EXPECT_GE(map.base(static_cast<int32_t>(t)),
              map.base(previous) + static_cast<uint64_t>(tensors[t - 1].bytes()))
        << t;
  }
}

TEST(HbmAddressMap, BurstsOfAShareCarryTheHandComputedAddresses) {
  // Rows 3..4, columns 10..29 of B (100 fp32 per row, base 4096): row 3 starts at
  // 4096 + (3 x 100 + 10) x 4 = 5336 and is 20 x 4 = 80 B long; row 4 starts 400 B later, at
  // 5736. 64-byte bursts are cut at multiples of 64: 5336 % 64 = 24, so 40 B at 5336 and 40 B
  // at 5376; 5736 % 64 = 40, so 24 B at 5736 and 56 B at 5760.
  const std::vector<isa::HbmTensor> tensors = {
      {"A", 3, 5, Dtype::bf16, isa::TensorRole::input},
      {"B", 100, 100, Dtype::fp32, isa::TensorRole::input}};
  const model::HbmAddressMap map(tensors, 4096);
  const isa::AccessPattern ap = testing::hbm(1, 100, 3, 10, 2, 20, Dtype::fp32);
  std::vector<std::pair<uint64_t, uint64_t>> bursts;
  model::for_each_hbm_burst(map, ap, 0, 2, 64,
                            [&](uint64_t a, uint64_t n) { bursts.emplace_back(a, n); });
  EXPECT_EQ(bursts, (std::vector<std::pair<uint64_t, uint64_t>>{
                        {5336, 40}, {5376, 40}, {5736, 24}, {5760, 56}}));
}

TEST(HbmAddressMap, StridedRowsBecomeOneBurstPerContiguousRun) {
  // The conflicting pattern: runs of 32 bf16 = 64 B every 512 bf16 = 1024 B, from address 0.
  const isa::Program p = bank_conflicting_load();
  const model::HbmAddressMap map(p.tensors, 1024);
  std::vector<uint64_t> addresses;
  model::for_each_hbm_burst(map, p.stream(isa::dma_queue_stream(0))[0].src0, 0, 1,
                            64, [&](uint64_t a, uint64_t n) {
                              EXPECT_EQ(n, 64u);
                              addresses.push_back(a);
                            });
  ASSERT_EQ(addresses.size(), 16u);
  for (size_t k = 0; k < 16; ++k) EXPECT_EQ(addresses[k], 1024 * k);
}

TEST(HbmModel, InterleavedGivesLessBandwidthToBankConflictsThanToStreaming) {
  // hbm-small: 2 channels x 2 banks, 64 B chunks, 256 B rows (4 chunks), 1 B/ns per channel,
  // row hit 10 ns, row miss 100 ns; 64-byte bursts. Chunk c = address / 64 goes to channel
  // c % 2, bank (c / 2) % 2, row (c / 4) / 4. The DMA engine (0 setup, 0 descriptor cost,
  // 1000 B/ns) is never the bottleneck; all 16 bursts arrive at t = 0. A 64 B chunk crosses
  // its channel in 64 ns.
  //
  // Streaming, addresses 0, 64, ..., 960 (chunks 0..15, all in row 0): each of the 4 banks
  // misses once (data at 100 ns), then hits; the two channels take turns between banks and
  // are never idle after 100 ns. Each channel moves 8 chunks: 100 + 8 x 64 = 612 ns, i.e.
  // 1024 B / 612 ns = 1.67 B/ns.
  const double streaming = model::simulate(streaming_load(), small_machine("interleaved"), {})
                               .sim_time_ns;
  EXPECT_NEAR(streaming, 100 + 8 * 64, kPs);
  // Conflicting, addresses 0, 1024, ..., 15360: chunks 16k, all channel 0, bank 0, row k, so
  // every access misses and waits for the previous one: 16 x (100 + 64) = 2624 ns, i.e.
  // 1024 B / 2624 ns = 0.39 B/ns.
  const double conflicting =
      model::simulate(bank_conflicting_load(), small_machine("interleaved"), {}).sim_time_ns;
  EXPECT_NEAR(conflicting, 16 * (100 + 64), kPs);
  EXPECT_LT(1024 / conflicting, 1024 / streaming);
}

TEST(HbmModel, SimpleIsBlindToAddressesAndToBurstSize) {
  // hbm-small simple: 2 B/ns x 0.5 = 1 B/ns, so 1024 B take 1024 ns, streaming or not.
  const HwConfig cfg = small_machine("simple");
  EXPECT_NEAR(model::simulate(streaming_load(), cfg, {}).sim_time_ns, 1024, kPs);
  EXPECT_NEAR(model::simulate(bank_conflicting_load(), cfg, {}).sim_time_ns, 1024, kPs);
  // [8, 512] bf16 into partitions 0..7 (one engine): 8 x 1024 = 8192 B in 8192 ns, to the
  // picosecond whether it travels as 128 bursts of 64 B or as 8 row-sized ones.
  isa::Program p;
  p.tensors.push_back({"X", 16, 512, Dtype::bf16, isa::TensorRole::input});
  p.stream(isa::dma_queue_stream(0))
      .push_back(testing::dma(sbuf(0, 8, 512), testing::hbm(0, 512, 0, 0, 8, 512)));
  HwConfig big_bursts = cfg;
  apply_overrides(big_bursts, {"hbm.burst_bytes=1048576"});
  const double small = model::simulate(p, cfg, {}).sim_time_ns;
  EXPECT_NEAR(small, 8192, kPs);
  EXPECT_EQ(small, model::simulate(p, big_bursts, {}).sim_time_ns);
}

TEST(HbmModel, BothModelsRunEveryRegisteredKernel) {
  std::set<std::string> covered;
  for (const testing::KernelCase& c : testing::kernel_cases()) {
    if (!covered.insert(c.kernel).second) continue;  // one small shape per kernel
    for (const char* m : {"simple", "interleaved"}) {
      HwConfig cfg = testing::trn1();
      apply_overrides(cfg, {std::string("hbm.model=") + m});
      const isa::Program p =
          run::build_kernel_program(find_kernel(c.kernel), cfg, c.shape, c.params, Dtype::bf16);
      double t = 0;
      EXPECT_NO_THROW(t = model::simulate(p, cfg, {}).sim_time_ns) << c.kernel << " " << m;
      EXPECT_GT(t, 0) << c.kernel << " " << m;
    }
  }
  for (const KernelSpec& k : kernel_library()) EXPECT_TRUE(covered.count(k.name)) << k.name;
}

TEST(HbmModel, UnknownModelNameIsOneLineWithASuggestion) {
  HwConfig cfg = testing::trn1();
  EXPECT_EQ(testing::user_error_of([&] { apply_overrides(cfg, {"hbm.model=interleave"}); }),
            "--set hbm.model=interleave: hbm.model: 'interleave' is not a known choice; did you "
            "mean 'interleaved'? (allowed: simple, interleaved)");
  EXPECT_NE(describe_parameters().find("hbm.model"), std::string::npos);
  EXPECT_NE(describe_parameters().find("[simple, interleaved]"), std::string::npos);
}

TEST(HbmModel, CalibratedPresetsKeepTheSimpleModel) {
  for (const char* hw : {"trn1", "trn2", "trn1-documented"})
    EXPECT_EQ(load_hw_config(hw).hbm.model, HbmModel::simple) << hw;
}

}  // namespace
}  // namespace trnsim
