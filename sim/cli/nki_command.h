// `trnsim run-nki FILE.py[:KERNEL]` (trace an NKI kernel file with python/trnsim_nki, then
// replay and simulate it) and `trnsim run-trace TRACE.jsonl` (replay a saved trace), with
// numerics unless --timing-only. sim/run/nki_run.h and nki_numerics.h do the work.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "sim/cli/simulation_options.h"

namespace trnsim::cli {

struct NkiCommand {
  std::string file;  // FILE.py[:KERNEL] for run-nki, TRACE.jsonl for run-trace
  std::string shape, params, save_trace;
  std::vector<std::string> args;  // NAME=SHAPE:DTYPE (any rank), one per kernel parameter
  std::string grid;               // an SPMD launch grid, N or NxM...
  bool timing_only = false;
  bool traced_already = false;  // run-trace
  std::string inputs_dir, outputs_dir, reference;  // numerics: --inputs, --outputs, --reference
  uint64_t seed = 1;
  MachineOptions machine;
  OutputOptions out;
  LimitOptions limits;
};

CLI::App* add_run_nki_command(CLI::App& app, NkiCommand& c);
CLI::App* add_run_trace_command(CLI::App& app, NkiCommand& c);
// Throws UsageError for bad options, UserError for a run that failed (one line each).
void run_nki(const NkiCommand& c);

}  // namespace trnsim::cli
