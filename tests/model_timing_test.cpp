// Microbenchmarks of the SystemC model: small hand-written programs whose timing follows by
// hand from the cost rules (reference trainium.md §2-§5) and the round numbers of
// tests/fixtures/cost-rules.yaml (TensorE and GpSimd at 2 GHz, Vector at 1 GHz, Scalar at
// 0.5 GHz), not the calibrated trn1.yaml. Each expected number is derived in the comment next
// to it.
#include <gtest/gtest.h>

#include "sim/model/neuron_core.h"
#include "tests/program_builder.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

using isa::Opcode;
using testing::kPs;
using testing::psum;
using testing::sbuf;

const model::InstructionEvent& event(const model::RunResult& r, isa::Stream s, uint32_t i) {
  for (const auto& e : r.instructions)
    if (e.stream == s && e.index == i) return e;
  throw std::runtime_error("no such event");
}

isa::Program with_tensor(isa::Program p = {}) {
  p.tensors.push_back({"X", 8192, 8192, Dtype::bf16, isa::TensorRole::input});
  return p;
}

// n matmuls with distinct stationaries, each writing its own PSUM bank.
isa::Program back_to_back_matmuls(int n, int64_t moving, Dtype dtype) {
  isa::Program p;
  for (int i = 0; i < n; ++i)
    p.stream(testing::tensor_stream())
        .push_back(testing::matmul(psum((i % 8) * 2048, 128, moving),
                                   sbuf(i * 512, 128, 128, dtype),
                                   sbuf(65536, 128, moving, dtype)));
  return p;
}

class ModelTimingTest : public ::testing::Test {
 protected:
  HwConfig cfg = testing::cost_rules_machine();
};

TEST_F(ModelTimingTest, BackToBackMatmulsIssueEveryMovingFreeSize) {
  // A2: MM issue interval max(N, 64); the next LoadStationary (32 cycles) runs in the
  // background of the current MM. N = 512: one MM every 512 cycles / 2 GHz = 256 ns.
  const auto r = model::simulate(back_to_back_matmuls(8, 512, Dtype::bf16), cfg, {});
  for (uint32_t i = 1; i < 8; ++i)
    EXPECT_NEAR(event(r, testing::tensor_stream(), i).start_ns -
                    event(r, testing::tensor_stream(), i - 1).start_ns,
                256.0, kPs);
  // The first MM waits for its own LoadStationary: 128 columns / 4 = 32 cycles = 16 ns.
  EXPECT_NEAR(event(r, testing::tensor_stream(), 0).start_ns, 16.0, kPs);
}

TEST_F(ModelTimingTest, ShortMovingMatmulsIssueEvery64Cycles) {
  // N = 32: max(32, 64) = 64 cycles = 32 ns; the 32-cycle background LoadStationary fits
  // inside.
  const auto r = model::simulate(back_to_back_matmuls(8, 32, Dtype::bf16), cfg, {});
  for (uint32_t i = 1; i < 8; ++i)
    EXPECT_NEAR(event(r, testing::tensor_stream(), i).start_ns -
                    event(r, testing::tensor_stream(), i - 1).start_ns,
                32.0, kPs);
}

TEST_F(ModelTimingTest, Fp32MatmulsCostTheFp32FactorTimesMore) {
  // fp32_cost_factor 3: 3 x 512 = 1536 cycles = 768 ns between MMs; the 3 x 32 = 96-cycle
  // LoadStationary still fits in the background.
  const auto r = model::simulate(back_to_back_matmuls(4, 512, Dtype::fp32), cfg, {});
  for (uint32_t i = 1; i < 4; ++i)
    EXPECT_NEAR(event(r, testing::tensor_stream(), i).start_ns -
                    event(r, testing::tensor_stream(), i - 1).start_ns,
                768.0, kPs);
}

