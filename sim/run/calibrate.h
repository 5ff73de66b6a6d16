// `trnsim calibrate` (issue 10): fits a few hardware parameters to measured latencies by
// bounded least squares on the log error of every row but those marked not_fitted
// (sim/run/least_squares.h), and says how
// well the fit predicts rows it did not see: each row is predicted by a fit on the others
// (leave-one-out; with more than 20 rows, 10 folds). A parameter is searched on its range
// (log scale when the range is positive), narrowed by the user's bounds.
#pragma once

#include <string>
#include <vector>

#include "common/budget.h"
#include "sim/config/hw_config.h"
#include "sim/run/measurements.h"

namespace trnsim::run {

struct FittedParameter {
  std::string key;  // a real-valued parameter of sim/config/hw_parameters.h
  double low = 0, high = 0;
  double start = 0, fitted = 0;
};

// "KEY" or "KEY=LOW:HIGH" (within the parameter's own range); throws UserError naming the key.
FittedParameter parse_fitted_parameter(const std::string& text, const HwConfig& start);

struct CalibrationResult {
  std::vector<FittedParameter> parameters;
  std::vector<Comparison> before, after;  // every fitted row, at the start and at the fit
  std::vector<double> held_out_error_percent;  // each row, predicted by a fit without it
  int folds = 0;                               // rows (leave-one-out) or 10
  double mape_before = 0, mape_after = 0, mape_held_out = 0;
  int simulations = 0;  // rows simulated in all
};

// Fits `parameters` (their `start` is ignored: the value in `start` is used) to the rows of
// `sets` without a not_fitted reason, on the machine `start`. Each row runs within `budget`.
CalibrationResult calibrate(const std::vector<MeasurementSet>& sets, const HwConfig& start,
                            std::vector<FittedParameter> parameters, const Budget& budget = {});

// The machine `start` with the fitted values.
HwConfig with_fitted(HwConfig start, const std::vector<FittedParameter>& parameters);

}  // namespace trnsim::run
