#include "sim/cli/simulation_options.h"

#include <iostream>

#include "common/json_output.h"
#include "common/output_set.h"
#include "sim/cli/standard_output.h"
#include "sim/config/hw_config_loader.h"
#include "sim/isa/program_json.h"
#include "sim/model/neuron_core.h"
#include "sim/trace/instruction_csv.h"
#include "sim/trace/perfetto_trace.h"

namespace trnsim::cli {

void add_output_options(CLI::App& cmd, OutputOptions& out) {
  cmd.add_flag("--json", out.json, "Print the summary as one JSON object");
  cmd.add_option("--trace", out.trace_path, "Write a Perfetto / Chrome trace-event JSON file");
  cmd.add_option("--csv", out.csv_path, "Write one CSV row per instruction");
}

void add_machine_options(CLI::App& cmd, MachineOptions& m) {
  cmd.add_option("--hw", m.hw, "Hardware config: a name in hwconfig/ (trn1, trn2) or a YAML path")
      ->capture_default_str();
  cmd.add_option("--set", m.overrides, "Override one config parameter, e.g. hbm.efficiency=0.3")
      ->allow_extra_args(false);
}

void add_limit_options(CLI::App& cmd, LimitOptions& l) {
  cmd.add_option("--max-instructions", l.budget.max_instructions,
                 "Refuse a program of more instructions")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--max-dma-packets", l.budget.max_dma_packets,
                 "Refuse a program of more DMA packets (engine shares)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--max-memory-gib", l.max_memory_gib,
                 "Refuse a program (and, with --trace, its DMA packets) needing more memory")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--max-seconds", l.budget.max_seconds,
                 "Stop a run (a compare row, a tune candidate) after this wall time; 0: never")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd.add_flag("--quiet", l.quiet, "No progress line on stderr (it is drawn on a terminal only)");
}

HwConfig load_machine(const MachineOptions& m) {
  try {
    HwConfig cfg = load_hw_config(m.hw);
    apply_overrides(cfg, m.overrides);
    return cfg;
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
}

void add_simulation_options(CLI::App& cmd, MachineOptions& m, LimitOptions& limits,
                            OutputOptions& out) {
  add_machine_options(cmd, m);
  add_limit_options(cmd, limits);
  add_output_options(cmd, out);
}

std::vector<NamedFile> run_outputs(const OutputOptions& out, const std::string& save_program) {
  return {{"--save-program", save_program}, {"--trace", out.trace_path}, {"--csv", out.csv_path}};
}

void report(const isa::Program& program, const model::RunResult& run, const HwConfig& cfg,
            const trace::SummaryExtras& extras, const OutputOptions& out,
            const std::string& save_program, OutputSet* more) {
  OutputSet own;
  OutputSet& files = more ? *more : own;
  if (!save_program.empty())
    isa::write_program(files.add(save_program).out(), program, save_program);
  if (!out.trace_path.empty())
    trace::write_perfetto_trace(files.add(out.trace_path).out(), program, run, cfg, extras.replay);
  if (!out.csv_path.empty())
    trace::write_instruction_csv(files.add(out.csv_path).out(), program, run, cfg);
  const trace::Summary summary = trace::summarize(program, run, cfg, extras);
  if (out.json)
    std::cout << json_line(trace::summary_to_json(summary)) << "\n";
  else
    std::cout << trace::summary_to_text(summary);
  flush_standard_output();
  files.commit();
}

void simulate_and_report(const isa::Program& program, const HwConfig& cfg,
                         const nlohmann::json& record, const OutputOptions& out,
                         const Budget& budget, RunWatch& watch) {
  model::SimulationOptions options;
  options.record_dma_packets = !out.trace_path.empty();
  options.budget = budget;
  options.watch = &watch;
  const model::RunResult result = model::simulate(program, cfg, options);
  report(program, result, cfg, {program.name, "", std::nullopt, record, std::nullopt}, out);
}

}  // namespace trnsim::cli
