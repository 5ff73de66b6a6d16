// Published or profiled kernel latencies (traces/measured/*.json) and their comparison with
// simulation: each entry names a kernel of the library, its shape and parameters, and the
// measured latency. `trnsim compare FILE` simulates every entry and reports the error.
#pragma once

#include <optional>
#include <string>
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

MeasurementSet load_measurements(const std::string& path);  // throws UserError

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
