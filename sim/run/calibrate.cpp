#include "sim/run/calibrate.h"

#include <cmath>
#include <numeric>

#include "common/error.h"
#include "common/excerpt.h"
#include "sim/config/hw_parameters.h"
#include "sim/run/least_squares.h"

namespace trnsim::run {
namespace {

constexpr int kMaxLeaveOneOutRows = 20;
constexpr int kFolds = 10;
constexpr int kMaxIterations = 20;

const HwParameter& real_parameter(const std::string& key) {
  const HwParameter* p = find_hw_parameter(key);
  if (!p) throw UserError("--params: '" + excerpt(key) + "' is not a hardware parameter "
                          "(`trnsim list --parameters`)");
  if (p->type != HwParameter::Type::real)
    throw UserError("--params: " + key + " is not a real number (" + p->allowed() +
                    "); only real-valued parameters are fitted");
  return *p;
}

// A parameter's value for x in [0, 1] of its search range: log scale on a positive range.
double value_at(const FittedParameter& p, double x) {
  if (p.low > 0) return p.low * std::pow(p.high / p.low, x);
  return p.low + (p.high - p.low) * x;
}
double position_of(const FittedParameter& p, double value) {
  if (p.high == p.low) return 0;
  if (p.low > 0) return std::log(value / p.low) / std::log(p.high / p.low);
  return (value - p.low) / (p.high - p.low);
}

// One measured row: its set (for the dtype and machine) and its index there.
struct Row {
  size_t set, index;
};

class Fit {
 public:
  Fit(const std::vector<MeasurementSet>& sets, const HwConfig& start,
      std::vector<FittedParameter> parameters, const Budget& budget)
      : sets_(sets), start_(start), parameters_(std::move(parameters)), budget_(budget) {}

  const std::vector<FittedParameter>& parameters() const { return parameters_; }
  int simulations() const { return simulations_; }

  // The comparisons of `rows` with the parameters at `x`.
  std::vector<Comparison> simulate(const std::vector<Row>& rows, const std::vector<double>& x) {
    std::vector<FittedParameter> at = parameters_;
    for (size_t j = 0; j < at.size(); ++j) at[j].fitted = value_at(at[j], x[j]);
    const HwConfig machine = with_fitted(start_, at);
    std::vector<Comparison> out;
    for (size_t s = 0; s < sets_.size(); ++s) {
      MeasurementSet subset = sets_[s];
      subset.measurements.clear();
      for (const Row& r : rows)
        if (r.set == s) subset.measurements.push_back(sets_[s].measurements[r.index]);
      if (subset.measurements.empty()) continue;
      for (Comparison& c : compare(subset, machine, budget_, false, &traces_))
        out.push_back(std::move(c));
      simulations_ += static_cast<int>(subset.measurements.size());
    }
    return out;
  }

  // The x in [0, 1]^n minimising the squared log errors of `rows`, from `from`.
  std::vector<double> fit(const std::vector<Row>& rows, const std::vector<double>& from) {
    const auto residuals = [&](const std::vector<double>& x) {
      std::vector<double> r;
      for (const Comparison& c : simulate(rows, x))
        r.push_back(std::log(c.simulated_ms / c.measured.latency_ms));
      return r;
    };
    // A step that lowers the cost by less than 0.01% ends the fit: the simulator's times are
    // whole cycles, so the cost is a staircase at finer scales.
    return bounded_least_squares(residuals, from, kMaxIterations, 1e-4).x;
  }

  std::vector<double> start_position() const {
    std::vector<double> x;
    for (const FittedParameter& p : parameters_) x.push_back(position_of(p, p.start));
    return x;
  }

