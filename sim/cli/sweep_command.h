// `trnsim sweep SPEC.yaml`: a grid of runs over hardware keys, kernels, shapes and block
// parameters (sim/run/sweep_spec.h), cached per point, fanned out locally, on Dask or as one
// command per point (sim/run/sweep.h); results as JSON lines and CSV.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "sim/cli/simulation_options.h"

namespace trnsim::cli {

struct SweepCommand {
  std::string spec;
  std::string cache = "out/sweep-cache";
  std::string jsonl, csv;  // results files, if given
  int jobs = 2;
  std::string scheduler;   // a Dask scheduler address
  bool emit_commands = false;
  std::string point;       // run only this point (what each fanned-out task does)
  LimitOptions limits;
};

CLI::App* add_sweep_command(CLI::App& app, SweepCommand& c);
void run_sweep_command(const SweepCommand& c);

}  // namespace trnsim::cli
