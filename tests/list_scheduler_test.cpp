// The compiler's instruction scheduling (sim/backend/list_scheduler.h): which order it gives,
// that it never crosses a dependency, and the time that order saves, derived by hand from the
// cost rules of tests/fixtures/cost-rules.yaml.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/backend/held_dependencies.h"
#include "sim/backend/sim_backend.h"
#include "sim/config/hw_config_loader.h"
#include "sim/model/neuron_core.h"
#include "tests/program_builder.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

constexpr int64_t kP = 128, kF = 512;

HwConfig machine_with_window(int window) {
  HwConfig cfg = testing::cost_rules_machine();
  apply_override(cfg, "compiler.schedule_window=" + std::to_string(window));
  return cfg;
}

// Four Vector tensor_scalars on tiles already in SBUF: two chains of two, each second
// instruction reading what the first wrote.
isa::Program two_chains(const HwConfig& cfg) {
  backend::SimBackend b(cfg, "two_chains");
  std::vector<TensorRef> t;
  for (const char* name : {"a", "a2", "a3", "b", "b2", "b3"})
    t.push_back(b.sbuf_tile(name, {}, kP, kF, Dtype::fp32, 1));
  const auto step = [&](const TensorRef& dst, const TensorRef& src) {
    b.tensor_scalar(dst.all(), src.all(), ScalarOp{AluOp::multiply, 2.0f}, ScalarOp{},
                    Engine::vector);
  };
  step(t[1], t[0]);  // a2 <- a
  step(t[2], t[1]);  // a3 <- a2
  step(t[4], t[3]);  // b2 <- b
  step(t[5], t[4]);  // b3 <- b2
  return b.finish();
}

std::vector<std::string> vector_labels(const isa::Program& p) {
  std::vector<std::string> labels;
  for (const isa::Instruction& in : p.stream(testing::vector_stream()))
    labels.push_back(in.label);
  return labels;
}

TEST(ListScheduler, AnEngineTakesUpIndependentWorkInsteadOfWaitingOnItsOwnResult) {
  // The fixture's Vector: 1 GHz, MIN_II 64, access start 50, static overhead 100. Each
  // tensor_scalar of N = 512: busy max(64, 512) = 512 ns, result visible 512 + 50 + 100 = 662 ns
  // after its start.
  // Program order a2 a3 b2 b3: a2 0-512; a3 waits for a2 at 662, runs 662-1174; b2 1174-1686;
  // b3 waits for b2 at 1686 + 150 = 1836, runs to 2348, complete at 2348 + 150 = 2498 ns.
  const isa::Program in_order = two_chains(machine_with_window(0));
  EXPECT_EQ(vector_labels(in_order),
            (std::vector<std::string>{"a2 <- a multiply scalar", "a3 <- a2 multiply scalar",
                                      "b2 <- b multiply scalar", "b3 <- b2 multiply scalar"}));
  EXPECT_NEAR(model::simulate(in_order, machine_with_window(0), {}).sim_time_ns, 2498.0,
              testing::kPs);
  // Scheduled: a2 (start 0) and b2 (0) are ready, a2 first in program order; then b2 at 512
  // before a3 (ready at 662); a3 at 1024 (its input has been there since 662); b3 at 1536,
  // done 2048, complete 2198 ns: both waits hidden, 300 ns saved.
  const HwConfig scheduled_cfg = machine_with_window(4);
  const isa::Program scheduled = two_chains(scheduled_cfg);
  EXPECT_EQ(vector_labels(scheduled),
            (std::vector<std::string>{"a2 <- a multiply scalar", "b2 <- b multiply scalar",
                                      "a3 <- a2 multiply scalar", "b3 <- b2 multiply scalar"}));
  EXPECT_NEAR(model::simulate(scheduled, scheduled_cfg, {}).sim_time_ns, 2198.0, testing::kPs);
}

TEST(ListScheduler, AWindowOfOneIsProgramOrder) {
  EXPECT_EQ(vector_labels(two_chains(machine_with_window(1))),
            vector_labels(two_chains(machine_with_window(0))));
}

