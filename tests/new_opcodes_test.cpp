// RECIPROCAL and TENSOR_TENSOR_SCAN: their cost rules against cycles worked out by hand from
// reference trainium.md §5.1 (ISA-OLD) and tests/fixtures/cost-rules.yaml, and their arithmetic
// through the SimBackend and the model against the recurrences evaluated here.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/cost/engine_cost.h"
#include "sim/isa/program_json.h"
#include "tests/op_numerics.h"
#include "tests/program_builder.h"

namespace trnsim {
namespace {

using cost::Cycles;
using isa::Opcode;
using testing::sbuf;

// The fixture's Vector Engine: MIN_II 64, start 0, access start 50, static overhead 100.
class NewOpcodeCost : public ::testing::Test {
 protected:
  HwConfig cfg = testing::cost_rules_machine();
  cost::EngineCost of(const isa::Instruction& in) {
    return cost::engine_cost(cfg, in, Engine::vector);
  }
};

TEST_F(NewOpcodeCost, ReciprocalIsEightCyclesPerElement) {
  // ISA-OLD reciprocal on VectorE: max(MIN_II, 8N). N = 512: max(64, 4096) = 4096 busy,
  // + 50 + 100 = 4246 until a dependant may start. N = 4: max(64, 32) = 64, the floor.
  const auto big = of(testing::lane(Opcode::reciprocal, sbuf(0, 128, 512), sbuf(2048, 128, 512)));
  EXPECT_EQ(big.busy, Cycles(4096));
  EXPECT_EQ(big.latency, Cycles(4246));
  const auto small = of(testing::lane(Opcode::reciprocal, sbuf(0, 128, 4), sbuf(64, 128, 4)));
  EXPECT_EQ(small.busy, Cycles(64));
}

TEST_F(NewOpcodeCost, ScanIsTwoCyclesPerElement) {
  // ISA-OLD tensor_tensor_scan on VectorE: max(MIN_II, 2N). N = 512: 1024 busy, 1174 latency;
  // N = 16: max(64, 32) = 64. One input in PSUM does not make it cheaper (unlike
  // tensor_tensor's rule).
  const auto big = of(testing::lane(Opcode::tensor_tensor_scan, sbuf(0, 128, 512),
                                    sbuf(2048, 128, 512), testing::psum(0, 128, 512)));
  EXPECT_EQ(big.busy, Cycles(1024));
  EXPECT_EQ(big.latency, Cycles(1174));
  const auto small = of(testing::lane(Opcode::tensor_tensor_scan, sbuf(0, 128, 16),
                                      sbuf(64, 128, 16), sbuf(128, 128, 16)));
  EXPECT_EQ(small.busy, Cycles(64));
}

// ISA-OLD iota / affine_select: 150 + N GpSimd cycles, 150 being GPSIMD_START (the engine's
// start_cycles: 200 in the fixture), with no MIN_II floor. N = 512: 200 + 512 = 712 busy,
// + 50 + 100 = 862 latency; N = 16: 216 (a MIN_II floor would give 264).
TEST(NewOpcodeGpSimdCost, IotaAndAffineSelectAreStartPlusN) {
  const HwConfig cfg = testing::cost_rules_machine();
  for (const Opcode op : {Opcode::iota, Opcode::affine_select}) {
    SCOPED_TRACE(isa::opcode_name(op));
    isa::Instruction big = testing::lane(op, sbuf(0, 128, 512),
                                         op == Opcode::iota ? isa::AccessPattern{}
                                                            : sbuf(2048, 128, 512));
    const auto c = cost::engine_cost(cfg, big, Engine::gpsimd);
    EXPECT_EQ(c.busy, Cycles(712));
    EXPECT_EQ(c.latency, Cycles(862));
    isa::Instruction small = testing::lane(op, sbuf(0, 128, 16),
                                           op == Opcode::iota ? isa::AccessPattern{}
                                                              : sbuf(64, 128, 16));
    EXPECT_EQ(cost::engine_cost(cfg, small, Engine::gpsimd).busy, Cycles(216));
  }
}

constexpr int64_t kP = 128, kF = 48;

TEST(NewOpcodeNumerics, IotaAndAffineSelect) {
  const std::vector<float> x = testing::ramp(kP * kF, -1.0f, 1.0f);
  const std::vector<float> iota = testing::run_on_tiles(
      {x}, kF, [](Backend& b, const std::vector<View>&, const View& out) {
        b.iota(out, AffineIndex{-5, 3, 2});
      });
  // keep x where f - p > 0 (above the diagonal), else -1000.
  const std::vector<float> sel = testing::run_on_tiles(
      {x}, kF, [](Backend& b, const std::vector<View>& in, const View& out) {
        b.affine_select(out, AffineIndex{0, -1, 1}, AluOp::greater, in[0], -1000.0f);
      });
  for (int64_t p = 0; p < kP; ++p)
    for (int64_t f = 0; f < kF; ++f) {
      const size_t k = static_cast<size_t>(p * kF + f);
      ASSERT_EQ(iota[k], static_cast<float>(-5 + 3 * p + 2 * f));
      ASSERT_EQ(sel[k], f - p > 0 ? x[k] : -1000.0f);
    }
  EXPECT_TRUE(testing::throws_user_error(
      [&] {
        testing::run_on_tiles({x}, kF, [](Backend& b, const std::vector<View>& in,
                                          const View& out) {
          b.affine_select(out, AffineIndex{}, AluOp::add, in[0], 0.0f);
        });
      },
      "affine_select: the predicate compares with 0; 'add' is not a comparison"));
}

TEST(NewOpcodeNumerics, ReciprocalAndScans) {
  const std::vector<float> a = testing::ramp(kP * kF, 0.1f, 0.95f),
                           b = testing::ramp(kP * kF, -1.0f, 1.0f),
                           h0 = testing::ramp(kP, -0.5f, 0.5f);
  const std::vector<float> inv = testing::run_on_tiles(
      {a}, kF, [](Backend& be, const std::vector<View>& in, const View& out) {
        be.reciprocal(out, in[0]);
      });
  // h[i] = a[i] * h[i-1] + b[i] from 0; then with a tile initial and reversed op1:
  // r[i] = b[i] - (a[i] + r[i-1]), r[-1] = h0.
  const std::vector<float> h = testing::run_on_tiles(
      {a, b}, kF, [](Backend& be, const std::vector<View>& in, const View& out) {
        be.tensor_tensor_scan(out, in[0], in[1], 0.0f, AluOp::multiply, AluOp::add);
      });
  const std::vector<float> r = testing::run_on_tiles(
      {a, b, h0}, kF, [](Backend& be, const std::vector<View>& in, const View& out) {
        be.tensor_tensor_scan(out, in[0], in[1], in[2], AluOp::add, AluOp::subtract, false,
                              true);
      });
  for (int64_t p = 0; p < kP; ++p) {
    double hp = 0, rp = h0[p];
    for (int64_t f = 0; f < kF; ++f) {
      const size_t k = static_cast<size_t>(p * kF + f);
      hp = a[k] * hp + b[k];
      rp = b[k] - (a[k] + rp);
      ASSERT_NEAR(inv[k], 1.0 / a[k], 1e-6 / a[k]);
      ASSERT_NEAR(h[k], hp, 1e-5);
      ASSERT_NEAR(r[k], rp, 1e-4);
    }
  }
}

// An HBM constant (nl.shared_constant): its values are the HBM contents numerics start from,
// they survive a program file, and a constant without them (or the wrong count) is refused.
TEST(HbmConstant, ValuesComeWithTheProgram) {
  const std::vector<float> c = testing::ramp(kP * 4, -2.0f, 2.0f);
  const std::vector<float> got = testing::run_on_tiles(
      {}, 4, [&](Backend& b, const std::vector<View>&, const View& out) {
        const TensorRef k = b.hbm_constant("k", kP, 4, Dtype::fp32, c);
        b.dma_copy(out, k.all());
      });
  EXPECT_EQ(got, c);
  const HwConfig machine = testing::cost_rules_machine();
  backend::SimBackend b(machine, "constant");
  const TensorRef k = b.hbm_constant("k", 2, 2, Dtype::fp32, {1.0f, 2.0f, 3.0f, 4.0f});
  const TensorRef t = b.sbuf_tile("t", {}, 2, 2, Dtype::fp32, 1);
  b.dma_copy(t.all(), k.all());
  EXPECT_TRUE(testing::throws_user_error([&] { b.dma_copy(k.all(), t.all()); },
                                         "the kernel writes its input tensor 'k'"));
  nlohmann::json j = isa::program_to_json(b.finish());
  EXPECT_TRUE(isa::program_to_json(isa::program_from_json(j, "test")) == j);
  j["tensors"][0]["values"] = {1.0, 2.0};
  EXPECT_TRUE(testing::throws_user_error([&] { isa::program_from_json(j, "test"); },
                                         "test: tensors[0].values: expected rows x cols = 4"));
}

}  // namespace
}  // namespace trnsim
