// Small shapes every kernel of the library is checked at (one square, one not), and the error
// bound of a result that was rounded to bf16 a given number of times.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <vector>

#include "kernels/registry.h"
#include "sim/cli/reference.h"

namespace trnsim::testing {

struct KernelCase {
  std::string kernel;
  Assignments shape;
  Assignments params;
  int bf16_roundings;  // of a running sum on the way to the output
};

inline const Assignments kSquare = {{"M", 256}, {"K", 512}, {"N", 1024}};
inline const Assignments kOblong = {{"M", 384}, {"K", 256}, {"N", 1536}};

// The tutorial kernels round once (PSUM fp32 -> bf16 result). matmul_optimized accumulates
// each K block's PSUM result into bf16 SBUF tiles: one rounding per K block (two here).
inline std::vector<KernelCase> kernel_cases() {
  return {
      {"matmul_naive", kSquare, {}, 1},
      {"matmul_naive", kOblong, {}, 1},
      {"matmul_hoisted", kSquare, {}, 1},
      {"matmul_hoisted", kOblong, {}, 1},
      {"matmul_blocked", kSquare, {}, 1},
      {"matmul_blocked", kOblong, {{"TILES_IN_BLOCK_M", 3}, {"TILES_IN_BLOCK_N", 1}}, 1},
      {"matmul_optimized", kSquare,
       {{"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 2}}, 2},
      {"matmul_optimized", kOblong,
       {{"TILES_IN_BLOCK_M", 3}, {"TILES_IN_BLOCK_N", 3}, {"TILES_IN_BLOCK_K", 1}}, 2},
  };
}

// Largest |output - exact| for lhsT^T rhs computed with fp32 accumulation and `roundings`
// roundings to bf16. With S = max_ij sum_k |lhsT[k,i] rhs[k,j]|, which bounds every partial
// and final sum: fp32 accumulation of K products errs by at most K 2^-24 S (the standard
// summation bound), and each rounding to bf16 (8 significant bits) by at most 2^-8 S.
// run_kernel seeds input tensor t with seed + t: lhsT is tensor 0, rhs tensor 1.
inline double matmul_error_bound(const KernelCase& c, uint64_t seed, Dtype dtype) {
  using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int64_t M = c.shape.at("M"), K = c.shape.at("K"), N = c.shape.at("N");
  std::vector<float> a = cli::random_values(K * M, dtype, seed + 0);
  std::vector<float> b = cli::random_values(K * N, dtype, seed + 1);
  const RowMatrix A = Eigen::Map<RowMatrix>(a.data(), K, M).cwiseAbs();
  const RowMatrix B = Eigen::Map<RowMatrix>(b.data(), K, N).cwiseAbs();
  const double S = (A.transpose() * B).maxCoeff();
  const int roundings = dtype == Dtype::bf16 ? c.bf16_roundings : 0;
  return K * std::ldexp(1.0, -24) * S + roundings * std::ldexp(1.0, -8) * S;
}

}  // namespace trnsim::testing
