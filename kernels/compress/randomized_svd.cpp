// Randomized truncated SVD. With A the m×n matrix (m <= n; a tall W is factored as Wᵀ) and
// l = min(R + oversampling, m):
//   1. Y = A·Ω for a Gaussian n×l sketch Ω; Q = orth(Y).
//   2. q power iterations: Q = orth(A·(Aᵀ·Q)). Only the m-side is re-orthonormalised: an
//      n-side QR would cost about one more pass over A, and without it fp32 loses only the
//      directions with σ_i/σ_1 below √ε ≈ 2.4e-4, a negligible share of ‖A‖_F.
//   3. Bᵀ = Aᵀ·Q (n×l) and G = B·Bᵀ (l×l, fp64) = Ũ·Λ·Ũᵀ, so the singular values of B are √λ.
//   4. A ≈ Q·B ≈ (Q·Ũ_R·Σ^½)·(Σ^-½·Ũ_Rᵀ·B): U = Q·Ũ_R·Σ^½ and Vᵀ = Bᵀ·Ũ_R·Σ^-½.
// The products over A run in fp32 on all hardware threads; the l×l eigenproblem is fp64.
#include <Eigen/QR>
#include <Eigen/SVD>
#include <cmath>
#include <random>

#include "kernels/compress/block_svd.h"
#include "kernels/compress/parallel_bands.h"

namespace trnsim::compress {
namespace {

using Eigen::Index;
constexpr Index kBand = 512;

// Standard normal samples by Box–Muller on mt19937_64 bits: the same numbers with every C++
// library, which std::normal_distribution does not promise.
Matrix gaussian_matrix(Index rows, Index cols, uint64_t seed) {
  std::mt19937_64 bits(seed);
  const auto uniform = [&] { return (static_cast<double>(bits() >> 11) + 0.5) * 0x1.0p-53; };
  Matrix m(rows, cols);
  float* out = m.data();
  for (Index i = 0; i < m.size(); i += 2) {
    const double radius = std::sqrt(-2 * std::log(uniform()));
    const double angle = 2 * M_PI * uniform();
    out[i] = static_cast<float>(radius * std::cos(angle));
    if (i + 1 < m.size()) out[i + 1] = static_cast<float>(radius * std::sin(angle));
  }
  return m;
}

Matrix times(const Matrix& a, const Matrix& b) {
  Matrix out(a.rows(), b.cols());
  for_each_band(b.cols(), kBand, [&](Index, Index first, Index count) {
    out.middleCols(first, count).noalias() = a * b.middleCols(first, count);
  });
  return out;
}

Matrix transpose_times(const Matrix& a, const Matrix& b) {
  Matrix out(a.cols(), b.cols());
  for_each_band(b.cols(), kBand, [&](Index, Index first, Index count) {
    out.middleCols(first, count).noalias() = a.transpose() * b.middleCols(first, count);
  });
  return out;
}

// An orthonormal basis of the columns of y (Householder QR; the thin Q is formed in bands).
Matrix orthonormal_basis(Matrix y) {
  const Index rows = y.rows(), cols = y.cols();
  const Eigen::HouseholderQR<Matrix> qr(std::move(y));
  Matrix q(rows, cols);
  for_each_band(cols, kBand, [&](Index, Index first, Index count) {
    Matrix band = Matrix::Identity(rows, cols).middleCols(first, count);
    qr.householderQ().applyThisOnTheLeft(band);
    q.middleCols(first, count) = band;
  });
  return q;
}

// bᵀ·b for a tall b, in fp64; only the lower triangle is computed, then mirrored.
Eigen::MatrixXd gram(const Matrix& b) {
  const Eigen::MatrixXd bd = b.cast<double>();
  const Index n = bd.cols();
  Eigen::MatrixXd g(n, n);
  for_each_band(n, kBand / 2, [&](Index, Index first, Index count) {
    g.block(first, first, n - first, count).noalias() =
        bd.rightCols(n - first).transpose() * bd.middleCols(first, count);
  });
  for (Index j = 1; j < n; ++j) g.col(j).head(j) = g.row(j).head(j).transpose();
  return g;
}

// Steps 1-4 of the file comment for a wide or square a.
LowRankFactors factor_wide(const Matrix& a, int64_t rank, const RandomizedSvdOptions& options) {
  const Index l = std::min<Index>(rank + std::max<int64_t>(options.oversampling, 0), a.rows());
  Matrix q = orthonormal_basis(times(a, gaussian_matrix(a.cols(), l, options.seed)));
  for (int i = 0; i < options.power_iterations; ++i)
    q = orthonormal_basis(times(a, transpose_times(a, q)));
  const Matrix bt = transpose_times(a, q);

  const Eigen::BDCSVD<Eigen::MatrixXd> gram_svd(gram(bt), Eigen::ComputeThinU);
  const Eigen::VectorXd sigma = gram_svd.singularValues().head(rank).cwiseSqrt();
  Eigen::VectorXd root(rank), inverse_root(rank);
  for (Index i = 0; i < rank; ++i) {
    const bool resolved = sigma(i) > 0 && sigma(i) > 1e-12 * sigma(0);
    root(i) = resolved ? std::sqrt(sigma(i)) : 0;
    inverse_root(i) = resolved ? 1 / std::sqrt(sigma(i)) : 0;
  }
  const auto basis = gram_svd.matrixU().leftCols(rank);
  LowRankFactors f;
  f.u = times(q, (basis * root.asDiagonal()).cast<float>());
  f.v = times(bt, (basis * inverse_root.asDiagonal()).cast<float>()).transpose();
  return f;
}

}  // namespace

LowRankFactors truncated_svd_randomized(const Matrix& w, int64_t rank,
                                        const RandomizedSvdOptions& options) {
  if (rank < 1 || rank > std::min(w.rows(), w.cols()))
    throw std::invalid_argument("truncated_svd_randomized: rank out of range");
  if (w.rows() <= w.cols()) return factor_wide(w, rank, options);
  const LowRankFactors t = factor_wide(w.transpose(), rank, options);
  return {t.v.transpose(), t.u.transpose()};
}

}  // namespace trnsim::compress
