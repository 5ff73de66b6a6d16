// `trnsim compare MEASURED.json...` (issue 10): simulates every row of each measurements file
// (a source) and prints per source every row's error, the mean and the worst row; rows from a
// profile also get the simulated HBM bytes, spill bytes and engine-active fractions next to
// the measured ones.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "sim/cli/simulation_options.h"

namespace trnsim::cli {

struct CompareCommand {
  std::vector<std::string> files;
  bool json = false;
  MachineOptions machine{"", {}};  // default: each file's own measured machine
  LimitOptions limits;
};

CLI::App* add_compare_command(CLI::App& app, CompareCommand& c);
// Throws UsageError for bad options or files, UserError for a row that failed.
void run_compare(const CompareCommand& c);

}  // namespace trnsim::cli
