// The simulator against AWS's measured latencies of the NKI matmul tutorial on trn1
// (traces/measured/nki_matmul_tutorial_trn1.json, reference trainium.md §7.1), and the spill
// traffic of matmul_optimized beyond M = 8192.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/run/kernel_run.h"
#include "sim/run/measurements.h"
#include "sim/trace/summary.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

TEST(TutorialAccuracy, EveryKernelWithin15PercentOfTrn1Measurement) {
  const run::MeasurementSet set =
      run::load_measurements(std::string(TRNSIM_SOURCE_DIR) +
                             "/traces/measured/nki_matmul_tutorial_trn1.json");
  ASSERT_EQ(set.measurements.size(), 4u);
  for (const run::Comparison& c : run::compare(set, testing::trn1())) {
    SCOPED_TRACE(c.measured.kernel);
    EXPECT_LE(std::fabs(c.error_percent), 15.0)
        << c.simulated_ms << " ms simulated vs " << c.measured.latency_ms << " ms measured";
  }
}

TEST(TutorialAccuracy, OptimizedAtM16384SpillsResultTiles) {
  // The tutorial: result_tiles need 4 MB x (M / 2048); beyond M = 8192 they spill. At
  // M = 16384 that is 32 MiB of result tiles for a 24 MiB SBUF.
  run::KernelRunRequest request;
  request.kernel = "matmul_optimized";
  request.hw = testing::trn1();
  request.shape = {{"M", 16384}};
  const run::KernelRunOutput out = run::run_kernel(request);
  const trace::Summary s = trace::summarize(out.program, out.run, request.hw, {});
  auto bytes = [&](const char* name) { return std::get<int64_t>(trace::find(s, name)->value); };
  // Without spills: rhs once per (N block, K block) = 8192 x 8192 x 2 B = 128 MiB; lhsT once
  // per N block = 8 x (8192 x 16384 x 2 B) = 2 GiB; the result stored once = 256 MiB.
  EXPECT_EQ(bytes("kernel_hbm_bytes"),
            int64_t{8192} * 8192 * 2 + 8 * int64_t{8192} * 16384 * 2 + int64_t{16384} * 8192 * 2);
  EXPECT_GT(bytes("spill_bytes"), 0);
  EXPECT_GT(bytes("reload_bytes"), 0);
  // Every reload reads back what a spill wrote.
  EXPECT_LE(bytes("reload_bytes"), bytes("spill_bytes"));
}

}  // namespace
}  // namespace trnsim
