// Every kernel of the library, run with numerics on small shapes, against an Eigen reference
// computed from the same bf16 inputs, within the error bound derived in kernel_cases.h.
#include <gtest/gtest.h>

#include <set>

#include "kernels/registry.h"
#include "sim/run/kernel_run.h"
#include "tests/kernel_cases.h"
#include "tests/test_helpers.h"

namespace trnsim {
namespace {

std::string describe(const testing::KernelCase& c) {
  std::string s = c.kernel;
  for (const auto& [k, v] : c.shape) s += " " + k + "=" + std::to_string(v);
  return s;
}

// A kernel registered without a case in kernel_cases.h would escape the numerics and the NKI
// emission checks: every kernel of the library needs one.
TEST(KernelNumerics, EveryRegisteredKernelHasACase) {
  std::set<std::string> covered;
  for (const testing::KernelCase& c : testing::kernel_cases()) covered.insert(c.kernel);
  for (const KernelSpec& k : kernel_library())
    EXPECT_EQ(covered.count(k.name), 1u) << k.name << " has no case in tests/kernel_cases.h";
}

TEST(KernelNumerics, EveryKernelMatchesEigenWithinBf16Rounding) {
  for (const testing::KernelCase& c : testing::kernel_cases()) {
    SCOPED_TRACE(describe(c));
    const run::KernelRunOutput out = testing::run_case(c, testing::trn1());
    ASSERT_TRUE(out.max_abs_err.has_value());
    EXPECT_GT(out.max_abs_reference, c.least_reference);  // a real result, not zeros
    EXPECT_LE(*out.max_abs_err, c.bound(out.program, out.hbm, out.max_abs_reference));
  }
}

TEST(KernelNumerics, Fp32InputsOnlyAccumulationError) {
  const testing::KernelCase c{"matmul_hoisted", {{"M", 384}, {"K", 256}, {"N", 1536}}, {},
                              testing::matmul_bound(0)};
  const run::KernelRunOutput out = testing::run_case(c, testing::trn1(), Dtype::fp32);
  EXPECT_LE(*out.max_abs_err, c.bound(out.program, out.hbm, out.max_abs_reference));
}

TEST(KernelNumerics, OptimizedSpillsAndStillMatches) {
  // A 16 KiB-per-partition SBUF (32 KiB minus the 16 KiB reserve) cannot hold the 16 result
  // tiles of 1 KiB plus the operand tiles: some go to HBM and back. The answer must not change.
  const testing::KernelCase c{
      "matmul_optimized",
      {{"M", 1024}, {"K", 256}, {"N", 1024}},
      {{"TILES_IN_BLOCK_M", 8}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 1}},
      testing::matmul_bound(2)};
  HwConfig small = testing::trn1();
  small.sbuf.bytes_per_partition = 32768;
  const run::KernelRunOutput out = testing::run_case(c, small);
  int spilled = 0;
  for (const auto& t : out.program.tensors) spilled += t.role == isa::TensorRole::spill;
  EXPECT_GT(spilled, 0);
  EXPECT_LE(*out.max_abs_err, c.bound(out.program, out.hbm, out.max_abs_reference));
}

}  // namespace
}  // namespace trnsim
