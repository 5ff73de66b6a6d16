// Published or profiled kernel latencies (traces/measured/*.json) and their comparison with
// simulation: each entry names a kernel of the library, its shape and parameters, and the
// measured latency. `trnsim compare FILE` simulates every entry and reports the error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/budget.h"
#include "sim/config/hw_config.h"

namespace trnsim::run {

struct Measurement {
  std::string kernel;
  std::string shape;   // "M=4096,K=8192,N=8192"
  std::string params;  // "" or "TILES_IN_BLOCK_M=16"
  double latency_ms = 0;
};

struct MeasurementSet {
  std::string description;
  std::string source;
  std::string hw;  // the machine that was measured: the default --hw
  std::string dtype;
  std::vector<Measurement> measurements;
};

// A measurements file: {"description", "source", "hw", "dtype", "measurements": [{"kernel",
// "shape", "params" (optional), "latency_ms"}, ...]}. Every key is required unless marked,
// any other key is refused, and each row's kernel, shape keys and parameters must exist.
// Throws InputError naming the file and the key.
MeasurementSet load_measurements(const std::string& path);
// The same from the file's bytes; `origin` names them in errors.
MeasurementSet measurements_from_text(std::string_view text, const std::string& origin);

struct Comparison {
  Measurement measured;
  double simulated_ms = 0;
  double error_percent = 0;  // 100 * (simulated - measured) / measured
  double wall_seconds = 0;
};

// Each row runs within `budget` (its time limit is per row) and, with `show_progress`, draws
// a progress line; a row that fails is a UserError naming the row.
std::vector<Comparison> compare(const MeasurementSet& set, const HwConfig& hw,
                                const Budget& budget = {}, bool show_progress = false);
double mean_absolute_percent_error(const std::vector<Comparison>& rows);

}  // namespace trnsim::run
