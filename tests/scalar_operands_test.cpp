// tensor_scalar with two ops, reversed operands and [P, 1] tile operands, and activation with
// tile scale and bias: the arithmetic (against formulas evaluated here), the hazards a tile
// operand adds (the instruction reads that tile), and the cost rule, which does not change.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/cost/engine_cost.h"
#include "sim/isa/program_json.h"
#include "tests/op_numerics.h"
#include "tests/program_builder.h"

namespace trnsim {
namespace {

using testing::ramp;
using testing::run_on_tiles;

constexpr int64_t kP = 128, kF = 32;

// Partition i of a [P, F] ramp holds x[i * F + j]; a [P, 1] ramp holds s[i].
TEST(ScalarOperands, TwoOpsWithATileOperandAndReverse) {
  const std::vector<float> x = ramp(kP * kF, -3.0f, 5.0f), s = ramp(kP, 0.5f, 2.0f);
  // dst = (s - x) * 0.25: op0 subtract, reversed, with the tile; op1 multiply by a number.
  const std::vector<float> got = run_on_tiles(
      {x, s}, kF, [](Backend& b, const std::vector<View>& in, const View& out) {
        b.tensor_scalar(out, in[0], ScalarOp{AluOp::subtract, in[1], true},
                        ScalarOp{AluOp::multiply, 0.25f}, Engine::vector);
      });
  for (int64_t i = 0; i < kP; ++i)
    for (int64_t j = 0; j < kF; ++j) {
      const size_t k = static_cast<size_t>(i * kF + j);
      ASSERT_NEAR(got[k], (double{s[i]} - x[k]) * 0.25, 1e-6) << i << "," << j;
    }
  // dst = max(x / s, 0.5) on the GpSimd: a tile as the second operand too.
  const std::vector<float> second = run_on_tiles(
      {x, s}, kF, [](Backend& b, const std::vector<View>& in, const View& out) {
        b.tensor_scalar(out, in[0], ScalarOp{AluOp::divide, in[1]},
                        ScalarOp{AluOp::max, in[1]}, Engine::gpsimd);
      });
  for (int64_t i = 0; i < kP; ++i)
    for (int64_t j = 0; j < kF; ++j) {
      const size_t k = static_cast<size_t>(i * kF + j);
      ASSERT_NEAR(second[k], std::max(double{x[k]} / s[i], double{s[i]}), 1e-6);
    }
}

TEST(ScalarOperands, ActivationWithTileScaleAndBias) {
  const std::vector<float> x = ramp(kP * kF, -1.0f, 1.0f), scale = ramp(kP, 0.5f, 1.5f),
                           bias = ramp(kP, -0.25f, 0.25f);
  const std::vector<float> got = run_on_tiles(
      {x, scale, bias}, kF, [](Backend& b, const std::vector<View>& in, const View& out) {
        b.activation(out, in[0], ActFunc::exp, in[1], in[2]);
      });
  const std::vector<float> float_scale = run_on_tiles(
      {x, bias}, kF, [](Backend& b, const std::vector<View>& in, const View& out) {
        b.activation(out, in[0], ActFunc::tanh, 3.0f, in[1]);
      });
  for (int64_t i = 0; i < kP; ++i)
    for (int64_t j = 0; j < kF; ++j) {
      const size_t k = static_cast<size_t>(i * kF + j);
      const double e = std::exp(double{x[k]} * scale[i] + bias[i]);
      ASSERT_NEAR(got[k], e, 1e-5 * e);
      ASSERT_NEAR(float_scale[k], std::tanh(3.0 * x[k] + bias[i]), 1e-6);
    }
}

// The Scalar Engine writes the operand tile; the Vector Engine's tensor_scalar that reads it
// must wait for that write (RAW), as for any other source.
TEST(ScalarOperands, ATileOperandIsAReadWithItsHazard) {
  const HwConfig hw = testing::cost_rules_machine();
  backend::SimBackend b(hw, "hazard");
  const TensorRef x = b.hbm_input("x", kP, kF, Dtype::fp32);
  const TensorRef xt = b.sbuf_tile("xt", {}, kP, kF, Dtype::fp32, 1);
  const TensorRef st = b.sbuf_tile("st", {}, kP, 1, Dtype::fp32, 1);
  const TensorRef out = b.sbuf_tile("out", {}, kP, kF, Dtype::fp32, 1);
  b.dma_copy(xt.all(), x.all());
  b.activation(st.all(), xt.all().cols(0, 1), ActFunc::square, 1.0f, 0.0f);  // Scalar: st
  b.tensor_scalar(out.all(), xt.all(), ScalarOp{AluOp::add, st.all()}, ScalarOp{},
                  Engine::vector);
  const isa::Program p = b.finish();
  const isa::Instruction& ts = p.stream(testing::vector_stream()).at(0);
  ASSERT_TRUE(ts.src1.valid());
  EXPECT_EQ(ts.src1.free_elements(), 1);
  bool waits_for_scalar = false;
  for (const isa::SemaphoreWait& w : ts.waits)
    waits_for_scalar |= w.stream == testing::scalar_stream() && w.count == 1;
  EXPECT_TRUE(waits_for_scalar);
  // A [P, 2] operand is not one scalar per partition.
  EXPECT_TRUE(testing::throws_user_error(
      [&] {
        b.tensor_scalar(out.all(), xt.all(), ScalarOp{AluOp::add, xt.all().cols(0, 2)},
                        ScalarOp{}, Engine::vector);
      },
      "tensor_scalar: a tile operand holds one scalar per partition: 'xt' must be [128, 1], "
      "got [128, 2]"));
}

// ISA-OLD: tensor_scalar costs max(MIN_II, N) whether it has one op or two, and A2: "all
// nki.isa.activation instructions have the same execution cost" with or without scale/bias.
// The fixture's Vector: MIN_II 64, access start 50, static overhead 100. N = 512:
// busy = max(64, 512) = 512, latency = 512 + 50 + 100 = 662, with or without tile operands.
TEST(ScalarOperands, TileOperandsDoNotChangeTheCost) {
  const HwConfig cfg = testing::cost_rules_machine();
  isa::Instruction plain = testing::lane(isa::Opcode::tensor_scalar, testing::sbuf(0, 128, 512),
                                         testing::sbuf(2048, 128, 512));
  isa::Instruction tiles = plain;
  tiles.src1 = testing::sbuf(8192, 128, 1);
  tiles.src2 = testing::sbuf(8256, 128, 1);
  tiles.alu1 = AluOp::multiply;
  for (const isa::Instruction& in : {plain, tiles}) {
    const cost::EngineCost c = cost::engine_cost(cfg, in, Engine::vector);
    EXPECT_EQ(c.busy, cost::Cycles(512));
    EXPECT_EQ(c.latency, cost::Cycles(662));
  }
}

// The new fields survive a program file: written, read back, equal.
TEST(ScalarOperands, ProgramFilesKeepTheNewFields) {
  const HwConfig machine = testing::cost_rules_machine();
  backend::SimBackend b(machine, "fields");
  const TensorRef t = b.sbuf_tile("t", {}, kP, kF, Dtype::fp32, 1);
  const TensorRef s = b.sbuf_tile("s", {}, kP, 1, Dtype::fp32, 1);
  b.memset(t.all(), 1.0f);
  b.memset(s.all(), 2.0f);
  b.tensor_scalar(t.all(), t.all(), ScalarOp{AluOp::divide, s.all(), true},
                  ScalarOp{AluOp::less, s.all(), true}, Engine::vector);
  b.activation(t.all(), t.all(), ActFunc::gelu, s.all(), s.all());
  const isa::Program p = b.finish();
  const nlohmann::json j = isa::program_to_json(p);
  EXPECT_TRUE(isa::program_to_json(isa::program_from_json(j, "test")) == j);
  const isa::Instruction& ts = p.stream(testing::vector_stream()).back();
  EXPECT_TRUE(ts.reverse0 && ts.reverse1 && ts.alu1 == AluOp::less && ts.src2.valid());
}

}  // namespace
}  // namespace trnsim
