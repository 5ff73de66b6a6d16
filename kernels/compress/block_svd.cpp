#include "kernels/compress/block_svd.h"

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "kernels/compress/parallel_bands.h"

namespace trnsim::compress {
namespace {

// Python's round(), as in the authors' code: halves go to the even neighbour.
int64_t round_half_to_even(double x) {
  const double floor_x = std::floor(x);
  const double diff = x - floor_x;
  int64_t r = static_cast<int64_t>(floor_x);
  if (diff > 0.5 || (diff == 0.5 && r % 2 != 0)) ++r;
  return r;
}

std::string number(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace

void require_compression_ratio(double ratio) {
  if (!(ratio > 0 && ratio < 1))
    throw UserError("compression ratio " + number(ratio) +
                    " is not in (0, 1); it is the fraction of parameters removed, e.g. 0.2");
}

void require_block_size(int64_t block) {
  if (block < 1) throw UserError("block size " + std::to_string(block) + " must be at least 1");
}

int64_t block_aligned_rank(int64_t rows, int64_t cols, double ratio, int64_t block) {
  require_compression_ratio(ratio);
  require_block_size(block);
  if (rows < 1 || cols < 1 || std::min(rows, cols) < block)
    throw UserError("a " + std::to_string(rows) + "x" + std::to_string(cols) +
                    " matrix is too small for one block of " + std::to_string(block) +
                    " (the rank must be a multiple of the block and at most min(K, N))");
  const double k = static_cast<double>(rows), n = static_cast<double>(cols);
  const int64_t blocks =
      round_half_to_even(k * n * (1 - ratio) / ((k + n) * static_cast<double>(block)));
  const int64_t max_blocks = std::min(rows, cols) / block;
  return std::clamp<int64_t>(blocks, 1, max_blocks) * block;
}

void require_block_aligned_rank(int64_t rank, int64_t block) {
  require_block_size(block);
  if (rank < 1 || rank % block != 0)
    throw UserError("rank " + std::to_string(rank) + " is not a multiple of the block size " +
                    std::to_string(block));
}

const char* svd_method_name(SvdMethod m) { return m == SvdMethod::full ? "full" : "randomized"; }

SvdMethod choose_svd_method(const std::string& name, int64_t rows, int64_t cols) {
  if (name == "full") return SvdMethod::full;
  if (name == "randomized") return SvdMethod::randomized;
  if (name == "auto")
    return std::min(rows, cols) > kRandomizedSvdAbove ? SvdMethod::randomized : SvdMethod::full;
  throw UserError("unknown SVD method '" + name + "' (allowed: full, randomized, auto)");
}

LowRankFactors truncated_svd_full(const Matrix& w, int64_t rank) {
  if (rank < 1 || rank > std::min(w.rows(), w.cols()))
    throw std::invalid_argument("truncated_svd_full: rank out of range");
  const Eigen::BDCSVD<Eigen::MatrixXd> svd(w.cast<double>(),
                                           Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::VectorXd root_sigma = svd.singularValues().head(rank).cwiseSqrt();
  LowRankFactors f;
  f.u = (svd.matrixU().leftCols(rank) * root_sigma.asDiagonal()).cast<float>();
  f.v = (root_sigma.asDiagonal() * svd.matrixV().leftCols(rank).transpose()).cast<float>();
  return f;
}

LowRankFactors truncated_svd(const Matrix& w, int64_t rank, const SvdSettings& settings) {
  return settings.method == SvdMethod::full
             ? truncated_svd_full(w, rank)
             : truncated_svd_randomized(w, rank, settings.randomized);
}

double relative_error(const Matrix& w, const Matrix& u, const Matrix& v) {
  const Eigen::Index band = 256;
  std::vector<double> residual((w.cols() + band - 1) / band), total(residual.size());
  for_each_band(w.cols(), band, [&](Eigen::Index b, Eigen::Index first, Eigen::Index count) {
    const Matrix difference = w.middleCols(first, count) - u * v.middleCols(first, count);
    residual[b] = difference.cast<double>().squaredNorm();
    total[b] = w.middleCols(first, count).cast<double>().squaredNorm();
  });
  double residual_sum = 0, total_sum = 0;
  for (size_t b = 0; b < residual.size(); ++b) residual_sum += residual[b], total_sum += total[b];
  if (total_sum == 0) return residual_sum == 0 ? 0 : INFINITY;
  return std::sqrt(residual_sum / total_sum);
}

}  // namespace trnsim::compress
