// Small shapes every kernel of the library is checked at (a square-ish one and an oblong one),
// with an error bound derived from where the kernel rounds to bf16: one rounding to bf16
// (8 significant bits) moves a value by at most 2^-8 of its size, and fp32 accumulation of n
// products errs by at most n 2^-24 times their absolute sum.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "kernels/registry.h"
#include "sim/isa/program.h"
#include "sim/run/kernel_run.h"

namespace trnsim::testing {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// |input t| of a finished run, as a matrix (inputs are kept in the run's final HBM image).
inline RowMatrix abs_input(const isa::Program& p, const std::vector<std::vector<float>>& hbm,
                           size_t t) {
  RowMatrix m(p.tensors[t].rows, p.tensors[t].cols);
  for (int64_t i = 0; i < m.size(); ++i) m.data()[i] = std::fabs(hbm[t][i]);
  return m;
}

constexpr double kBf16 = 1.0 / 256;              // 2^-8
constexpr double kFp32 = 1.0 / (1 << 24);        // 2^-24

// An error bound for a finished run, from its program, its final HBM image (inputs included)
// and the largest |reference| value.
using Bound = std::function<double(const isa::Program&, const std::vector<std::vector<float>>&,
                                   double reference)>;

// lhsT^T rhs with `roundings` bf16 roundings of running sums.
inline Bound matmul_bound(int roundings) {
  return [roundings](const isa::Program& p, const std::vector<std::vector<float>>& hbm, double) {
    const RowMatrix a = abs_input(p, hbm, 0), b = abs_input(p, hbm, 1);
    const double S = (a.transpose() * b).maxCoeff();
    return (a.rows() * kFp32 + roundings * kBf16) * S;
  };
}

// Chained products (x U V, the MLPs): a worst-case bound through |U| and |V| is vacuous here
// (random signs cancel, so worst-case alignment overestimates by orders of magnitude), so
// these use a first-order estimate instead: each bf16 rounding of a value on its way to the
// output adds at most 2^-8 relative error, and the errors add. The number of rounding stages
// counts one per 128-deep contraction tile (the most any blocking can do), the roundings of
// the SwiGLU epilogue, and the output store. `reference` is max |reference output|.
inline Bound relative_bound(std::function<double(const isa::Program&)> stages) {
  return [stages](const isa::Program& p, const std::vector<std::vector<float>>&, double reference) {
    return stages(p) * kBf16 * reference;
  };
}

inline int64_t rows_of(const isa::Program& p, size_t t) { return p.tensors[t].rows; }
inline int64_t cols_of(const isa::Program& p, size_t t) { return p.tensors[t].cols; }

// x U V (inputs xT [K, M], U [K, R], V [R, N]): strip and output accumulations, output store.
inline Bound xuv_bound() {
  return relative_bound(
      [](const isa::Program& p) { return (rows_of(p, 1) + cols_of(p, 1)) / 128.0 + 1; });
}

// SwiGLU: the up chain (H, and R when factored), silu and multiply (2), the down chain (I, R),
// the store; mlp_dense also stores g and u to HBM (2 more).
inline Bound swiglu_bound(bool factored) {
  return relative_bound([factored](const isa::Program& p) {
    const double H = rows_of(p, 1), I = rows_of(p, factored ? 5 : 3);
    const double R = factored ? cols_of(p, 1) : 0;
    return (H + R) / 128 + 2 + (I + R) / 128 + 1 + (factored ? 0 : 2);
  });
}

// x W (inputs x [S, K], W [K, N]): fp32 accumulation of K products, one rounding of y.
inline Bound linear_bound() {
  return [](const isa::Program& p, const std::vector<std::vector<float>>& hbm, double) {
    const RowMatrix x = abs_input(p, hbm, 0), w = abs_input(p, hbm, 1);
    return (x.cols() * kFp32 + kBf16) * (x * w).maxCoeff();
  };
}

// RoPE after Qwen3's head norm (inputs x, cos, sin, gamma): the normalized x is rounded twice
// to bf16 in place (x rstd, then times gamma), 2^-8 of |x_n| each; the rotation adds two such
// values times |cos|, |sin| < 1 (4 roundings of max |x_n| in all), and y is rounded once.
inline Bound rope_norm_bound() {
  return [](const isa::Program& p, const std::vector<std::vector<float>>& hbm, double reference) {
    const RowMatrix x = abs_input(p, hbm, 0), gamma = abs_input(p, hbm, 3);
    const int64_t d = gamma.cols();
    double largest = 0;
    for (int64_t r = 0; r < x.rows(); ++r)
      for (int64_t h = 0; h < x.cols() / d; ++h) {
        const auto head = x.block(r, h * d, 1, d);
        const double rms = std::sqrt(head.squaredNorm() / d + 1e-5);
        largest = std::max(largest, (head / rms).cwiseProduct(gamma).maxCoeff());
      }
    return (4 * largest + reference) * kBf16;
  };
}

// Attention (inputs q, k, v): each probability is rounded to bf16 (2^-8 of itself) before
// both the sum and P V, which moves the weighted average of the values by at most 2 x 2^-8 x
// max |v| (first order), and the output is rounded once (2^-8 x max |reference|).
inline Bound attention_bound() {
  return [](const isa::Program& p, const std::vector<std::vector<float>>& hbm, double reference) {
    return (2 * abs_input(p, hbm, 2).maxCoeff() + reference) * kBf16;
  };
}

struct KernelCase {
  std::string kernel;
  Assignments shape;
  Assignments params;
  Bound bound;
  // The largest |reference| value must exceed this, so that a run of zeros cannot pass: 1 for
  // sums of products; attention's outputs are averages of values in [-1, 1).
  double least_reference = 1.0;
};

// The case run with numerics on `hw` (its inputs from `seed`, as `trnsim run --seed`).
inline run::KernelRunOutput run_case(const KernelCase& c, const HwConfig& hw,
                                     Dtype dtype = Dtype::bf16, uint64_t seed = 1) {
  run::KernelRunRequest request;
  request.kernel = c.kernel;
  request.hw = hw;
  request.shape = c.shape;
  request.params = c.params;
  request.dtype = dtype;
  request.numerics = true;
  request.seed = seed;
  return run::run_kernel(request);
}

inline std::vector<KernelCase> kernel_cases() {
  const Assignments square = {{"M", 256}, {"K", 512}, {"N", 1024}};
  const Assignments oblong = {{"M", 384}, {"K", 256}, {"N", 1536}};
  const Assignments xuv_square = {{"M", 256}, {"K", 512}, {"R", 256}, {"N", 1024}};
  const Assignments xuv_oblong = {{"M", 384}, {"K", 256}, {"R", 384}, {"N", 1536}};
  const Assignments xuv_square_blocks = {{"TILES_IN_BLOCK_K", 2}, {"TILES_IN_BLOCK_R", 1},
                                         {"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 1}};
  const Assignments xuv_oblong_blocks = {{"TILES_IN_BLOCK_K", 1}, {"TILES_IN_BLOCK_R", 3},
                                         {"TILES_IN_BLOCK_M", 3}, {"TILES_IN_BLOCK_N", 3}};
  std::vector<KernelCase> cases = {
      // The tutorial kernels round once (PSUM fp32 -> bf16 result); matmul_optimized also
      // accumulates each K block into bf16 SBUF tiles: one rounding per K block (two here).
      {"matmul_naive", square, {}, matmul_bound(1)},
      {"matmul_naive", oblong, {}, matmul_bound(1)},
      {"matmul_hoisted", square, {}, matmul_bound(1)},
      {"matmul_hoisted", oblong, {}, matmul_bound(1)},
      {"matmul_blocked", square, {}, matmul_bound(1)},
      {"matmul_blocked", oblong, {{"TILES_IN_BLOCK_M", 3}, {"TILES_IN_BLOCK_N", 1}},
       matmul_bound(1)},
      {"matmul_optimized", square,
       {{"TILES_IN_BLOCK_M", 2}, {"TILES_IN_BLOCK_N", 2}, {"TILES_IN_BLOCK_K", 2}},
       matmul_bound(2)},
      {"matmul_optimized", oblong,
       {{"TILES_IN_BLOCK_M", 3}, {"TILES_IN_BLOCK_N", 3}, {"TILES_IN_BLOCK_K", 1}},
       matmul_bound(2)},
      // One matmul of K <= 128: fp32 accumulation, one rounding of the bf16 result.
      {"matmul_tile", {{"M", 128}, {"K", 128}, {"N", 512}}, {}, matmul_bound(1)},
      {"matmul_tile", {{"M", 5}, {"K", 3}, {"N", 7}}, {}, matmul_bound(1)},
      {"xuv_sequential", xuv_square, {}, xuv_bound()},
      {"xuv_sequential", xuv_oblong, {}, xuv_bound()},
      {"mlp_dense", {{"S", 128}, {"H", 512}, {"I", 1024}}, {}, swiglu_bound(false)},
      {"mlp_dense", {{"S", 1}, {"H", 512}, {"I", 1536}}, {}, swiglu_bound(false)},
      {"mlp_neuronmm", {{"S", 128}, {"H", 512}, {"I", 1024}, {"R", 256}}, {}, swiglu_bound(true)},
      {"mlp_neuronmm", {{"S", 1}, {"H", 512}, {"I", 1536}, {"R", 384}}, {}, swiglu_bound(true)},
      // The decoder operators: rmsnorm rounds y twice to bf16 (x rstd, then times gamma),
      // residual_add and rope once (their fp32 products of bf16 values are exact).
      {"llm_rmsnorm", {{"S", 256}, {"F", 512}, {"GROUP", 512}}, {{"TRANSPOSED", 0}},
       relative_bound([](const isa::Program&) { return 2.0; })},
      {"llm_rmsnorm", {{"S", 96}, {"F", 512}, {"GROUP", 64}}, {{"TRANSPOSED", 1}},
       relative_bound([](const isa::Program&) { return 2.0; })},
      {"llm_residual_add", {{"S", 256}, {"F", 384}}, {},
       relative_bound([](const isa::Program&) { return 1.0; })},
      {"llm_residual_add", {{"S", 1}, {"F", 1000}}, {},
       relative_bound([](const isa::Program&) { return 1.0; })},
      {"llm_linear", {{"S", 256}, {"K", 384}, {"N", 640}}, {}, linear_bound()},
      {"llm_linear", {{"S", 1}, {"K", 256}, {"N", 700}}, {}, linear_bound()},
      {"llm_rope", {{"S", 256}, {"HEADS", 4}, {"D", 64}}, {{"QK_NORM", 0}},
       relative_bound([](const isa::Program&) { return 1.0; })},
      {"llm_rope", {{"S", 96}, {"HEADS", 3}, {"D", 128}}, {{"QK_NORM", 1}}, rope_norm_bound()},
      {"llm_attention_prefill", {{"B", 2}, {"S", 256}, {"QH", 4}, {"KVH", 2}, {"D", 64}}, {},
       attention_bound(), 0.5},
      {"llm_attention_prefill", {{"B", 1}, {"S", 32}, {"QH", 2}, {"KVH", 1}, {"D", 128}}, {},
       attention_bound(), 0.5},
      {"llm_attention_decode", {{"B", 2}, {"L", 200}, {"QH", 4}, {"KVH", 2}, {"D", 64}}, {},
       attention_bound(), 0.1},
      {"llm_attention_decode", {{"B", 1}, {"L", 64}, {"QH", 2}, {"KVH", 1}, {"D", 128}}, {},
       attention_bound(), 0.1},
  };
  for (const char* fused : {"xuv_fused", "xuv_fused_explicit_transpose", "xuv_unfused_recompute"}) {
    cases.push_back({fused, xuv_square, xuv_square_blocks, xuv_bound()});
    cases.push_back({fused, xuv_oblong, xuv_oblong_blocks, xuv_bound()});
  }
  return cases;
}

}  // namespace trnsim::testing
