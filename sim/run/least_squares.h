// Bounded nonlinear least squares for `trnsim calibrate` (issue 10): Levenberg-Marquardt on a
// box, with a forward-difference Jacobian. The unknowns live in [0, 1] each (the caller maps
// them onto a parameter's range); a step that leaves the box is clipped to it. Meant for a few
// unknowns and residuals that each cost a simulation: every evaluation is counted.
#pragma once

#include <functional>
#include <vector>

namespace trnsim::run {

struct LeastSquaresResult {
  std::vector<double> x;    // the minimiser found, each in [0, 1]
  double cost = 0;          // sum of squared residuals there
  int evaluations = 0;      // calls of the residual function
  int iterations = 0;
};

// Minimises sum_i r_i(x)^2 over x in [0, 1]^n from `start`. `residuals` returns the same number
// of residuals on every call. Stops when a step no longer lowers the cost by a relative
// `tolerance`, or after `max_iterations`.
LeastSquaresResult bounded_least_squares(
    const std::function<std::vector<double>(const std::vector<double>&)>& residuals,
    std::vector<double> start, int max_iterations = 30, double tolerance = 1e-8);

}  // namespace trnsim::run
