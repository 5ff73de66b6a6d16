// The accuracy tests: the simulator with the calibrated hwconfig/trn1.yaml against AWS's
// measured trn1 latencies (the NKI matmul tutorial, traces/measured/nki_matmul_tutorial_trn1.json,
// reference trainium.md §7.1; a dependent scalar chain), and the spill traffic of
// matmul_optimized beyond M = 8192. These, and no hand-derived timing test, may move when
// trn1.yaml is recalibrated.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/model/neuron_core.h"
#include "sim/run/kernel_run.h"
#include "sim/run/measurements.h"
#include "sim/trace/summary.h"
#include "tests/program_builder.h"
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

TEST(TutorialAccuracy, TinyDependentScalarChainIsNearTheMeasured189ns) {
  // PG Opt #5a (MEAS, trn1): RAW-dependent 1-element activations issue every ~189 ns. The
  // model on trn1: max(MIN_II, 1) = 64 busy + 60 access + 100 static = 224 cycles / 1.4 GHz =
  // 160 ns, 15% under the measurement; the test holds the model to within 20% of it. Each
  // link of the chain of 10 starts when the previous one completes.
  const double interval =
      model::simulate(testing::dependent_activation_chain(10), testing::trn1(), {}).sim_time_ns /
      10;
  EXPECT_NEAR(interval, 189.0, 0.20 * 189.0);
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
