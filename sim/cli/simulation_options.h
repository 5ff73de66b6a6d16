// The options every command that simulates takes (the machine, the limits of a run, the
// outputs), and how such a command ends: simulate, write the requested files, print the
// summary. Shared by the commands of sim/cli.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <unistd.h>
#include <vector>
#include <nlohmann/json.hpp>

#include "common/budget.h"
#include "common/error.h"
#include "common/output_set.h"
#include "common/run_watch.h"
#include "sim/config/hw_config.h"
#include "sim/isa/program.h"
#include "sim/model/run_result.h"
#include "sim/trace/summary.h"

namespace trnsim::cli {

// A problem with the command line itself (exit 2, as for every InputError: a file it names
// that cannot be used), as opposed to a run that failed (exit 1).
class UsageError : public InputError {
 public:
  using InputError::InputError;
};

struct OutputOptions {
  bool json = false;
  std::string trace_path;
  std::string csv_path;
};

struct MachineOptions {
  std::string hw = "trn1";
  std::vector<std::string> overrides;
};

// What a run may use (common/budget.h) and whether it draws a progress line.
struct LimitOptions {
  Budget budget;
  double max_memory_gib = static_cast<double>(Budget{}.max_memory_bytes) / (1 << 30);
  bool quiet = false;

  Budget resolved() const {
    Budget b = budget;
    b.max_memory_bytes = static_cast<int64_t>(max_memory_gib * (1 << 30));
    return b;
  }
  // On a terminal and without --quiet.
  bool show_progress() const { return !quiet && isatty(STDERR_FILENO); }
};

void add_output_options(CLI::App& cmd, OutputOptions& out);
void add_machine_options(CLI::App& cmd, MachineOptions& m);
void add_limit_options(CLI::App& cmd, LimitOptions& l);
// What every command that simulates takes: the machine, the limits of a run, the outputs.
void add_simulation_options(CLI::App& cmd, MachineOptions& m, LimitOptions& limits,
                            OutputOptions& out);

// The config named by --hw with the --set overrides; a bad one is a UsageError.
HwConfig load_machine(const MachineOptions& m);

// The files a run writes, by option, for check_output_paths() (common/output_set.h).
std::vector<NamedFile> run_outputs(const OutputOptions& out, const std::string& save_program);

// Writes the requested files and prints the summary; both carry extras.replay. All or none:
// 1. each file goes to a temporary of its own, 2. the summary is printed and flushed, 3. only
// then are the files renamed into place, together (common/output_set.h). `more` (or null) holds
// files the command added already (run-nki's outputs); they are committed with the others.
void report(const isa::Program& program, const model::RunResult& run, const HwConfig& cfg,
            const trace::SummaryExtras& extras, const OutputOptions& out,
            const std::string& save_program = "", OutputSet* more = nullptr);
// Simulates a built program and reports it; `record` (or null) is what replays the run.
void simulate_and_report(const isa::Program& program, const HwConfig& cfg,
                         const nlohmann::json& record, const OutputOptions& out,
                         const Budget& budget, RunWatch& watch);

}  // namespace trnsim::cli
