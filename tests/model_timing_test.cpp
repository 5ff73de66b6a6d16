// Microbenchmarks of the SystemC model: small hand-written programs whose timing follows by
// hand from the cost rules (reference trainium.md §2-§5) and the trn1 config. Each expected
// number is derived in the comment next to it.
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

constexpr double kTensorGhz = 2.8, kVectorGhz = 1.12, kScalarGhz = 1.4, kGpSimdGhz = 1.4;

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
  HwConfig cfg = testing::trn1();
};

TEST_F(ModelTimingTest, BackToBackMatmulsIssueEveryMovingFreeSize) {
  // A2: MM issue interval max(N, 64); the next LoadStationary (32 cycles) runs in the
  // background of the current MM. N = 512: one MM every 512 / 2.8 GHz = 182.857 ns.
  const auto r = model::simulate(back_to_back_matmuls(8, 512, Dtype::bf16), cfg, {});
  for (uint32_t i = 1; i < 8; ++i)
    EXPECT_NEAR(event(r, testing::tensor_stream(), i).start_ns -
                    event(r, testing::tensor_stream(), i - 1).start_ns,
                512 / kTensorGhz, kPs);
  // The first MM waits for its own LoadStationary: 128 columns / 4 = 32 cycles.
  EXPECT_NEAR(event(r, testing::tensor_stream(), 0).start_ns, 32 / kTensorGhz, kPs);
}

TEST_F(ModelTimingTest, ShortMovingMatmulsIssueEvery64Cycles) {
  // N = 32: max(32, 64) = 64 cycles; the 32-cycle background LoadStationary fits inside.
  const auto r = model::simulate(back_to_back_matmuls(8, 32, Dtype::bf16), cfg, {});
  for (uint32_t i = 1; i < 8; ++i)
    EXPECT_NEAR(event(r, testing::tensor_stream(), i).start_ns -
                    event(r, testing::tensor_stream(), i - 1).start_ns,
                64 / kTensorGhz, kPs);
}

TEST_F(ModelTimingTest, Fp32MatmulsCostFourTimes) {
  // 4 x 512 = 2048 cycles between MMs.
  const auto r = model::simulate(back_to_back_matmuls(4, 512, Dtype::fp32), cfg, {});
  for (uint32_t i = 1; i < 4; ++i)
    EXPECT_NEAR(event(r, testing::tensor_stream(), i).start_ns -
                    event(r, testing::tensor_stream(), i - 1).start_ns,
                2048 / kTensorGhz, kPs);
}

TEST_F(ModelTimingTest, DependantSeesMatmulResultAfterFillAndDrain) {
  // A Vector copy of the PSUM result, waiting on the Tensor semaphore. The MM runs from
  // 32 to 32 + 512 cycles; its result is visible result_latency = 128 cycles later: the
  // copy may start at exactly (32 + 512 + 128) / 2.8 ns, not a picosecond before.
  isa::Program p = back_to_back_matmuls(1, 512, Dtype::bf16);
  isa::Instruction copy =
      testing::lane(Opcode::tensor_copy, sbuf(131072, 128, 512), psum(0, 128, 512));
  copy.waits = {{testing::tensor_stream(), 1}};
  p.stream(testing::vector_stream()).push_back(copy);
  const auto r = model::simulate(p, cfg, {});
  EXPECT_NEAR(event(r, testing::vector_stream(), 0).start_ns, (32 + 512 + 128) / kTensorGhz, kPs);
}

TEST_F(ModelTimingTest, SingleDmaFollowsSetupDescriptorsAndBandwidth) {
  // [8, 4096] bf16 from HBM: partitions 0-7, so one DMA engine, 8 descriptors of 8 KiB.
  // setup 1300 + 8 x 20 ns + 65536 B / 17 B/ns = 5315.0588 ns. HBM would need only
  // 65536 / (410 x 0.255) = 627 ns, so the engine is the bottleneck.
  isa::Program p = with_tensor();
  p.stream(isa::dma_queue_stream(0))
      .push_back(testing::dma(sbuf(0, 8, 4096), testing::hbm(0, 8192, 0, 0, 8, 4096)));
  const auto r = model::simulate(p, cfg, {});
  EXPECT_NEAR(r.sim_time_ns, 1300 + 8 * 20 + 65536.0 / 17.0, kPs);
}

