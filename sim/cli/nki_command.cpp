#include "sim/cli/nki_command.h"

#include <cstdio>
#include <unistd.h>

#include "common/input_file.h"
#include "kernels/nki/trace_kernel.h"
#include "sim/run/nki_run.h"

namespace trnsim::cli {

CLI::App* add_run_nki_command(CLI::App& app, NkiCommand& c) {
  auto* cmd = app.add_subcommand(
      "run-nki", "Trace an NKI kernel file (from emit-nki) and simulate it (first slice)");
  cmd->add_option("file", c.file, "FILE.py or FILE.py:KERNEL")->required();
  cmd->add_option("--arg", c.args,
                  "A kernel input, NAME=ROWSxCOLS:DTYPE (default: the file's INPUT_SHAPES)")
      ->allow_extra_args(false);
  cmd->add_option("--grid", c.grid,
                  "An SPMD launch grid, N or NxM...: the kernel runs once per program, "
                  "serially (nl.program_id), as NKI 0.1 runs a grid on one NeuronCore");
  cmd->add_option("--shape", c.shape, "Not yet supported (use --arg)");
  cmd->add_option("--param", c.params, "Not yet supported");
  cmd->add_flag("--timing-only", c.timing_only, "No numerics (required for now)");
  cmd->add_option("--save-trace", c.save_trace,
                  "Keep the kernel's trace (python/TRACE_FORMAT.md) for run-trace");
  add_simulation_options(*cmd, c.machine, c.limits, c.out);
  return cmd;
}

CLI::App* add_run_trace_command(CLI::App& app, NkiCommand& c) {
  c.traced_already = true;
  auto* cmd = app.add_subcommand(
      "run-trace", "Simulate a kernel trace written by run-nki --save-trace (timing only)");
  cmd->add_option("file", c.file, "TRACE.jsonl")->required();
  add_simulation_options(*cmd, c.machine, c.limits, c.out);
  return cmd;
}

void run_nki(const NkiCommand& c) {
  if (!c.shape.empty() || !c.params.empty())
    throw UsageError("run-nki: --shape and --param are not yet supported; give the kernel's "
                     "inputs as --arg NAME=ROWSxCOLS:DTYPE");
  if (!c.traced_already && !c.timing_only)
    throw UsageError("run-nki: numerics are not yet supported; add --timing-only");
  const HwConfig cfg = load_machine(c.machine);
  std::vector<NamedFile> outputs = run_outputs(c.out, "");
  outputs.push_back({"--save-trace", c.save_trace});
  try {
    const std::string input = c.file.substr(0, c.traced_already ? c.file.size() : c.file.find(':'));
    check_output_paths(outputs, {{c.traced_already ? "the trace" : "the kernel file", input},
                                 {"--hw", cfg.source_file}});
    // The tracer would block on a FIFO: the kernel file is checked as any input is.
    if (!c.traced_already) InputFile(input, "an NKI kernel file (.py)");
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  // 1. The trace: the given one, or one the tracer writes (kept only with --save-trace).
  const bool temporary = !c.traced_already && c.save_trace.empty();
  const std::string trace_path =
      c.traced_already ? c.file
      : temporary      ? "/tmp/trnsim-" + std::to_string(getpid()) + ".jsonl"
                       : c.save_trace;
  if (!c.traced_already) run::trace_nki_file(c.file, trace_path, c.args, c.grid);
  const nki::TraceKernel kernel = [&] {
    try {
      return nki::TraceKernel::load(trace_path);
    } catch (...) {
      if (temporary) std::remove(trace_path.c_str());
      throw;
    }
  }();
  if (temporary) std::remove(trace_path.c_str());
  // 2. Replay it into a program, 3. simulate and report as `trnsim run` does.
  const Budget budget = c.limits.resolved();
  RunWatch watch(kernel.name(), budget.max_seconds, c.limits.show_progress());
  const isa::Program program = run::build_trace_program(kernel, cfg, budget, &watch);
  simulate_and_report(program, cfg, nullptr, c.out, budget, watch);
}

}  // namespace trnsim::cli
