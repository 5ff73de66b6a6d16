#include "sim/run/measurements.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sim/run/kernel_run.h"

namespace trnsim::run {
namespace {

template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) throw UserError(where + ": missing \"" + key + "\"");
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw UserError(where + ": \"" + key + "\" has the wrong type");
  }
}

}  // namespace

MeasurementSet load_measurements(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw UserError("cannot open measurements file '" + path + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    throw UserError(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  MeasurementSet set;
  set.description = field<std::string>(j, "description", path);
  set.source = field<std::string>(j, "source", path);
  set.hw = field<std::string>(j, "hw", path);
  set.dtype = field<std::string>(j, "dtype", path);
  const auto rows = field<nlohmann::json>(j, "measurements", path);
  if (!rows.is_array() || rows.empty())
    throw UserError(path + ": \"measurements\" must be a non-empty list");
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string where = path + ": measurements[" + std::to_string(i) + "]";
    Measurement m;
    m.kernel = field<std::string>(rows[i], "kernel", where);
    m.shape = field<std::string>(rows[i], "shape", where);
    m.params = rows[i].contains("params") ? field<std::string>(rows[i], "params", where) : "";
    m.latency_ms = field<double>(rows[i], "latency_ms", where);
    if (!(m.latency_ms > 0)) throw UserError(where + ": latency_ms must be positive");
    set.measurements.push_back(m);
  }
  return set;
}

std::vector<Comparison> compare(const MeasurementSet& set, const HwConfig& hw,
                                const Budget& budget, bool show_progress) {
  std::vector<Comparison> out;
  for (size_t row = 0; row < set.measurements.size(); ++row) {
    const Measurement& m = set.measurements[row];
    const std::string name = m.kernel + " " + m.shape;
    KernelRunOutput run;
    try {
      KernelRunRequest request;
      request.kernel = m.kernel;
      request.hw = hw;
      request.shape = parse_assignments(m.shape, "shape of " + m.kernel);
      request.params = parse_assignments(m.params, "params of " + m.kernel);
      request.dtype = parse_dtype(set.dtype);
      request.budget = budget;
      RunWatch watch(name, budget.max_seconds, show_progress);
      run = run_kernel(request, &watch);
    } catch (const UserError& e) {
      throw UserError("row " + std::to_string(row + 1) + " (" + name + "): " + e.what());
    }
    Comparison c;
    c.measured = m;
    c.simulated_ms = run.run.sim_time_ns / 1e6;
    c.error_percent = 100.0 * (c.simulated_ms - m.latency_ms) / m.latency_ms;
    c.wall_seconds = run.run.wall_seconds;
    out.push_back(c);
  }
  return out;
}

double mean_absolute_percent_error(const std::vector<Comparison>& rows) {
  double sum = 0;
  for (const Comparison& c : rows) sum += std::fabs(c.error_percent);
  return rows.empty() ? 0 : sum / static_cast<double>(rows.size());
}

}  // namespace trnsim::run
