#include "sim/run/least_squares.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace trnsim::run {
namespace {

double squared_norm(const std::vector<double>& r) {
  double sum = 0;
  for (double v : r) sum += v * v;
  return sum;
}

Eigen::VectorXd as_vector(const std::vector<double>& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace

LeastSquaresResult bounded_least_squares(
    const std::function<std::vector<double>(const std::vector<double>&)>& residuals,
    std::vector<double> start, int max_iterations, double tolerance) {
  LeastSquaresResult out;
  const auto evaluate = [&](const std::vector<double>& x) {
    ++out.evaluations;
    return residuals(x);
  };
  for (double& v : start) v = std::clamp(v, 0.0, 1.0);
  out.x = std::move(start);
  std::vector<double> r = evaluate(out.x);
  out.cost = squared_norm(r);
  const size_t n = out.x.size();
  // Forward differences of 1e-3 of the range: large enough to step over the simulator's
  // rounding to whole cycles, small against the ranges.
  constexpr double kStep = 1e-3;
  double damping = 1e-2;
  for (; out.iterations < max_iterations && out.cost > 0; ++out.iterations) {
    Eigen::MatrixXd jacobian(static_cast<Eigen::Index>(r.size()), static_cast<Eigen::Index>(n));
    for (size_t j = 0; j < n; ++j) {
      std::vector<double> x = out.x;
      const double h = x[j] + kStep <= 1.0 ? kStep : -kStep;  // stay in the box
      x[j] += h;
      const std::vector<double> rj = evaluate(x);
      jacobian.col(static_cast<Eigen::Index>(j)) = (as_vector(rj) - as_vector(r)) / h;
    }
    const Eigen::MatrixXd normal = jacobian.transpose() * jacobian;
    const Eigen::VectorXd gradient = jacobian.transpose() * as_vector(r);
    bool improved = false;
    double decrease = 0;
    while (damping < 1e8) {
      Eigen::MatrixXd damped = normal;
      for (Eigen::Index k = 0; k < damped.rows(); ++k)
        damped(k, k) += damping * std::max(normal(k, k), 1e-12);
      const Eigen::VectorXd step = damped.ldlt().solve(-gradient);
      // A step finer than a tenth of the difference step is below what the Jacobian resolves.
      if (step.lpNorm<Eigen::Infinity>() < kStep / 10) break;
      std::vector<double> x = out.x;
      for (size_t j = 0; j < n; ++j)
        x[j] = std::clamp(x[j] + step(static_cast<Eigen::Index>(j)), 0.0, 1.0);
      if (x == out.x) break;  // clipped to where we are: nowhere to go
      std::vector<double> rx = evaluate(x);
      const double cost = squared_norm(rx);
      if (cost < out.cost) {
        decrease = out.cost - cost;
        out.x = std::move(x);
        r = std::move(rx);
        out.cost = cost;
        damping = std::max(damping / 3, 1e-9);
        improved = true;
        break;
      }
      damping *= 4;
    }
    if (!improved || decrease <= tolerance * (out.cost + decrease)) break;
  }
  return out;
}

}  // namespace trnsim::run
