// Activation-aware whitening (SVD-LLM, Wang et al. 2024), in the row-vector convention of
// NeuronMM, Y = X·W with X the calibration activations (samples × K) and W the K×N weight.
// With XᵀX = S·Sᵀ (S lower triangular, Cholesky), ‖X·E‖_F = ‖Sᵀ·E‖_F for every E when X has
// full column rank. So the best rank-R factors U'·V' of W' = Sᵀ·W, mapped back as
// U = S⁻ᵀ·U' and V = V', minimise the error on the activations ‖X·(W − U·V)‖_F over all
// rank-R products. (SVD-LLM writes Y = W·X and factors W·S; this is its transpose.)
#pragma once

#include <string>

#include "kernels/compress/block_svd.h"

namespace trnsim::compress {

struct Whitening {
  Eigen::MatrixXd s;  // K×K lower triangular with S·Sᵀ = XᵀX + ridge·I
  // 0 if XᵀX was positive definite; otherwise the smallest of 1e-6, 1e-5, ... times the mean
  // of diag(XᵀX) that made it so (fewer samples than K, or linearly dependent activations).
  double ridge = 0;
  int64_t samples = 0;
};

// x: samples × K. Throws UserError naming `source` if x is empty, not finite or all zero.
Whitening whitening_from_activations(const Matrix& x, const std::string& source);

// U = S⁻ᵀ·U'_R·√Σ_R, V = √Σ_R·V'_Rᵀ from the truncated SVD U'·Σ·V'ᵀ of Sᵀ·W.
LowRankFactors whitened_truncated_svd(const Matrix& w, const Whitening& whitening, int64_t rank,
                                      const SvdSettings& settings);

// ‖X·W − X·U·V‖_F / ‖X·W‖_F (0 when both vanish).
double activation_relative_error(const Matrix& x, const Matrix& w, const Matrix& u,
                                 const Matrix& v);

}  // namespace trnsim::compress
