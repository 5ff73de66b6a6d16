// `trnsim llm --model NAME`: a whole LLM, prefill then decode, on one NeuronCore
// (sim/run/llm_run.h); with --ratio, NeuronMM's MLP on SVD factors next to the dense one.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "sim/cli/simulation_options.h"

namespace trnsim::cli {

struct LlmCommand {
  std::string model;
  int64_t prompt = 128, generate = 32, batch = 1;
  std::string ratio = "none";
  bool json = false;
  std::string trace_path;  // a Perfetto timeline of the operators, one slice per call
  MachineOptions machine;
  LimitOptions limits;
};

CLI::App* add_llm_command(CLI::App& app, LlmCommand& c);
// Throws UsageError for a bad option or model file, UserError for a run that cannot be done.
void run_llm_command(const LlmCommand& c);

}  // namespace trnsim::cli
