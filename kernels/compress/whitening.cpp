#include "kernels/compress/whitening.h"

#include <Eigen/Cholesky>
#include <cmath>
#include <vector>

#include "kernels/compress/parallel_bands.h"

namespace trnsim::compress {
namespace {

// A Cholesky factor counts as usable when no pivot is negligible next to the typical
// diagonal: a pivot below 1e-10 of it would blow S⁻ᵀ up by more than 1e5.
bool well_conditioned(const Eigen::LLT<Eigen::MatrixXd>& llt, double mean_diagonal) {
  if (llt.info() != Eigen::Success) return false;
  const Eigen::VectorXd pivots = llt.matrixL().toDenseMatrix().diagonal();
  return pivots.cwiseAbs2().minCoeff() >= 1e-10 * mean_diagonal;
}

}  // namespace

Whitening whitening_from_activations(const Matrix& x, const std::string& source) {
  if (x.rows() == 0 || x.cols() == 0)
    throw UserError(source + ": calibration activations are empty");
  if (!x.allFinite()) throw UserError(source + ": calibration activations contain NaN or Inf");
  const Eigen::MatrixXd xd = x.cast<double>();
  const Eigen::Index k = xd.cols();
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(k, k);
  gram.selfadjointView<Eigen::Lower>().rankUpdate(xd.transpose());
  const double mean_diagonal = gram.diagonal().mean();
  if (!(mean_diagonal > 0)) throw UserError(source + ": calibration activations are all zero");

  Whitening w;
  w.samples = x.rows();
  for (double relative_ridge : {0.0, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1}) {
    w.ridge = relative_ridge * mean_diagonal;
    Eigen::MatrixXd regularized = gram;
    regularized.diagonal().array() += w.ridge;
    const Eigen::LLT<Eigen::MatrixXd> llt(regularized);
    if (well_conditioned(llt, mean_diagonal)) {
      w.s = llt.matrixL();
      return w;
    }
  }
  throw UserError(source +
                  ": X^T X of the calibration activations stays singular even with a ridge of "
                  "0.1 * mean(diag)");
}

LowRankFactors whitened_truncated_svd(const Matrix& w, const Whitening& whitening, int64_t rank,
                                      const SvdSettings& settings) {
  const Matrix s_transpose = whitening.s.transpose().cast<float>();
  const Matrix whitened = s_transpose.triangularView<Eigen::Upper>() * w;
  LowRankFactors f = truncated_svd(whitened, rank, settings);
  f.u = whitening.s.transpose()
            .triangularView<Eigen::Upper>()
            .solve(f.u.cast<double>())
            .cast<float>();
  return f;
}

double activation_relative_error(const Matrix& x, const Matrix& w, const Matrix& u,
                                 const Matrix& v) {
  const Matrix xu = x * u;
  const Eigen::Index band = 256;
  std::vector<double> residual((w.cols() + band - 1) / band), total(residual.size());
  for_each_band(w.cols(), band, [&](Eigen::Index b, Eigen::Index first, Eigen::Index count) {
    const Matrix exact = x * w.middleCols(first, count);
    residual[b] = (exact - xu * v.middleCols(first, count)).cast<double>().squaredNorm();
    total[b] = exact.cast<double>().squaredNorm();
  });
  double residual_sum = 0, total_sum = 0;
  for (size_t b = 0; b < residual.size(); ++b) residual_sum += residual[b], total_sum += total[b];
  if (total_sum == 0) return residual_sum == 0 ? 0 : INFINITY;
  return std::sqrt(residual_sum / total_sum);
}

}  // namespace trnsim::compress