TEST_F(ModelTimingTest, WideDmaIsBoundBySharedHbm) {
  // [128, 512] bf16 rows of 1 KiB: 16 engines x (8 x 20 + 8192 / 17) = 641.9 ns each, but the
  // 131072 bytes share HBM at 410 x 0.255 = 104.55 B/ns: 1253.65 ns after the 1300 ns setup.
  isa::Program p = with_tensor();
  p.stream(isa::dma_queue_stream(0))
      .push_back(testing::dma(sbuf(0, 128, 512), testing::hbm(0, 8192, 0, 0, 128, 512)));
  const auto r = model::simulate(p, cfg, {});
  // Each of the 16 HBM reservations is rounded to SystemC's 1 ps resolution.
  EXPECT_NEAR(r.sim_time_ns, 1300 + 131072 / (410 * 0.255), 16 * kPs);
}

TEST_F(ModelTimingTest, IndependentEnginesOverlapAndASemaphoreSerialisesThem) {
  // The DMA of the previous test (5315.0588 ns) and a Vector copy of [128, 4096] bf16:
  // 4096 cycles busy, + 60 + 100 cycles until its result is visible: 4256 / 1.12 = 3800 ns.
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
  const double dma_ns = 1300 + 8 * 20 + 65536.0 / 17.0;
  const double copy_ns = 4256 / kVectorGhz;
  EXPECT_NEAR(model::simulate(program(false), cfg, {}).sim_time_ns, std::max(dma_ns, copy_ns), kPs);
  EXPECT_NEAR(model::simulate(program(true), cfg, {}).sim_time_ns, dma_ns + copy_ns, 2 * kPs);
}

TEST_F(ModelTimingTest, VectorAndGpSimdShareTheSbufPortOnNeuronCoreV2) {
  // A2: "VectorE and GpSimdE cannot access SBUF in parallel". Vector copy of N = 4096 is busy
  // 4096 / 1.12 ns; the GpSimd copy (150 + 4096) / 1.4 ns. Sharing the port, one runs after
  // the other: the GpSimd result appears after both busy times plus its 160-cycle latency.
  isa::Program p;
  p.stream(testing::vector_stream())
      .push_back(testing::lane(Opcode::tensor_copy, sbuf(0, 128, 4096), sbuf(8192, 128, 4096)));
  p.stream(isa::compute_stream(Engine::gpsimd))
      .push_back(testing::lane(Opcode::tensor_copy, sbuf(16384, 128, 4096), sbuf(24576, 128, 4096)));
  const double vector_busy = 4096 / kVectorGhz, gpsimd_busy = 4246 / kGpSimdGhz;
  const auto shared = model::simulate(p, cfg, {});
  const double serial_end = vector_busy + gpsimd_busy;
  const double last_latency = std::max(160 / kVectorGhz, 160 / kGpSimdGhz);
  EXPECT_GE(shared.sim_time_ns, serial_end);
  EXPECT_LE(shared.sim_time_ns, serial_end + last_latency + kPs);
  HwConfig unshared = cfg;
  unshared.shared_sbuf_port_vector_gpsimd = false;
  EXPECT_NEAR(model::simulate(p, unshared, {}).sim_time_ns,
              std::max(4256 / kVectorGhz, 4406 / kGpSimdGhz), kPs);
}

TEST_F(ModelTimingTest, TinyDependentScalarChainIsNearTheMeasured189ns) {
  // PG Opt #5a (MEAS, trn1): RAW-dependent 1-element activations issue every ~189 ns. The
  // model: max(MIN_II, 1) = 64 busy + 60 access + 100 static = 224 cycles / 1.4 GHz = 160 ns,
  // 15% under the measurement; the test holds the model to within 20% of it.
  isa::Program p;
  for (int i = 0; i < 10; ++i) {
    isa::Instruction act = testing::lane(Opcode::activation, sbuf(64 * (i + 1), 1, 1),
                                         sbuf(64 * i, 1, 1));
    act.imm0 = 1.0f;
    if (i > 0) act.waits = {{testing::scalar_stream(), static_cast<uint32_t>(i)}};
    p.stream(testing::scalar_stream()).push_back(act);
  }
  const auto r = model::simulate(p, cfg, {});
  const double interval = event(r, testing::scalar_stream(), 9).start_ns -
                          event(r, testing::scalar_stream(), 8).start_ns;
  EXPECT_NEAR(interval, 224 / kScalarGhz, kPs);
  EXPECT_NEAR(interval, 189.0, 0.20 * 189.0);
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