TEST(ListScheduler, AWriteStaysAfterTheReadsAndWritesItWouldOverwrite) {
  // x <- a; y <- x (waits for x); then x <- b. Ready alone, the last could start at 512, before
  // y (662); but it rewrites x, which y reads (write after read) and the first wrote (write
  // after write), so it stays last, and y reads the first x.
  const HwConfig cfg = machine_with_window(8);
  backend::SimBackend b(cfg, "war");
  const TensorRef a = b.sbuf_tile("a", {}, kP, kF, Dtype::fp32, 1);
  const TensorRef bt = b.sbuf_tile("b", {}, kP, kF, Dtype::fp32, 1);
  const TensorRef x = b.sbuf_tile("x", {}, kP, kF, Dtype::fp32, 1);
  const TensorRef y = b.sbuf_tile("y", {}, kP, kF, Dtype::fp32, 1);
  const ScalarOp twice{AluOp::multiply, 2.0f};
  b.tensor_scalar(x.all(), a.all(), twice, ScalarOp{}, Engine::vector);
  b.tensor_scalar(y.all(), x.all(), twice, ScalarOp{}, Engine::vector);
  b.tensor_scalar(x.all(), bt.all(), twice, ScalarOp{}, Engine::vector);
  EXPECT_EQ(vector_labels(b.finish()),
            (std::vector<std::string>{"x <- a multiply scalar", "y <- x multiply scalar",
                                      "x <- b multiply scalar"}));
}

TEST(ListScheduler, DependenciesAcrossEnginesBecomeWaitsInTheScheduledOrder) {
  // Vector: x <- a, then y <- b; Scalar: z <- exp(x). Scheduled, the Scalar activation follows
  // x <- a whichever Vector instruction is emitted first, so it waits for Vector's count to
  // reach the position of x <- a in the scheduled stream plus one.
  const HwConfig cfg = machine_with_window(8);
  backend::SimBackend b(cfg, "cross");
  std::vector<TensorRef> t;
  for (const char* name : {"a", "b", "x", "y", "z"})
    t.push_back(b.sbuf_tile(name, {}, kP, kF, Dtype::fp32, 1));
  const ScalarOp twice{AluOp::multiply, 2.0f};
  b.tensor_scalar(t[2].all(), t[0].all(), twice, ScalarOp{}, Engine::vector);
  b.tensor_scalar(t[3].all(), t[1].all(), twice, ScalarOp{}, Engine::vector);
  b.activation(t[4].all(), t[2].all(), ActFunc::exp, 1.0f, 0.0f);
  const isa::Program p = b.finish();
  const auto labels = vector_labels(p);
  const auto x_at = std::find(labels.begin(), labels.end(), "x <- a multiply scalar");
  ASSERT_NE(x_at, labels.end());
  const auto& scalar = p.stream(testing::scalar_stream());
  ASSERT_EQ(scalar.size(), 1u);
  ASSERT_EQ(scalar[0].waits.size(), 1u);
  EXPECT_EQ(scalar[0].waits[0].stream, testing::vector_stream());
  EXPECT_EQ(scalar[0].waits[0].count, static_cast<uint32_t>(x_at - labels.begin()) + 1);
}

TEST(HeldDependencies, AWriteFollowsTheLastWriterAndEveryHeldReaderSince) {
  using Slots = std::vector<int>;
  backend::HeldDependencies deps(4, 1024, 1024);
  const backend::Region x{Memory::sbuf, -1, 0, 0, 0, 256};
  const backend::Region half{Memory::sbuf, -1, 0, 0, 128, 256};  // the upper half of x
  const backend::Region other{Memory::sbuf, -1, 0, 0, 512, 768};
  EXPECT_EQ(deps.add(0, {}, {x}), Slots{});          // writes x
  EXPECT_EQ(deps.add(1, {x}, {other}), Slots{0});    // reads x: after its writer
  EXPECT_EQ(deps.add(2, {half}, {}), Slots{0});      // reads part of x: the same
  EXPECT_EQ(deps.add(3, {}, {x}), (Slots{0, 1, 2}));  // rewrites x: after the writer and both
  deps.release(0);
  deps.release(1);
  // Slot 1 reused: a read of x follows only the held writer 3; a write of `other` (written by
  // the released instruction that held slot 1 before) follows nothing.
  EXPECT_EQ(deps.add(1, {half}, {}), Slots{3});
  deps.release(1);
  EXPECT_EQ(deps.add(1, {}, {other}), Slots{});
}

}  // namespace
}  // namespace trnsim
