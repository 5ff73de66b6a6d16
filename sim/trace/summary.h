// What a run reports (DESIGN.md §5) as data: every statistic carries a name, a unit and a
// one-line description (gem5 ADD_STAT), and the text and JSON forms are both rendered from the
// same Summary, so they cannot disagree.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/config/hw_config.h"
#include "sim/isa/program.h"
#include "sim/model/run_result.h"

namespace trnsim::trace {

struct Stat {
  using Value = std::variant<std::monostate /*null*/, int64_t, double, std::string>;
  std::string name;
  std::string unit;  // "" for strings and plain counts that need none
  std::string description;
  Value value;
};

// One row of the engine table: the four compute engines by stream name, then "DMA".
struct EngineStats {
  std::string engine;
  std::vector<Stat> stats;  // busy_ns, utilization, instructions
};

struct Summary {
  std::vector<Stat> stats;  // top-level, in presentation order
  std::vector<EngineStats> engines;
  isa::DataMovement data_movement;  // bytes per path and tensor; empty for loaded programs
  nlohmann::json replay;            // what reproduces the run (sim/run/run_record.h); or null
};

// What the run itself does not know.
struct SummaryExtras {
  std::string kernel;                 // "" -> Program::name
  std::string hw;                     // "" -> HwConfig::label() (name + --set overrides)
  std::optional<double> max_abs_err;  // numerics check against a reference; absent -> null
  nlohmann::json replay;              // the run's record, passed through to the JSON; or null
  std::optional<double> max_abs_reference;  // largest |reference| value; absent -> null
};

// Derives every statistic from the program that ran and its timed record. Byte counts come from
// the access patterns (AccessPattern::total_bytes), time from the events; ratios whose
// denominator is zero (an empty run, wall_seconds == 0) are null.
Summary summarize(const isa::Program& program, const model::RunResult& run, const HwConfig& cfg,
                  const SummaryExtras& extras);

// The top-level statistic called `name`, or nullptr.
const Stat* find(const Summary& s, const std::string& name);
// The statistic `name` of the engine row `engine` ("Tensor", ..., "DMA"), or nullptr.
const Stat* find_engine_stat(const Summary& s, const std::string& engine,
                             const std::string& name);
// A statistic's value as a number (an integer or a real); none for nullptr, null or text.
std::optional<double> numeric_value(const Stat* stat);

// {"kernel": ..., ..., "engines": {"Tensor": {"busy_ns": ..., ...}, ..., "DMA": {...}},
//  "data_movement": {...}, "replay": {...}}. Values only; units and descriptions are in the
// text form and in summary.cpp. "replay" is the record `trnsim run --replay` reads back.
nlohmann::json summary_to_json(const Summary& s);

// Aligned "name  value unit  # description" lines followed by the engine table.
std::string summary_to_text(const Summary& s);

}  // namespace trnsim::trace
