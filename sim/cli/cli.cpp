#include "sim/cli/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include "sim/cli/calibrate_command.h"
#include "sim/cli/compare_command.h"
#include "sim/cli/compress_command.h"
#include "sim/cli/llm_command.h"
#include "sim/cli/sweep_command.h"
#include "sim/cli/nki_command.h"
#include "sim/cli/pe_frames_output.h"
#include "sim/cli/simulation_options.h"
#include "sim/cli/standard_output.h"
#include "sim/run/kernel_run.h"
#include "sim/run/measurements.h"
#include "sim/run/run_record.h"
#include "sim/run/tune.h"
#include "sim/config/hw_config_loader.h"
#include "sim/isa/program_json.h"
#include "sim/model/neuron_core.h"
#include "kernels/nki/nki_file.h"
#include "common/output_set.h"
#include "common/excerpt.h"
#include "common/json_output.h"
#include "sim/trace/instruction_csv.h"
#include "sim/trace/perfetto_trace.h"
#include "sim/trace/summary.h"

namespace trnsim::cli {
namespace {

using namespace trnsim::run;  // the library that runs kernels, comparisons and searches

void list(bool parameters, bool opcodes) {
  std::cout << "Kernels:\n";
  for (const KernelSpec& k : kernel_library()) {
    std::string shape, params;
    for (const auto& [key, v] : k.default_shape)
      shape += (shape.empty() ? "" : ",") + key + "=" + std::to_string(v);
    for (const auto& [key, v] : k.default_params)
      params += (params.empty() ? "" : ",") + key + "=" + std::to_string(v);
    std::cout << "  " << k.name << "  --shape " << shape
              << (params.empty() ? "" : "  --param " + params) << "\n      " << k.description
              << "\n";
  }
  std::cout << "Hardware configs (" << hwconfig_dir() << "):\n";
  for (const std::string& name : list_hw_configs()) std::cout << "  " << name << "\n";
  if (parameters)
    std::cout << "Hardware parameters (--set section.key=value):\n" << describe_parameters();
  if (opcodes) std::cout << "Opcodes (sim/isa/opcode.cpp):\n" << isa::describe_opcodes();
}

struct RunOptions {
  std::string kernel;
  std::string shape, params;
  std::string dtype = "bf16";
  bool timing_only = false;
  uint64_t seed = 1;  // of the random inputs (numerics)
  std::string save_program;
  std::string replay;  // a JSON summary or trace whose run to repeat
  std::string pe_frames;  // a folder for the PE-level Tensor Engine's frames
};

void run_request(KernelRunRequest request, const std::string& save_program,
                 const OutputOptions& out, const LimitOptions& limits) {
  request.record_dma_packets = !out.trace_path.empty();
  request.budget = limits.resolved();
  RunWatch watch(request.kernel, request.budget.max_seconds, limits.show_progress());
  const KernelRunOutput result = run_kernel(request, &watch);
  report(result.program, result.run, request.hw,
         {request.kernel, "", result.max_abs_err, record_to_json(kernel_run_record(request)),
          result.max_abs_err ? std::optional<double>(result.max_abs_reference) : std::nullopt},
         out, save_program);
}

void simulate_program(const std::string& path, const HwConfig& cfg, const OutputOptions& out,
                      const LimitOptions& limits) {
  const isa::Program program = isa::load_program(path);
  const nlohmann::json record = record_to_json(program_run_record(path, cfg));
  const Budget budget = limits.resolved();
  if (static_cast<int64_t>(program.instruction_count()) > budget.max_instructions)
    throw UserError(path + " has " + std::to_string(program.instruction_count()) +
                    " instructions; the budget is " + std::to_string(budget.max_instructions) +
                    " (--max-instructions)");
  RunWatch watch(program.name, budget.max_seconds, limits.show_progress());
  simulate_and_report(program, cfg, record, out, budget, watch);
}

// `run --replay FILE`: the recorded run again, on the machine rebuilt from the recorded
// parameter values (not from the YAML), plus any further --set.
void replay(const RunOptions& o, const MachineOptions& m, const OutputOptions& out,
            const LimitOptions& limits) {
  RunRecord record;
  try {
    record = load_run_record(o.replay);
    apply_overrides(record.kernel.hw, m.overrides);
    if (record.command == RunRecord::Command::run) {
      try {
        find_kernel(record.kernel.kernel);
      } catch (const UserError& e) {
        throw UserError(o.replay + ": replay.kernel: " + e.what());
      }
    }
    if (record.command == RunRecord::Command::run_program &&
        file_hash(record.program_path) != record.program_hash)
      throw UserError(o.replay + ": replay.program: " + record.program_path +
                      " has changed since the recorded run (" + file_hash(record.program_path) +
                      ", recorded " + record.program_hash + ")");
    check_output_paths(run_outputs(out, o.save_program),
                       {{"--replay", o.replay}, {"the recorded program", record.program_path}});
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  if (record.command == RunRecord::Command::run)
    run_request(record.kernel, o.save_program, out, limits);
  else
    simulate_program(record.program_path, record.kernel.hw, out, limits);
}

void run(const RunOptions& o, const MachineOptions& m, const OutputOptions& out,
         const LimitOptions& limits) {
  if (!o.replay.empty()) return replay(o, m, out, limits);
  if (o.kernel.empty())
    throw UsageError("run: give a KERNEL (see `trnsim list`) or --replay SUMMARY.json");
  KernelRunRequest request;
  try {
    find_kernel(o.kernel);
    request.kernel = o.kernel;
    request.hw = load_machine(m);
    request.shape = parse_assignments(o.shape, "--shape");
    request.params = parse_assignments(o.params, "--param");
    request.dtype = parse_dtype(o.dtype);
    check_output_paths(run_outputs(out, o.save_program), {{"--hw", request.hw.source_file}});
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  request.numerics = !o.timing_only;
  request.seed = o.seed;
  if (o.pe_frames.empty()) return run_request(request, o.save_program, out, limits);
  if (o.timing_only)
    throw UsageError("--pe-frames shows the values in the array: drop --timing-only");
  check_pe_frames_dir(o.pe_frames);
  model::PeFrameLog frames;
  request.pe_frames = &frames;
  run_request(request, o.save_program, out, limits);
  write_pe_frames(frames, o.pe_frames);
}

void emit_nki(const RunOptions& o, const MachineOptions& m, const std::string& path,
              const std::string& api_name) {
  std::string text;
  const KernelSpec* spec = nullptr;
  HwConfig cfg;
  Assignments shape, params;
  Dtype dtype = Dtype::bf16;
  nki::NkiApi api = nki::NkiApi::v0_1;
  try {
    spec = &find_kernel(o.kernel);
    api = nki::parse_nki_api(api_name);
    cfg = load_machine(m);
    shape = parse_assignments(o.shape, "--shape");
    params = parse_assignments(o.params, "--param");
    dtype = parse_dtype(o.dtype);
    if (path != "-") check_output_paths({{"-o", path}}, {{"--hw", cfg.source_file}});
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  text = nki::emit_nki_file(*spec, shape, params, dtype, cfg.sbuf.usable_bytes_per_partition(),
                            api);
  if (path.empty() || path == "-") {
    std::cout << text;
    return;
  }
  AtomicFile file(path);
  file.out() << text;
  file.commit();
}

struct TuneOptions {
  std::string kernel, shape, dtype = "bf16", values = "1,2,4,8,16", only;
  int top = 5;
  double time_limit_s = 55;
};

void run_tune(const TuneOptions& o, const MachineOptions& m, const LimitOptions& limits) {
  TuneRequest request;
  try {
    find_kernel(o.kernel);
    request.kernel = o.kernel;
    request.hw = load_machine(m);
    request.shape = parse_assignments(o.shape, "--shape");
    request.dtype = parse_dtype(o.dtype);
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  request.values.clear();
  std::stringstream list(o.values);
  for (std::string item; std::getline(list, item, ',');) {
    size_t used = 0;
    try {
      request.values.push_back(std::stoll(item, &used));
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size() || request.values.back() <= 0)
      throw UsageError("--values: '" + excerpt(item) + "' is not a positive integer");
  }
  request.only = o.only;
  request.keep = static_cast<size_t>(std::max(1, o.top));
  request.time_limit_s = o.time_limit_s;
  request.budget = limits.resolved();
  const TuneReport report = tune(request);
  if (report.ranked.empty())
    throw UserError("tune: none of the " + std::to_string(report.candidates) +
                    " candidates could be simulated (" + std::to_string(report.rejected) +
                    " rejected by the kernel's SBUF budget, shape rules or --max-* limits); "
                    "try other --values");
  std::printf("%s on %s: %lld candidates, %lld rejected (SBUF budget or shape), %lld pruned by "
              "their lower bound, %lld simulated in %.1f s (%.1f configurations/s)%s\n",
              o.kernel.c_str(), request.hw.label().c_str(),
              static_cast<long long>(report.candidates), static_cast<long long>(report.rejected),
              static_cast<long long>(report.pruned), static_cast<long long>(report.evaluated),
              report.wall_s, report.candidates / std::max(report.wall_s, 1e-9),
              report.stopped_early ? " -- stopped at the time limit" : "");
  if (report.default_ms)
    std::printf("default parameters: %.3f ms\n", *report.default_ms);
  std::printf("%-10s %-9s %s\n", "sim ms", "speedup", "parameters");
  for (size_t i = 0; i < report.ranked.size() && i < static_cast<size_t>(o.top); ++i) {
    std::string params;
    for (const auto& [k, v] : report.ranked[i].params)
      params += (params.empty() ? "" : ",") + k + "=" + std::to_string(v);
    const double speedup = report.default_ms ? *report.default_ms / report.ranked[i].sim_ms : 0;
    std::printf("%-10.3f %-9s %s\n", report.ranked[i].sim_ms,
                report.default_ms ? (std::to_string(speedup).substr(0, 4) + "x").c_str() : "-",
                params.c_str());
  }
}

void run_program(const std::string& path, const MachineOptions& m, const OutputOptions& out,
                 const LimitOptions& limits) {
  const HwConfig cfg = load_machine(m);
  try {
    check_output_paths(run_outputs(out, ""), {{"the program", path}, {"--hw", cfg.source_file}});
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  simulate_program(path, cfg, out, limits);
}

}  // namespace

int run_cli(int argc, char** argv) {
  // Not a terminal: hold up to 64 KiB of output (a run's JSON summary with its resolved
  // configuration is over 4 KiB) for the final flush_standard_output(), which can then name
  // the reason a write was lost (a flush that fails midway leaves none).
  static char stdout_buffer[1 << 16];
  if (!isatty(STDOUT_FILENO)) std::setvbuf(stdout, stdout_buffer, _IOFBF, sizeof stdout_buffer);
  CLI::App app{"trnsim: a cycle-approximate simulator of one AWS Trainium NeuronCore"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "trnsim " + run::trnsim_version());

  bool list_parameters = false;
  auto* list_cmd = app.add_subcommand("list", "List kernels and hardware configs");
  list_cmd->add_flag("--parameters", list_parameters, "Also list every hardware parameter");
  bool list_opcodes = false;
  list_cmd->add_flag("--opcodes", list_opcodes, "Also list every opcode of the program format");

  RunOptions run_opts;
  MachineOptions run_machine;
  OutputOptions run_out;
  auto* run_cmd = app.add_subcommand("run", "Simulate one kernel of the library");
  auto* kernel_arg =
      run_cmd->add_option("kernel", run_opts.kernel, "Kernel name (see `trnsim list`)");
  auto* replay_opt = run_cmd->add_option(
      "--replay", run_opts.replay,
      "Rerun the run recorded in a --json summary or --trace file (further --set allowed)");
  std::vector<CLI::Option*> run_what = {
      kernel_arg,
      run_cmd->add_option("--shape", run_opts.shape, "Shape, e.g. M=4096,K=8192,N=8192"),
      run_cmd->add_option("--param", run_opts.params, "Block sizes, e.g. TILES_IN_BLOCK_M=16"),
      run_cmd->add_option("--dtype", run_opts.dtype, "Input dtype: bf16, fp16 or fp32")
          ->capture_default_str(),
      run_cmd->add_flag("--timing-only", run_opts.timing_only,
                        "Skip numerics (no memory contents, no reference check)"),
      run_cmd->add_option("--seed", run_opts.seed,
                          "Seed of the random inputs (tensor t gets seed + t)")
          ->capture_default_str()};
  run_cmd->add_option("--save-program", run_opts.save_program,
                      "Also write the program as JSON (for run-program)");
  run_what.push_back(run_cmd->add_option(
      "--pe-frames", run_opts.pe_frames,
      "tensor.model=pe: draw every clock edge of the array into this new folder (PNG, GIF)"));
  add_machine_options(*run_cmd, run_machine);
  LimitOptions run_limits;
  add_limit_options(*run_cmd, run_limits);
  add_output_options(*run_cmd, run_out);
  run_what.push_back(run_cmd->get_option("--hw"));
  for (CLI::Option* what : run_what) replay_opt->excludes(what);

  std::string program_path;
  MachineOptions program_machine;
  OutputOptions program_out;
  auto* program_cmd =
      app.add_subcommand("run-program", "Simulate a program JSON file (timing only)");
  program_cmd->add_option("file", program_path, "Program JSON (sim/isa/PROGRAM_FORMAT.md)")
      ->required();
  LimitOptions program_limits;
  add_simulation_options(*program_cmd, program_machine, program_limits, program_out);

  CalibrateCommand calibration;
  auto* calibrate_cmd = add_calibrate_command(app, calibration);

  NkiCommand nki, traced;
  auto* nki_cmd = add_run_nki_command(app, nki);
  auto* trace_cmd = add_run_trace_command(app, traced);

  RunOptions emit_opts;
  std::string emit_path, emit_api = "0.1";
  auto* emit_cmd = app.add_subcommand(
      "emit-nki", "Write a kernel of the library as a runnable NKI Python file");
  emit_cmd->add_option("kernel", emit_opts.kernel, "Kernel name (see `trnsim list`)")->required();
  emit_cmd->add_option("--shape", emit_opts.shape, "Shape, e.g. M=4096,K=8192,N=8192");
  emit_cmd->add_option("--param", emit_opts.params, "Block sizes, e.g. TILES_IN_BLOCK_M=16");
  emit_cmd->add_option("--dtype", emit_opts.dtype, "Input dtype: bf16, fp16 or fp32")
      ->capture_default_str();
  emit_cmd->add_option("-o,--output", emit_path, "Output file (default: standard output)");
  emit_cmd->add_option("--nki-api", emit_api,
                       "0.1: neuronxcc.nki (SDK 2.21-2.26, trn1); 0.3: the nki namespace "
                       "(SDK 2.27+)")
      ->capture_default_str();
  MachineOptions emit_machine;
  add_machine_options(*emit_cmd, emit_machine);

  TuneOptions tune_opts;
  MachineOptions tune_machine;
  auto* tune_cmd = app.add_subcommand(
      "tune", "Search a kernel's block sizes in simulation and print the fastest");
  tune_cmd->add_option("kernel", tune_opts.kernel, "Kernel name (see `trnsim list`)")->required();
  tune_cmd->add_option("--shape", tune_opts.shape, "Shape, e.g. M=4096,K=8192,R=4096,N=16384");
  tune_cmd->add_option("--dtype", tune_opts.dtype, "Input dtype")->capture_default_str();
  tune_cmd->add_option("--values", tune_opts.values, "Tiles per block to try for each parameter")
      ->capture_default_str();
  tune_cmd->add_option("--only", tune_opts.only, "Tune only parameters with this prefix, e.g. UP_");
  tune_cmd->add_option("--top", tune_opts.top, "How many configurations to print")
      ->capture_default_str();
  tune_cmd
      ->add_option("--time-limit", tune_opts.time_limit_s,
                   "Stop searching after this many seconds")
      ->capture_default_str();
  add_machine_options(*tune_cmd, tune_machine);
  LimitOptions tune_limits;
  add_limit_options(*tune_cmd, tune_limits);

  CompressOptions compress_opts;
  std::string compress_tensors;
  auto* compress_cmd = app.add_subcommand(
      "compress", "Block-aligned SVD of weight matrices: W ~ U V (safetensors or .npy)");
  compress_cmd->add_option("weights", compress_opts.weights, "Weights file (.safetensors, .npy)")
      ->required();
  compress_cmd->add_option("--ratio", compress_opts.ratio,
                           "Fraction of the parameters removed (the paper's compression ratio)")
      ->required();
  compress_cmd->add_option("--block", compress_opts.block, "Rank granularity (tile size)")
      ->capture_default_str();
  compress_cmd->add_option("--tensors", compress_tensors, "Names to compress (default: all 2-D)");
  compress_cmd->add_option("-o,--output", compress_opts.output, "Output file or directory")
      ->required();
  compress_cmd->add_flag("--json", compress_opts.json, "Print the report as one JSON object");
  compress_cmd->add_option("--calibration", compress_opts.calibration,
                           "Activations for whitening (SVD-LLM style)");
  compress_cmd->add_option("--svd", compress_opts.svd, "full, randomized or auto")
      ->capture_default_str();

  CompareCommand comparison;
  auto* compare_cmd = add_compare_command(app, comparison);
  LlmCommand llm;
  auto* llm_cmd = add_llm_command(app, llm);
  SweepCommand sweep;
  auto* sweep_cmd = add_sweep_command(app, sweep);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "trnsim: " << excerpt(e.what(), kLongExcerptChars) << " (see --help)\n";
    return 2;
  }

  try {
    if (*list_cmd) list(list_parameters, list_opcodes);
    if (*run_cmd) run(run_opts, run_machine, run_out, run_limits);
    if (*program_cmd) run_program(program_path, program_machine, program_out, program_limits);
    if (*nki_cmd) run_nki(nki);
    if (*trace_cmd) run_nki(traced);
    if (*emit_cmd) emit_nki(emit_opts, emit_machine, emit_path, emit_api);
    if (*tune_cmd) run_tune(tune_opts, tune_machine, tune_limits);
    if (*compress_cmd) {
      std::stringstream names(compress_tensors);
      for (std::string name; std::getline(names, name, ',');)
        if (!name.empty()) compress_opts.tensors.push_back(name);
      run_compress(compress_opts, std::cout);
    }
    if (*compare_cmd) run_compare(comparison);
    if (*calibrate_cmd) run_calibrate(calibration);
    if (*llm_cmd) run_llm_command(llm);
    if (*sweep_cmd) run_sweep_command(sweep);
    flush_standard_output();
  } catch (const InputError& e) {
    std::cerr << "trnsim: " << e.what() << "\n";
    return 2;
  } catch (const UserError& e) {
    std::cerr << "trnsim: " << e.what() << "\n";
    return 1;
  } catch (const std::bad_alloc&) {
    std::cerr << "trnsim: out of memory (try a smaller shape, or --timing-only)\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "trnsim: internal error: " << excerpt(e.what(), kLongExcerptChars) << "\n";
    return 1;
  }
  return 0;
}

}  // namespace trnsim::cli
