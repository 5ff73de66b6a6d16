// Every kernel of the library, run with numerics on small shapes, against an Eigen reference
// computed from the same bf16 inputs. The tolerances follow from how many times a kernel
// rounds to bf16, derived next to each check.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>

#include "sim/cli/kernel_run.h"
#include "sim/cli/reference.h"
#include "tests/program_builder.h"

namespace trnsim {
namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Case {
  std::string kernel;
  Assignments shape;
  Assignments params;
  int bf16_roundings;  // of a running sum on the way to the output
};

// S = max_ij sum_k |lhsT[k,i] * rhs[k,j]| bounds every partial and final sum of the output.
double absolute_sum_bound(const Case& c, uint64_t seed, Dtype dtype) {
  const int64_t M = c.shape.at("M"), K = c.shape.at("K"), N = c.shape.at("N");
  // run_kernel seeds input tensor t with seed + t: lhsT is tensor 0, rhs tensor 1.
  std::vector<float> a = cli::random_values(K * M, dtype, seed + 0);
  std::vector<float> b = cli::random_values(K * N, dtype, seed + 1);
  const RowMatrix A = Eigen::Map<RowMatrix>(a.data(), K, M).cwiseAbs();
  const RowMatrix B = Eigen::Map<RowMatrix>(b.data(), K, N).cwiseAbs();
  return (A.transpose() * B).maxCoeff();
}

void check(const Case& c, Dtype dtype = Dtype::bf16) {
  SCOPED_TRACE(c.kernel);
  cli::KernelRunRequest request;
  request.kernel = c.kernel;
  request.hw = testing::trn1();
  request.shape = c.shape;
  request.params = c.params;
  request.dtype = dtype;
  request.numerics = true;
  const cli::KernelRunOutput out = cli::run_kernel(request);
  ASSERT_TRUE(out.max_abs_err.has_value());
  const double S = absolute_sum_bound(c, request.seed, dtype);
  // fp32 accumulation of K products: |error| <= K * 2^-24 * S (standard summation bound).
  const double fp32_error = c.shape.at("K") * std::ldexp(1.0, -24) * S;
  // Each rounding to bf16 (8 significant bits) moves a value by at most 2^-8 of its size,
  // and every running sum is at most S.
  const double bf16_error = dtype == Dtype::bf16 ? c.bf16_roundings * std::ldexp(1.0, -8) * S : 0;
  EXPECT_GT(out.max_abs_reference, 1.0);  // a real result, not zeros
  EXPECT_LE(*out.max_abs_err, fp32_error + bf16_error);
}

// The tutorial kernels round once (PSUM fp32 -> bf16 result). matmul_optimized accumulates
// each K block's PSUM result into bf16 SBUF tiles: one rounding per K block.
const Assignments kSquare = {{"M", 256}, {"K", 512}, {"N", 1024}};
const Assignments kOblong = {{"M", 384}, {"K", 256}, {"N", 1536}};

TEST(KernelNumerics, NaiveMatchesEigen) {
  check({"matmul_naive", kSquare, {}, 1});
  check({"matmul_naive", kOblong, {}, 1});
}

TEST(KernelNumerics, HoistedMatchesEigen) {
  check({"matmul_hoisted", kSquare, {}, 1});
  check({"matmul_hoisted", kOblong, {}, 1});
}

TEST(KernelNumerics, BlockedMatchesEigen) {
  check({"matmul_blocked", kSquare, {}, 1});
  check({"matmul_blocked", kOblong, {{"TILES_IN_BLOCK_M", 3}, {"TILES_IN_BLOCK_N", 1}}, 1});
}

TEST(KernelNumerics, OptimizedMatchesEigen) {
  // K = 512 in blocks of 2 x 128: two K blocks, two roundings.
  check({"matmul_optimized", kSquare,
         {{"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 2}}, 2});
  // K = 256 in blocks of 128: two K blocks.
  check({"matmul_optimized", kOblong,
         {{"TILES_IN_BLOCK_M", 3}, {"TILES_IN_BLOCK_N", 3}, {"TILES_IN_BLOCK_K", 1}}, 2});
}

TEST(KernelNumerics, Fp32InputsOnlyAccumulationError) {
  check({"matmul_hoisted", kOblong, {}, 0}, Dtype::fp32);
}

TEST(KernelNumerics, OptimizedSpillsAndStillMatches) {
  // A teaching-sized SBUF forces result tiles out to HBM and back: the answer must not change.
  Case c{"matmul_optimized", {{"M", 1024}, {"K", 256}, {"N", 1024}},
         {{"TILES_IN_BLOCK_M", 8}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 1}}, 2};
  cli::KernelRunRequest request;
  request.kernel = c.kernel;
  request.hw = testing::trn1();
  request.hw.sbuf.bytes_per_partition = 32768;  // 16 KiB usable after the 16 KiB reserve
  request.shape = c.shape;
  request.params = c.params;
  request.numerics = true;
  const cli::KernelRunOutput out = cli::run_kernel(request);
  int64_t spilled = 0;
  for (const auto& t : out.program.tensors) spilled += t.role == isa::TensorRole::spill;
  EXPECT_GT(spilled, 0);
  const double S = absolute_sum_bound(c, request.seed, Dtype::bf16);
  EXPECT_LE(*out.max_abs_err, 2 * std::ldexp(1.0, -8) * S + 256 * std::ldexp(1.0, -24) * S);
}

}  // namespace
}  // namespace trnsim