 private:
  const std::vector<MeasurementSet>& sets_;
  const HwConfig& start_;
  std::vector<FittedParameter> parameters_;
  Budget budget_;
  NkiTraceCache traces_;  // each NKI row is traced once
  int simulations_ = 0;
};

}  // namespace

FittedParameter parse_fitted_parameter(const std::string& text, const HwConfig& start) {
  const size_t eq = text.find('=');
  FittedParameter p;
  p.key = text.substr(0, eq);
  const HwParameter& parameter = real_parameter(p.key);
  p.low = parameter.min;
  p.high = parameter.max;
  if (eq != std::string::npos) {
    const std::string bounds = text.substr(eq + 1);
    const size_t colon = bounds.find(':');
    double low = 0, high = 0;
    const bool parsed = colon != std::string::npos &&
                        parameter.parse(bounds.substr(0, colon), &low).empty() &&
                        parameter.parse(bounds.substr(colon + 1), &high).empty();
    if (!parsed || !(low < high))
      throw UserError("--params " + excerpt(text) + ": expected KEY=LOW:HIGH with LOW < HIGH " +
                      "within " + parameter.allowed());
    p.low = low;
    p.high = high;
  }
  p.start = p.fitted = parameter.get(start);
  if (p.start < p.low || p.start > p.high)
    throw UserError("--params " + excerpt(text) + ": the machine's value " +
                    format_number(p.start) + " is outside the bounds " +
                    format_number(p.low) + " .. " + format_number(p.high));
  return p;
}

HwConfig with_fitted(HwConfig start, const std::vector<FittedParameter>& parameters) {
  for (const FittedParameter& p : parameters) find_hw_parameter(p.key)->set(start, p.fitted);
  return start;
}

CalibrationResult calibrate(const std::vector<MeasurementSet>& sets, const HwConfig& start,
                            std::vector<FittedParameter> parameters, const Budget& budget) {
  for (FittedParameter& p : parameters) p.start = p.fitted = real_parameter(p.key).get(start);
  std::vector<Row> rows;
  for (size_t s = 0; s < sets.size(); ++s)
    for (size_t i = 0; i < sets[s].measurements.size(); ++i)
      if (sets[s].measurements[i].not_fitted.empty()) rows.push_back({s, i});
  if (rows.size() < 2 || rows.size() <= parameters.size())
    throw UserError("calibrate: " + std::to_string(rows.size()) + " measured rows cannot fit " +
                    std::to_string(parameters.size()) +
                    " parameters and predict a row left out; give more rows or fewer --params");
  Fit fit(sets, start, parameters, budget);
  CalibrationResult out;
  const std::vector<double> x0 = fit.start_position();
  out.before = fit.simulate(rows, x0);
  const std::vector<double> best = fit.fit(rows, x0);
  out.after = fit.simulate(rows, best);
  out.parameters = fit.parameters();
  for (size_t j = 0; j < best.size(); ++j)
    out.parameters[j].fitted = value_at(out.parameters[j], best[j]);

  // Each fold's rows are predicted by a fit on the other rows, started from the full fit.
  out.folds = rows.size() <= kMaxLeaveOneOutRows ? static_cast<int>(rows.size()) : kFolds;
  out.held_out_error_percent.resize(rows.size());
  for (int f = 0; f < out.folds; ++f) {
    std::vector<Row> train, held_out;
    std::vector<size_t> held_index;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (static_cast<int>(i % static_cast<size_t>(out.folds)) == f) {
        held_out.push_back(rows[i]);
        held_index.push_back(i);
      } else {
        train.push_back(rows[i]);
      }
    }
    const std::vector<Comparison> predicted = fit.simulate(held_out, fit.fit(train, best));
    for (size_t k = 0; k < predicted.size(); ++k)
      out.held_out_error_percent[held_index[k]] = predicted[k].error_percent;
  }
  out.mape_before = mean_absolute_percent_error(out.before);
  out.mape_after = mean_absolute_percent_error(out.after);
  double sum = 0;
  for (double e : out.held_out_error_percent) sum += std::fabs(e);
  out.mape_held_out = sum / static_cast<double>(rows.size());
  out.simulations = fit.simulations();
  return out;
}

}  // namespace trnsim::run