TEST_F(ModelTimingTest, DependantSeesMatmulResultAfterFillAndDrain) {
  // A Vector copy of the PSUM result, waiting on the Tensor semaphore. The MM runs from
  // 32 to 32 + 512 cycles; its result is visible result_latency = 100 cycles later: the
  // copy may start at exactly (32 + 512 + 100) / 2 GHz = 322 ns, not a picosecond before.
  isa::Program p = back_to_back_matmuls(1, 512, Dtype::bf16);
  isa::Instruction copy =
      testing::lane(Opcode::tensor_copy, sbuf(131072, 128, 512), psum(0, 128, 512));
  copy.waits = {{testing::tensor_stream(), 1}};
  p.stream(testing::vector_stream()).push_back(copy);
  const auto r = model::simulate(p, cfg, {});
  EXPECT_NEAR(event(r, testing::vector_stream(), 0).start_ns, 322.0, kPs);
}

TEST_F(ModelTimingTest, SingleDmaFollowsSetupDescriptorsAndBandwidth) {
  // [8, 4096] bf16 from HBM: partitions 0-7, so one DMA engine, 8 descriptors of 8 KiB.
  // setup 1000 + 8 x 10 ns + 65536 B / 16 B/ns = 1000 + 80 + 4096 = 5176 ns. HBM would need
  // only 65536 / (100 x 0.5) = 1310.72 ns, so the engine is the bottleneck.
  isa::Program p = with_tensor();
  p.stream(isa::dma_queue_stream(0))
      .push_back(testing::dma(sbuf(0, 8, 4096), testing::hbm(0, 8192, 0, 0, 8, 4096)));
  const auto r = model::simulate(p, cfg, {});
  EXPECT_NEAR(r.sim_time_ns, 5176.0, kPs);
}

TEST_F(ModelTimingTest, WideDmaIsBoundBySharedHbm) {
  // [128, 512] bf16 rows of 1 KiB: 16 engines x (8 x 10 + 8192 / 16) = 592 ns each, but the
  // 131072 bytes share HBM at 100 x 0.5 = 50 B/ns, served in turn: engine k's 8192 bytes are
  // done (k + 1) x 163.84 ns after the 1000 ns setup, the last at 1000 + 2621.44 = 3621.44 ns.
  isa::Program p = with_tensor();
  p.stream(isa::dma_queue_stream(0))
      .push_back(testing::dma(sbuf(0, 128, 512), testing::hbm(0, 8192, 0, 0, 128, 512)));
  const auto r = model::simulate(p, cfg, {});
  // Each of the 16 HBM reservations is rounded to SystemC's 1 ps resolution.
  EXPECT_NEAR(r.sim_time_ns, 3621.44, 16 * kPs);
}

TEST_F(ModelTimingTest, IndependentEnginesOverlapAndASemaphoreSerialisesThem) {
  // The DMA of the previous test (5176 ns) and a Vector copy of [128, 4096] bf16: 4096 cycles
  // busy, + 50 + 100 cycles until its result is visible: 4246 cycles / 1 GHz = 4246 ns. Side
  // by side: max(5176, 4246) = 5176 ns; one after the other: 5176 + 4246 = 9422 ns.
  auto program = [&](bool dependent) {
    isa::Program p = with_tensor();
    p.stream(isa::dma_queue_stream(0))
        .push_back(testing::dma(sbuf(0, 8, 4096), testing::hbm(0, 8192, 0, 0, 8, 4096)));
    isa::Instruction copy =
        testing::lane(Opcode::tensor_copy, sbuf(65536, 128, 4096), sbuf(0, 128, 4096));
    if (dependent) copy.waits = {{isa::dma_queue_stream(0), 1}};
    p.stream(testing::vector_stream()).push_back(copy);
    return p;
  };
  EXPECT_NEAR(model::simulate(program(false), cfg, {}).sim_time_ns, 5176.0, kPs);
  EXPECT_NEAR(model::simulate(program(true), cfg, {}).sim_time_ns, 9422.0, 2 * kPs);
}

