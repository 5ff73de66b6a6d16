#include "sim/cli/nki_command.h"

#include <filesystem>

#include "common/excerpt.h"
#include "common/input_file.h"
#include "kernels/nki/trace_kernel.h"
#include "sim/run/nki_numerics.h"
#include "sim/run/nki_run.h"

namespace trnsim::cli {

namespace {

void add_numerics_options(CLI::App& cmd, NkiCommand& c) {
  cmd.add_flag("--timing-only", c.timing_only,
               "Skip numerics (no memory contents, no outputs, no reference check)");
  auto* inputs = cmd.add_option(
      "--inputs", c.inputs_dir,
      "Read each kernel input from DIR/<parameter>.npy (default: seeded random)");
  cmd.add_option("--seed", c.seed, "Seed of the random inputs (tensor t gets seed + t)")
      ->capture_default_str()
      ->excludes(inputs);
  cmd.add_option("--outputs", c.outputs_dir,
                 "Write each output HBM tensor as DIR/<name>.npy (float32; DIR must exist)");
  cmd.add_option("--reference", c.reference,
                 "The numpy reference function of the kernel file (default: `reference`, if "
                 "the file has one)");
}

// A trace's lines are hundreds of thousands of small JSON documents, and freeing them takes as
// long as replaying them (0.2 s for the tutorial's fully optimized matmul). The command ends
// the process, so the trace is kept until exit instead, as compilers skip freeing their syntax
// trees; the pointer stays reachable, so LeakSanitizer does not report it.
void keep_until_exit(const nki::TraceKernel& kernel) {
  static auto* kept = new std::vector<nki::TraceKernel>();
  kept->push_back(kernel);  // shares the parsed events
}

}  // namespace

CLI::App* add_run_nki_command(CLI::App& app, NkiCommand& c) {
  auto* cmd = app.add_subcommand("run-nki", "Trace an NKI kernel file and simulate it");
  cmd->add_option("file", c.file, "FILE.py or FILE.py:KERNEL")->required();
  cmd->add_option("--arg", c.args,
                  "A kernel input, NAME=SHAPE:DTYPE, SHAPE as ROWSxCOLS or DxDx.. (default: "
                  "the file's INPUT_SHAPES)")
      ->allow_extra_args(false);
  cmd->add_option("--grid", c.grid,
                  "An SPMD launch grid, N or NxM...: the kernel runs once per program, "
                  "serially (nl.program_id), as NKI 0.1 runs a grid on one NeuronCore");
  cmd->add_option("--shape", c.shape, "Not yet supported (use --arg)");
  cmd->add_option("--param", c.params, "Not yet supported");
  add_numerics_options(*cmd, c);
  cmd->add_option("--save-trace", c.save_trace,
                  "Keep the kernel's trace (python/TRACE_FORMAT.md) for run-trace");
  add_simulation_options(*cmd, c.machine, c.limits, c.out);
  return cmd;
}

CLI::App* add_run_trace_command(CLI::App& app, NkiCommand& c) {
  c.traced_already = true;
  auto* cmd = app.add_subcommand(
      "run-trace", "Simulate a kernel trace written by run-nki --save-trace");
  cmd->add_option("file", c.file, "TRACE.jsonl")->required();
  add_numerics_options(*cmd, c);
  add_simulation_options(*cmd, c.machine, c.limits, c.out);
  return cmd;
}

namespace {

// The kernel file a reference function is looked up in: FILE.py of run-nki, the trace
// header's "source" for run-trace (only with --reference: the file may have moved since).
std::string reference_file(const NkiCommand& c, const std::string& kernel_file,
                           const nki::TraceKernel& kernel) {
  if (!c.traced_already) return kernel_file;
  if (c.reference.empty()) return "";
  if (kernel.source().empty())
    throw UsageError("run-trace --reference: the trace names no source file");
  return kernel.source();
}

void simulate_with_numerics(const NkiCommand& c, const std::string& kernel_file,
                            const nki::TraceKernel& kernel, const isa::Program& program,
                            const HwConfig& cfg, const Budget& budget, RunWatch& watch) {
  // 1. No output may be an input (or another output), before anything is simulated.
  std::vector<NamedFile> inputs = {{"the kernel file", kernel_file}, {"--hw", cfg.source_file}};
  std::vector<NamedFile> outputs = run_outputs(c.out, "");
  if (!c.inputs_dir.empty())
    for (const NamedFile& f : run::nki_tensor_files(program, c.inputs_dir, false))
      inputs.push_back(f);
  if (!c.outputs_dir.empty())
    for (const NamedFile& f : run::nki_tensor_files(program, c.outputs_dir, true))
      outputs.push_back(f);
  try {
    check_output_paths(outputs, inputs);
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  // 2. Inputs, 3. the simulation with numerics and the reference check.
  run::NkiReference reference;
  reference.kernel_file = reference_file(c, kernel_file, kernel);
  if (!c.reference.empty()) reference.function = c.reference;
  reference.required = !c.reference.empty();
  reference.returns = kernel.returns();
  reference.shapes = kernel.hbm_shapes();
  model::SimulationOptions options;
  options.record_dma_packets = !c.out.trace_path.empty();
  options.budget = budget;
  options.watch = &watch;
  const run::NkiNumerics result = run::simulate_nki_numerics(
      program, cfg, options,
      run::nki_inputs(program, c.inputs_dir, c.seed, reference.shapes), reference);
  // 4. The outputs and the report's files, all or none.
  OutputSet files;
  if (!c.outputs_dir.empty())
    run::write_nki_outputs(files, program, result.hbm, c.outputs_dir, reference.shapes);
  report(program, result.run, cfg,
         {program.name, "", result.max_abs_err, nullptr, result.max_abs_reference}, c.out, "",
         &files);
}

}  // namespace

void run_nki(const NkiCommand& c) {
  if (!c.shape.empty() || !c.params.empty())
    throw UsageError("run-nki: --shape and --param are not yet supported; give the kernel's "
                     "inputs as --arg NAME=SHAPE:DTYPE");
  if (c.timing_only &&
      (!c.inputs_dir.empty() || !c.outputs_dir.empty() || !c.reference.empty()))
    throw UsageError(std::string(c.traced_already ? "run-trace" : "run-nki") +
                     ": --inputs, --outputs and --reference need numerics; drop --timing-only");
  const HwConfig cfg = load_machine(c.machine);
  std::vector<NamedFile> outputs = run_outputs(c.out, "");
  outputs.push_back({"--save-trace", c.save_trace});
  const std::string input =
      c.file.substr(0, c.traced_already ? c.file.size() : c.file.find(':'));
  try {
    check_output_paths(outputs, {{c.traced_already ? "the trace" : "the kernel file", input},
                                 {"--hw", cfg.source_file}});
    // The tracer would block on a FIFO: the kernel file is checked as any input is.
    if (!c.traced_already) InputFile(input, "an NKI kernel file (.py)");
    for (const std::string& dir : {c.inputs_dir, c.outputs_dir})
      if (!dir.empty() && !std::filesystem::is_directory(dir))
        throw UsageError((dir == c.inputs_dir ? "--inputs " : "--outputs ") + path_excerpt(dir) +
                         ": not a directory");
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  // 1. The trace: the given one, or one the tracer writes (kept only with --save-trace).
  if (!c.traced_already && !c.save_trace.empty())
    run::trace_nki_file(c.file, c.save_trace, c.args, c.grid);
  const nki::TraceKernel kernel =
      !c.traced_already && c.save_trace.empty()
          ? run::trace_nki_kernel(c.file, c.args, c.grid)
          : nki::TraceKernel::load(c.traced_already ? c.file : c.save_trace);
  keep_until_exit(kernel);
  // 2. Replay it into a program, 3. simulate and report as `trnsim run` does.
  const Budget budget = c.limits.resolved();
  RunWatch watch(kernel.name(), budget.max_seconds, c.limits.show_progress());
  const isa::Program program = run::build_trace_program(kernel, cfg, budget, &watch);
  if (c.timing_only) return simulate_and_report(program, cfg, nullptr, c.out, budget, watch);
  simulate_with_numerics(c, input, kernel, program, cfg, budget, watch);
}

}  // namespace trnsim::cli
