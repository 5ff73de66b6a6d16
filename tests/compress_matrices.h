// Matrices with a prescribed spectrum for the compression tests (tests/compress_test.cpp,
// tests/compress_checkpoint_test.cpp), made independently of the code under test, and the
// Eckart–Young optimum they are judged by.
#pragma once

#pragma GCC diagnostic push  // Eigen 3.4's blocked Householder trips a GCC false positive
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <Eigen/QR>
#pragma GCC diagnostic pop
#include <cmath>
#include <random>

#include "kernels/compress/weights_file.h"

namespace trnsim::compress::testing_matrices {

// A matrix with orthonormal columns, from a seeded Gaussian (independent of the code under test).
inline Eigen::MatrixXd orthonormal_columns(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd g(rows, cols);
  for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = normal(gen);
  Eigen::MatrixXd q = Eigen::MatrixXd::Identity(rows, cols);
  Eigen::HouseholderQR<Eigen::MatrixXd>(g).householderQ().applyThisOnTheLeft(q);
  return q;
}

// U0·diag(sigma)·V0ᵀ with random orthonormal U0, V0: its singular values are exactly `sigma`.
inline Matrix with_spectrum(Eigen::Index rows, Eigen::Index cols, const Eigen::VectorXd& sigma,
                     unsigned seed) {
  const Eigen::Index r = sigma.size();
  return (orthonormal_columns(rows, r, seed) * sigma.asDiagonal() *
          orthonormal_columns(cols, r, seed + 1).transpose()).cast<float>();
}

// Eckart–Young: the best rank-R error is the energy of the discarded singular values.
inline double best_relative_error(const Eigen::VectorXd& sigma, Eigen::Index rank) {
  return std::sqrt(sigma.tail(sigma.size() - rank).squaredNorm() / sigma.squaredNorm());
}

}  // namespace trnsim::compress::testing_matrices
