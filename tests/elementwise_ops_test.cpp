// The activation functions and ALU ops beyond the tutorial kernels' (log, gelu, rsqrt, sqrt,
// square, reciprocal; divide and the comparisons), run through the SimBackend and the model with
// numerics on fp32 tiles, against the same formulas computed here in double precision.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "tests/op_numerics.h"

namespace trnsim {
namespace {

using testing::ramp;
using testing::run_on_tiles;

constexpr int64_t kP = 128, kF = 64;

TEST(ElementwiseOps, ActivationFunctionsMatchTheirFormulas) {
  struct Case {
    ActFunc func;
    std::function<double(double)> f;
  };
  // Inputs in (0.05, 3.25): positive, so log, rsqrt and sqrt are defined.
  const std::vector<float> x = ramp(kP * kF, 0.05f, 3.2f);
  for (const Case& c :
       {Case{ActFunc::log, [](double v) { return std::log(v); }},
        Case{ActFunc::gelu, [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }},
        Case{ActFunc::rsqrt, [](double v) { return 1 / std::sqrt(v); }},
        Case{ActFunc::sqrt, [](double v) { return std::sqrt(v); }},
        Case{ActFunc::square, [](double v) { return v * v; }},
        Case{ActFunc::reciprocal, [](double v) { return 1 / v; }}}) {
    SCOPED_TRACE(act_func_name(c.func));
    // func(x * 2 - 0.03): the immediate scale and bias apply before the function.
    const std::vector<float> got = run_on_tiles(
        {x}, kF, [&](Backend& b, const std::vector<View>& in, const View& out) {
          b.activation(out, in[0], c.func, 2.0f, -0.03f);
        });
    for (size_t i = 0; i < x.size(); ++i) {
      const double expected = c.f(2.0 * x[i] - 0.03);
      ASSERT_NEAR(got[i], expected, 1e-5 * std::max(1.0, std::fabs(expected))) << i;
    }
  }
}

TEST(ElementwiseOps, DivideAndComparisons) {
  const std::vector<float> a = ramp(kP * kF, -2.0f, 4.0f);
  std::vector<float> b = ramp(kP * kF, 3.0f, -5.0f);
  for (size_t i = 0; i < b.size(); i += 7) b[i] = a[i];  // some equal pairs
  struct Case {
    AluOp op;
    std::function<double(double, double)> f;
  };
  for (const Case& c :
       {Case{AluOp::divide, [](double u, double v) { return u / v; }},
        Case{AluOp::equal, [](double u, double v) { return u == v ? 1.0 : 0.0; }},
        Case{AluOp::not_equal, [](double u, double v) { return u != v ? 1.0 : 0.0; }},
        Case{AluOp::greater, [](double u, double v) { return u > v ? 1.0 : 0.0; }},
        Case{AluOp::greater_equal, [](double u, double v) { return u >= v ? 1.0 : 0.0; }},
        Case{AluOp::less, [](double u, double v) { return u < v ? 1.0 : 0.0; }},
        Case{AluOp::less_equal, [](double u, double v) { return u <= v ? 1.0 : 0.0; }}}) {
    SCOPED_TRACE(alu_op_name(c.op));
    const std::vector<float> got = run_on_tiles(
        {a, b}, kF, [&](Backend& be, const std::vector<View>& in, const View& out) {
          be.tensor_tensor(out, in[0], in[1], c.op);
        });
    for (size_t i = 0; i < a.size(); ++i) {
      if (c.op == AluOp::divide && std::fabs(b[i]) < 1e-3) continue;  // near a pole
      const double expected = c.f(a[i], b[i]);
      ASSERT_NEAR(got[i], expected, 1e-6 * std::max(1.0, std::fabs(expected))) << i;
    }
    // The immediate form: a (op) 0.5.
    const std::vector<float> scalar = run_on_tiles(
        {a}, kF, [&](Backend& be, const std::vector<View>& in, const View& out) {
          be.tensor_scalar(out, in[0], c.op, 0.5f);
        });
    for (size_t i = 0; i < a.size(); ++i)
      ASSERT_NEAR(scalar[i], c.f(a[i], 0.5), 1e-6 * std::max(1.0, std::fabs(c.f(a[i], 0.5))));
  }
}

TEST(ElementwiseOps, NewNamesParseBack) {
  for (const char* name : {"divide", "equal", "not_equal", "greater", "greater_equal", "less",
                           "less_equal"})
    EXPECT_STREQ(alu_op_name(parse_alu_op(name)), name);
  for (const char* name : {"log", "gelu", "rsqrt", "sqrt", "square", "reciprocal"})
    EXPECT_STREQ(act_func_name(parse_act_func(name)), name);
}

}  // namespace
}  // namespace trnsim
