// RECIPROCAL, TENSOR_TENSOR_SCAN, IOTA, AFFINE_SELECT, BN_STATS and BN_AGGR: their cost rules
// against cycles worked out by hand from reference trainium.md §5.1 (ISA-OLD) and
// tests/fixtures/cost-rules.yaml, and their arithmetic through the SimBackend and the model
// against the recurrences and statistics evaluated here.
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

TEST_F(NewOpcodeCost, BnStatsIsOneCyclePerElement) {
  // ISA-OLD bn_stats on VectorE: max(MIN_II, N). N = 512 (bn_stats_fmax): 512 busy, + 50 + 100
  // = 662 latency; N = 488 (the last of 1000 columns): 488; N = 40: max(64, 40) = 64.
  const auto full = of(testing::lane(Opcode::bn_stats, sbuf(0, 128, 6), sbuf(64, 128, 512)));
  EXPECT_EQ(full.busy, Cycles(512));
  EXPECT_EQ(full.latency, Cycles(662));
  EXPECT_EQ(of(testing::lane(Opcode::bn_stats, sbuf(0, 128, 6), sbuf(64, 128, 488))).busy,
            Cycles(488));
  EXPECT_EQ(of(testing::lane(Opcode::bn_stats, sbuf(0, 128, 6), sbuf(64, 128, 40))).busy,
            Cycles(64));
}

TEST_F(NewOpcodeCost, BnAggrIsThirteenCyclesPerTriple) {
  // ISA-OLD bn_aggr on VectorE: max(MIN_II, 13 * (N / 3)), N the input's elements per
  // partition. N = 600 (100 bn_stats outputs): 13 * 200 = 2600 busy, 2750 latency; N = 30:
  // 130; N = 12 (the LayerNorm tutorial's two bn_stats): 52 < 64, the floor.
  const auto big = of(testing::lane(Opcode::bn_aggr, sbuf(0, 128, 2), sbuf(64, 128, 600)));
  EXPECT_EQ(big.busy, Cycles(2600));
  EXPECT_EQ(big.latency, Cycles(2750));
  EXPECT_EQ(of(testing::lane(Opcode::bn_aggr, sbuf(0, 128, 2), sbuf(64, 128, 30))).busy,
            Cycles(130));
  EXPECT_EQ(of(testing::lane(Opcode::bn_aggr, sbuf(0, 128, 2), sbuf(64, 128, 12))).busy,
            Cycles(64));
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

// bn_stats of a [128, 48] tile, and bn_stats of the two halves of a [128, 96] tile side by side
// then bn_aggr, against the statistics computed here in double (nki.isa.bn_stats: count, mean,
// variance * count of the even, then the odd, free positions; bn_aggr: mean and variance).
TEST(NewOpcodeNumerics, BnStatsAndBnAggr) {
  const std::vector<float> x = testing::ramp(kP * kF, -1.0f, 3.0f);
  const std::vector<float> stats = testing::run_on_tiles(
      {x}, 6, [](Backend& b, const std::vector<View>& in, const View& out) {
        b.bn_stats(out, in[0]);
      });
  std::vector<float> y(static_cast<size_t>(kP * 2 * kF));
  for (size_t k = 0; k < y.size(); ++k)
    y[k] = static_cast<float>((k * 37) % 101) / 16.0f - 3.0f;  // no order in the values
  const std::vector<float> moments = testing::run_on_tiles(
      {y}, 2, [](Backend& b, const std::vector<View>& in, const View& out) {
        const TensorRef s = b.sbuf_tile("stats", {}, kP, 12, Dtype::fp32, 1);
        b.bn_stats(s.all().cols(0, 6), in[0].cols(0, kF));
        b.bn_stats(s.all().cols(6, 6), in[0].cols(kF, kF));
        b.bn_aggr(out, s.all());
      });
  for (int64_t p = 0; p < kP; ++p) {
    for (int64_t parity = 0; parity < 2; ++parity) {
      double sum = 0, sq = 0;
      for (int64_t f = parity; f < kF; f += 2) sum += x[static_cast<size_t>(p * kF + f)];
      const double mean = sum / (kF / 2);
      for (int64_t f = parity; f < kF; f += 2)
        sq += std::pow(x[static_cast<size_t>(p * kF + f)] - mean, 2);
      const float* got = &stats[static_cast<size_t>(p * 6 + 3 * parity)];
      ASSERT_EQ(got[0], static_cast<float>(kF / 2));
      ASSERT_NEAR(got[1], mean, 1e-6 * std::max(1.0, std::fabs(mean)));
      ASSERT_NEAR(got[2], sq, 1e-6 * sq);
    }
    double sum = 0, sq = 0;
    for (int64_t f = 0; f < 2 * kF; ++f) sum += y[static_cast<size_t>(p * 2 * kF + f)];
    const double mean = sum / (2 * kF);
    for (int64_t f = 0; f < 2 * kF; ++f)
      sq += std::pow(y[static_cast<size_t>(p * 2 * kF + f)] - mean, 2);
    ASSERT_NEAR(moments[static_cast<size_t>(2 * p)], mean, 1e-6);
    ASSERT_NEAR(moments[static_cast<size_t>(2 * p + 1)], sq / (2 * kF), 1e-6 * sq / (2 * kF));
  }
}

// The shapes NKI allows, as one line each (kernels/api/limits.cpp). A test of its own: under
// ASan, exceptions after a SystemC simulation in the same process give false reports (README
// "Speed").
TEST(NewOpcodeNumerics, BnStatsAndBnAggrRefuseShapesNkiDoesNotAllow) {
  const std::vector<float> x = testing::ramp(kP * kF, -1.0f, 3.0f);
  EXPECT_TRUE(testing::throws_user_error(
      [&] {
        testing::run_on_tiles({testing::ramp(kP * 600, 0.0f, 1.0f)}, 6,
                              [](Backend& b, const std::vector<View>& in, const View& out) {
                                b.bn_stats(out, in[0]);
                              });
      },
      "bn_stats: input free size 600 exceeds bn_stats_fmax 512"));
  EXPECT_TRUE(testing::throws_user_error(
      [&] {
        testing::run_on_tiles({x}, 2, [](Backend& b, const std::vector<View>& in,
                                         const View& out) { b.bn_aggr(out, in[0].cols(0, 10)); });
      },
      "bn_aggr: input 'in0_tile' has 10 elements per partition"));
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
