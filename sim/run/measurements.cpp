#include "sim/run/measurements.h"

#include <cmath>

#include "common/excerpt.h"
#include "common/input_file.h"
#include "common/json_input.h"
#include "sim/run/kernel_run.h"

namespace trnsim::run {
namespace {

// A measurements file is a table of tens of rows; 16 MiB is far beyond any real one.
constexpr uint64_t kMaxMeasurementsBytes = uint64_t{16} << 20;

// One row, checked against the kernel library as well, so that a misspelt kernel, shape key
// or parameter is refused before the rows above it have run.
Measurement measurement_of(JsonObject row) {
  Measurement m;
  m.kernel = row.string("kernel");
  m.shape = row.string("shape");
  m.params = row.has("params") ? row.string("params") : "";
  m.latency_ms = row.number("latency_ms");
  if (!(m.latency_ms > 0) || !std::isfinite(m.latency_ms))
    row.bad("latency_ms", "a positive number of milliseconds", row.at("latency_ms"));
  row.finish();
  try {
    const KernelSpec& spec = find_kernel(m.kernel);
    merge_assignments(spec.default_shape, parse_assignments(m.shape, "shape"), spec.name,
                      "shape key");
    merge_assignments(spec.default_params, parse_assignments(m.params, "params"), spec.name,
                      "parameter");
  } catch (const UserError& e) {
    throw InputError(row.where() + ": " + e.what());
  }
  return m;
}

}  // namespace

MeasurementSet measurements_from_text(std::string_view text, const std::string& origin) {
  const nlohmann::json document = parse_json_input(text, origin);
  JsonObject file(document, origin);
  MeasurementSet set;
  set.description = file.string("description");
  set.source = file.string("source");
  set.hw = file.string("hw");
  set.dtype = file.string("dtype");
  try {
    parse_dtype(set.dtype);
  } catch (const UserError& e) {
    throw InputError(file.path("dtype") + ": " + e.what());
  }
  const nlohmann::json& rows = file.at("measurements");
  if (!rows.is_array() || rows.empty())
    file.bad("measurements", "a non-empty list of measurements", rows);
  file.finish();
  for (size_t i = 0; i < rows.size(); ++i)
    set.measurements.push_back(
        measurement_of(JsonObject(rows[i], origin, "measurements[" + std::to_string(i) + "]")));
  return set;
}

MeasurementSet load_measurements(const std::string& path) {
  return measurements_from_text(
      read_input_file(path, "a measurements JSON file", kMaxMeasurementsBytes), path_excerpt(path));
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