TEST_F(ModelTimingTest, VectorAndGpSimdShareTheSbufPortOnNeuronCoreV2) {
  // A2: "VectorE and GpSimdE cannot access SBUF in parallel". The Vector copy of N = 4096 is
  // busy 4096 cycles / 1 GHz = 4096 ns; the GpSimd copy (200 + 4096) cycles / 2 GHz = 2148 ns.
  // Sharing the port, one runs after the other, so the last result appears between the end of
  // both busy times, 4096 + 2148 = 6244 ns, and that plus the longer of the two 150-cycle
  // latency tails (150 ns on Vector, 75 ns on GpSimd): 6394 ns. Unshared, they overlap: the
  // Vector result at 4246 ns comes after the GpSimd one at (4296 + 150) / 2 = 2223 ns.
  isa::Program p;
  p.stream(testing::vector_stream())
      .push_back(testing::lane(Opcode::tensor_copy, sbuf(0, 128, 4096), sbuf(8192, 128, 4096)));
  p.stream(isa::compute_stream(Engine::gpsimd))
      .push_back(
          testing::lane(Opcode::tensor_copy, sbuf(16384, 128, 4096), sbuf(24576, 128, 4096)));
  const auto shared = model::simulate(p, cfg, {});
  EXPECT_GE(shared.sim_time_ns, 6244.0);
  EXPECT_LE(shared.sim_time_ns, 6394.0 + kPs);
  HwConfig unshared = cfg;
  unshared.shared_sbuf_port_vector_gpsimd = false;
  EXPECT_NEAR(model::simulate(p, unshared, {}).sim_time_ns, 4246.0, kPs);
}

TEST_F(ModelTimingTest, DependentScalarChainIssuesOnceEachResultIsVisible) {
  // RAW-dependent 1-element activations: each starts when the previous result is visible,
  // max(MIN_II, 1) = 64 busy + 50 access + 100 static = 214 cycles / 0.5 GHz = 428 ns apart.
  // (Against trn1's measured ~189 ns: tests/tutorial_accuracy_test.cpp.)
  const auto r = model::simulate(testing::dependent_activation_chain(10), cfg, {});
  const double interval = event(r, testing::scalar_stream(), 9).start_ns -
                          event(r, testing::scalar_stream(), 8).start_ns;
  EXPECT_NEAR(interval, 428.0, kPs);
}

TEST_F(ModelTimingTest, DeadlockNamesTheWaitingEngines) {
  isa::Program p;
  isa::Instruction a = testing::lane(Opcode::tensor_copy, sbuf(0, 128, 64), sbuf(1024, 128, 64));
  a.waits = {{testing::scalar_stream(), 1}};
  isa::Instruction b = a;
  b.waits = {{testing::vector_stream(), 1}};
  p.stream(testing::vector_stream()).push_back(a);
  p.stream(testing::scalar_stream()).push_back(b);
  const std::string msg = testing::user_error_of([&] { model::simulate(p, cfg, {}); });
  EXPECT_TRUE(testing::contains(msg, "deadlock"));
  EXPECT_TRUE(testing::contains(msg, "Vector[0] waits for Scalar >= 1"));
  EXPECT_TRUE(testing::contains(msg, "Scalar[0] waits for Vector >= 1"));
}

TEST_F(ModelTimingTest, AccessOutsideSbufIsRejectedBeforeSimulation) {
  isa::Program p;
  p.stream(testing::vector_stream())
      .push_back(testing::lane(Opcode::tensor_copy, sbuf(196608 - 512, 128, 512),
                               sbuf(0, 128, 512)));
  // [128, 512] bf16 at byte 196608 - 512 = 196096 ends at 196096 + 1024 = 197120.
  EXPECT_EQ(testing::user_error_of([&] { model::simulate(p, cfg, {}); }),
            "Vector[0]: dst touches bytes 196096..197120 of a sbuf partition of 196608 bytes");
}

TEST_F(ModelTimingTest, ManySimulationsRunInOneProcess) {
  // DESIGN.md §4: each simulation installs its own SystemC context, so thousands can run in
  // one process (the autotuner and the test suite rely on it).
  const isa::Program p = back_to_back_matmuls(2, 512, Dtype::bf16);
  double first = 0;
  for (int i = 0; i < 2000; ++i) {
    const double t = model::simulate(p, cfg, {}).sim_time_ns;
    if (i == 0) first = t;
    ASSERT_EQ(t, first) << "run " << i;  // deterministic to the picosecond
  }
}

}  // namespace
}  // namespace trnsim
