#include "sim/cli/calibrate_command.h"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/json_output.h"
#include "common/output_set.h"
#include "sim/config/hw_parameters.h"
#include "sim/run/calibrate.h"

namespace trnsim::cli {
namespace {

using run::CalibrationResult;
using run::FittedParameter;
using run::MeasurementSet;

// Six significant digits: the fit is not finer than that.
std::string rounded(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", std::gmtime(&now));
  return text;
}

// The rows of `set` that calibrate fits: those without a not_fitted reason.
size_t fitted_rows(const MeasurementSet& set) {
  size_t n = 0;
  for (const run::Measurement& m : set.measurements) n += m.not_fitted.empty();
  return n;
}

// The config: `base:` the machine calibrated from, its --set overrides, the fitted values, and
// comments saying where it came from.
std::string calibrated_yaml(const CalibrateCommand& c, const std::vector<MeasurementSet>& sets,
                            const CalibrationResult& r) {
  std::string y = "# Written by `trnsim calibrate` on " + today() + ": ";
  for (const FittedParameter& p : r.parameters) y += p.key + " ";
  y += "fitted by bounded least squares on the log error of " +
       std::to_string(r.before.size()) + " measured latencies:\n";
  for (size_t s = 0; s < sets.size(); ++s)
    y += "#   " + c.files[s] + " (" + std::to_string(fitted_rows(sets[s])) + " of its " +
         std::to_string(sets[s].measurements.size()) + " rows; source: " + sets[s].source + ")\n";
  char errors[200];
  std::snprintf(errors, sizeof errors,
                "# mean absolute error %.1f%% before, %.1f%% after, %.1f%% held out (%s)\n",
                r.mape_before, r.mape_after, r.mape_held_out,
                r.folds == static_cast<int>(r.before.size()) ? "leave-one-out" : "10 folds");
  y += errors;
  const bool path = c.machine.hw.find('/') != std::string::npos ||
                    c.machine.hw.find(".yaml") != std::string::npos;
  y += "name: " + std::filesystem::path(c.machine.hw).stem().string() + "-calibrated\n";
  y += "base: " + (path ? std::filesystem::absolute(c.machine.hw).string() : c.machine.hw) +
       "\n";
  // Section by section: the --set overrides, then the fitted values.
  std::map<std::string, std::vector<std::string>> lines;
  for (const std::string& o : c.machine.overrides) {
    const std::string key = o.substr(0, o.find('='));
    const HwParameter* p = find_hw_parameter(key);
    if (p) lines[p->section()].push_back("  " + p->name() + ": " + o.substr(o.find('=') + 1) +
                                         "   # --set when calibrated");
  }
  for (const FittedParameter& f : r.parameters) {
    const HwParameter* p = find_hw_parameter(f.key);
    lines[p->section()].push_back("  " + p->name() + ": " + rounded(f.fitted) +
                                  "   # calibrated (bounds " + format_number(f.low) + " .. " +
                                  format_number(f.high) + "; was " + format_number(f.start) +
                                  ")");
  }
  for (const auto& [section, entries] : lines) {
    y += "\n" + section + ":\n";
    for (const std::string& line : entries) y += line + "\n";
  }
  return y;
}

void print(const std::vector<MeasurementSet>& sets, const CalibrationResult& r) {
  std::printf("%-18s %-24s %11s %9s %9s %9s\n", "kernel", "shape", "measured ms", "before",
              "after", "held out");
  for (size_t i = 0; i < r.before.size(); ++i)
    std::printf("%-18s %-24s %11.3f %+8.1f%% %+8.1f%% %+8.1f%%\n",
                r.before[i].measured.kernel.c_str(), r.before[i].measured.shape.c_str(),
                r.before[i].measured.latency_ms, r.before[i].error_percent,
                r.after[i].error_percent, r.held_out_error_percent[i]);
  std::printf("\n%-28s %12s %12s   %s\n", "parameter", "start", "fitted", "bounds");
  for (const FittedParameter& p : r.parameters)
    std::printf("%-28s %12s %12s   %s .. %s\n", p.key.c_str(), format_number(p.start).c_str(),
                rounded(p.fitted).c_str(), format_number(p.low).c_str(),
                format_number(p.high).c_str());
  std::printf("\nmean absolute error: %.1f%% before, %.1f%% after, %.1f%% held out (%s; %zu "
              "files, %d rows simulated)\n",
              r.mape_before, r.mape_after, r.mape_held_out,
              r.folds == static_cast<int>(r.before.size()) ? "leave-one-out" : "10 folds",
              sets.size(), r.simulations);
  size_t left_out = 0;
  for (const MeasurementSet& set : sets) left_out += set.measurements.size() - fitted_rows(set);
  if (left_out)
    std::printf("%zu rows not fitted (each says why in its file's not_fitted; `trnsim compare` "
                "reports them)\n", left_out);
}

}  // namespace

CLI::App* add_calibrate_command(CLI::App& app, CalibrateCommand& c) {
  auto* cmd = app.add_subcommand(
      "calibrate", "Fit hardware parameters to measured latencies and write them as a config");
  cmd->add_option("files", c.files, "Measurements JSON files (traces/measured/*.json)")
      ->required();
  cmd->add_option("--params", c.params,
                  "Parameters to fit, KEY or KEY=LOW:HIGH, comma-separated (default "
                  "dma.engine_elements_per_ns=4.25:8.5, the bounds of hwconfig/trn1.yaml)")
      ->delimiter(',');
  cmd->add_option("-o,--output", c.output, "The config to write (YAML)")->required();
  cmd->add_flag("--json", c.json, "Print the result as one JSON object");
  add_machine_options(*cmd, c.machine);
  add_limit_options(*cmd, c.limits);
  return cmd;
}

void run_calibrate(const CalibrateCommand& c) {
  std::vector<MeasurementSet> sets;
  std::vector<NamedFile> inputs;
  for (const std::string& file : c.files) {
    try {
      sets.push_back(run::load_measurements(file));
    } catch (const UserError& e) {
      throw UsageError(e.what());
    }
    inputs.push_back({"a measurements file", file});
  }
  CalibrateCommand resolved = c;
  if (resolved.machine.hw.empty()) resolved.machine.hw = sets.front().hw;
  for (size_t s = 0; s < sets.size(); ++s)
    if (sets[s].hw != sets.front().hw)
      throw UsageError("calibrate: " + c.files[s] + " was measured on " + sets[s].hw + ", " +
                       c.files.front() + " on " + sets.front().hw +
                       "; calibrate one machine at a time");
  const HwConfig start = load_machine(resolved.machine);
  std::vector<FittedParameter> parameters;
  try {
    check_output_paths({{"-o", c.output}}, inputs);
    for (const std::string& p : c.params)
      parameters.push_back(run::parse_fitted_parameter(p, start));
  } catch (const UserError& e) {
    throw UsageError(e.what());
  }
  const CalibrationResult r =
      run::calibrate(sets, start, parameters, c.limits.resolved());
  AtomicFile out(c.output);
  out.out() << calibrated_yaml(resolved, sets, r);
  out.commit();
  if (!c.json) {
    print(sets, r);
    std::printf("wrote %s\n", c.output.c_str());
    return;
  }
  nlohmann::json j = {{"mape_before_percent", r.mape_before},
                      {"mape_after_percent", r.mape_after},
                      {"mape_held_out_percent", r.mape_held_out},
                      {"folds", r.folds},
                      {"rows_simulated", r.simulations},
                      {"output", c.output}};
  for (const FittedParameter& p : r.parameters)
    j["parameters"].push_back({{"key", p.key}, {"start", p.start}, {"fitted", p.fitted},
                               {"low", p.low}, {"high", p.high}});
  for (size_t i = 0; i < r.before.size(); ++i)
    j["rows"].push_back({{"kernel", r.before[i].measured.kernel},
                         {"shape", r.before[i].measured.shape},
                         {"measured_ms", r.before[i].measured.latency_ms},
                         {"error_before_percent", r.before[i].error_percent},
                         {"error_after_percent", r.after[i].error_percent},
                         {"error_held_out_percent", r.held_out_error_percent[i]}});
  std::cout << json_line(j) << "\n";
}

}  // namespace trnsim::cli
