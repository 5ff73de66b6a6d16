// `trnsim calibrate MEASURED.json... [--params KEY[=LOW:HIGH],...] -o FILE.yaml` (issue 10):
// fits hardware parameters to measured latencies (sim/run/calibrate.h), prints the error of
// every row before, after and held out, and writes a config of the fitted values on top of the
// machine it started from, naming where it came from and the data it was fitted on.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "sim/cli/simulation_options.h"

namespace trnsim::cli {

struct CalibrateCommand {
  std::vector<std::string> files;
  std::vector<std::string> params = {"dma.engine_elements_per_ns=4.25:8.5"};
  std::string output;
  bool json = false;
  MachineOptions machine{"", {}};  // default: the measured machine of the first file
  LimitOptions limits;
};

CLI::App* add_calibrate_command(CLI::App& app, CalibrateCommand& c);
// Throws UsageError for bad options or files, UserError for a run that failed.
void run_calibrate(const CalibrateCommand& c);

}  // namespace trnsim::cli
