#include "sim/run/measurements.h"

#include <cmath>
#include <filesystem>

#include "common/excerpt.h"
#include "common/input_file.h"
#include "common/json_input.h"
#include "sim/model/neuron_core.h"
#include "sim/run/kernel_run.h"
#include "sim/run/nki_run.h"
#include "sim/trace/summary.h"

namespace trnsim::run {
namespace {

// A measurements file is a table of tens of rows; 16 MiB is far beyond any real one.
constexpr uint64_t kMaxMeasurementsBytes = uint64_t{16} << 20;

// The engines a profile's "active" names, and their rows in a run's summary.
const std::map<std::string, std::string>& profile_engines() {
  static const std::map<std::string, std::string> engines = {
      {"tensor", "Tensor"}, {"vector", "Vector"}, {"scalar", "Scalar"}, {"gpsimd", "GpSimd"}};
  return engines;
}

int64_t byte_count(JsonObject& profile, const std::string& key) {
  const int64_t n = profile.integer(key);
  if (n < 0) profile.bad(key, "a byte count (0 or more)", profile.at(key));
  return n;
}

MeasuredProfile profile_of(JsonObject profile) {
  MeasuredProfile p;
  const auto bytes = [&](const char* key, std::optional<int64_t>& field) {
    if (profile.has(key)) field = byte_count(profile, key);
  };
  bytes("hbm_read_bytes", p.hbm_read_bytes);
  bytes("hbm_write_bytes", p.hbm_write_bytes);
  bytes("spill_save_bytes", p.spill_save_bytes);
  bytes("spill_reload_bytes", p.spill_reload_bytes);
  if (profile.has("active")) {
    JsonObject active = profile.object("active");
    for (const auto& entry : profile_engines()) {
      const std::string& engine = entry.first;
      if (!active.has(engine)) continue;
      const double f = active.number(engine);
      if (!(f >= 0 && f <= 1)) active.bad(engine, "a fraction in [0, 1]", active.at(engine));
      p.active[engine] = f;
    }
    active.finish();
  }
  profile.finish();
  return p;
}

// An NKI row: the file relative to the measurements file, its inputs as run-nki's --arg.
void nki_row(JsonObject& row, const std::string& directory, Measurement& m) {
  const std::string target = row.string("nki");
  const size_t colon = target.find(':');
  const std::string file = target.substr(0, colon);
  m.nki_kernel = colon == std::string::npos ? "" : target.substr(colon + 1);
  const std::filesystem::path path(file);
  m.nki_file = path.is_absolute() ? file : (std::filesystem::path(directory) / path).string();
  try {
    InputFile(m.nki_file, "an NKI kernel file (.py)");
  } catch (const UserError& e) {
    throw InputError(row.path("nki") + ": " + e.what());
  }
  m.nki_args = row.strings("args");
  m.grid = row.has("grid") ? row.string("grid") : "";
  m.kernel = m.nki_kernel.empty() ? path.stem().string() : m.nki_kernel;
  for (const std::string& a : m.nki_args) m.shape += (m.shape.empty() ? "" : ",") + a;
  if (!m.grid.empty()) m.shape += " grid " + m.grid;
}

// One row, checked against the kernel library as well, so that a misspelt kernel, shape key
// or parameter is refused before the rows above it have run.
Measurement measurement_of(JsonObject row, const std::string& directory) {
  Measurement m;
  if (row.has("nki")) {
    nki_row(row, directory, m);
  } else {
    m.kernel = row.string("kernel");
    m.shape = row.string("shape");
    m.params = row.has("params") ? row.string("params") : "";
  }
  m.latency_ms = row.number("latency_ms");
  if (!(m.latency_ms > 0) || !std::isfinite(m.latency_ms))
    row.bad("latency_ms", "a positive number of milliseconds", row.at("latency_ms"));
  if (row.has("profile")) m.profile = profile_of(row.object("profile"));
  if (row.has("caveat")) m.caveat = row.string("caveat");
  if (row.has("not_fitted")) {
    m.not_fitted = row.string("not_fitted");
    if (m.not_fitted.empty()) row.bad("not_fitted", "the reason the row is not fitted", "");
  }
  row.finish();
  if (!m.nki_file.empty()) return m;
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

// The program of a row on `hw`: a library kernel built, an NKI trace replayed.
isa::Program row_program(const MeasurementSet& set, const Measurement& m, const HwConfig& hw,
                         const Budget& budget, RunWatch& watch, NkiTraceCache& traces) {
  if (!m.nki_file.empty()) return build_trace_program(traces.trace(m), hw, budget, &watch);
  const KernelSpec& spec = find_kernel(m.kernel);
  return build_kernel_program(spec, hw, parse_assignments(m.shape, "shape of " + m.kernel),
                              parse_assignments(m.params, "params of " + m.kernel),
                              parse_dtype(set.dtype), budget, &watch);
}

int64_t stat_bytes(const trace::Summary& s, const std::string& name) {
  return static_cast<int64_t>(trace::numeric_value(trace::find(s, name)).value_or(0));
}

SimulatedProfile simulated_profile(const isa::Program& program, const model::RunResult& run,
                                   const HwConfig& hw) {
  const trace::Summary s = trace::summarize(program, run, hw, {});
  SimulatedProfile p;
  p.hbm_read_bytes = stat_bytes(s, "hbm_read_bytes");
  p.hbm_write_bytes = stat_bytes(s, "hbm_write_bytes");
  p.spill_save_bytes = stat_bytes(s, "spill_bytes");
  p.spill_reload_bytes = stat_bytes(s, "reload_bytes");
  for (const auto& [engine, row] : profile_engines()) {
    const trace::Stat* u = trace::find_engine_stat(s, row, "utilization");
    if (u && std::holds_alternative<double>(u->value))
      p.active[engine] = std::get<double>(u->value);
  }
  return p;
}

}  // namespace

MeasurementSet measurements_from_text(std::string_view text, const std::string& origin,
                                      const std::string& directory) {
  const nlohmann::json document = parse_json_input(text, origin);
  JsonObject file(document, origin);
  MeasurementSet set;
  set.description = file.string("description");
  set.source = file.string("source");
  set.method = file.string("method");
  set.caveats = file.string("caveats");
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
        measurement_of(JsonObject(rows[i], origin, "measurements[" + std::to_string(i) + "]"),
                       directory));
  return set;
}

MeasurementSet load_measurements(const std::string& path) {
  return measurements_from_text(
      read_input_file(path, "a measurements JSON file", kMaxMeasurementsBytes), path_excerpt(path),
      std::filesystem::path(path).parent_path().string());
}

const nki::TraceKernel& NkiTraceCache::trace(const Measurement& m) {
  std::string key = m.nki_file + ":" + m.nki_kernel + " grid " + m.grid;
  for (const std::string& a : m.nki_args) key += " " + a;
  auto found = traces_.find(key);
  if (found != traces_.end()) return found->second;
  const std::string target = m.nki_kernel.empty() ? m.nki_file : m.nki_file + ":" + m.nki_kernel;
  return traces_.emplace(key, trace_nki_kernel(target, m.nki_args, m.grid)).first->second;
}

std::vector<Comparison> compare(const MeasurementSet& set, const HwConfig& hw,
                                const Budget& budget, bool show_progress,
                                NkiTraceCache* traces) {
  NkiTraceCache own;
  NkiTraceCache& cache = traces ? *traces : own;
  std::vector<Comparison> out;
  for (size_t row = 0; row < set.measurements.size(); ++row) {
    const Measurement& m = set.measurements[row];
    const std::string name = m.kernel + " " + m.shape;
    Comparison c;
    try {
      RunWatch watch(name, budget.max_seconds, show_progress);
      const isa::Program program = row_program(set, m, hw, budget, watch, cache);
      model::SimulationOptions options;
      options.budget = budget;
      options.watch = &watch;
      const model::RunResult run = model::simulate(program, hw, options);
      c.simulated_ms = run.sim_time_ns / 1e6;
      c.wall_seconds = run.wall_seconds;
      // A summary walks the whole program; only a row with a profile has a use for it.
      if (m.profile) c.simulated = simulated_profile(program, run, hw);
    } catch (const UserError& e) {
      throw UserError("row " + std::to_string(row + 1) + " (" + name + "): " + e.what());
    }
    c.measured = m;
    c.error_percent = 100.0 * (c.simulated_ms - m.latency_ms) / m.latency_ms;
    out.push_back(std::move(c));
  }
  return out;
}

double mean_absolute_percent_error(const std::vector<Comparison>& rows) {
  double sum = 0;
  for (const Comparison& c : rows) sum += std::fabs(c.error_percent);
  return rows.empty() ? 0 : sum / static_cast<double>(rows.size());
}

}  // namespace trnsim::run
